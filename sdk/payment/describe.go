package payment

import "time"

// ProtocolVersion is the version of the plugin protocol this SDK speaks. The
// host refuses a plugin whose Describe reports another version.
const ProtocolVersion = 1

// Kind says how a mode settles a payment.
type Kind string

const (
	// KindRedirect: the customer pays on the provider's page; the outcome
	// arrives by return and notification.
	KindRedirect Kind = "redirect"
	// KindDeferred: the customer pays later (cheque, bank transfer); the
	// session stays pending until an operator or the provider confirms.
	KindDeferred Kind = "deferred"
	// KindInstant: Begin settles the payment at once (zero total, test).
	KindInstant Kind = "instant"
)

// DescribeRequest is empty; it exists so the method can grow.
type DescribeRequest struct{}

// DescribeResponse names a plugin and lists the modes it offers.
type DescribeResponse struct {
	// Name is the plugin's id, the <name> of payhost-plugin-<name>.
	Name string
	// Version is the plugin's own version (semver recommended).
	Version string
	// ProtocolVersion must be [ProtocolVersion].
	ProtocolVersion int
	Modes           []Mode
}

// Mode is one payment mode a plugin offers (a plugin may offer several).
type Mode struct {
	// ID is unique across all plugins a host loads (e.g. "mercanet",
	// "cheque"); sites enable modes by this id.
	ID          string
	Label       string
	Description string
	LogoURL     string
	Kind        Kind
	// Currencies lists the ISO 4217 alphabetic codes the mode accepts.
	// Empty means any.
	Currencies []string
	// Countries lists the ISO 3166-1 alpha-2 destination countries the mode
	// accepts. Empty means any.
	Countries []string
	// MinAmount and MaxAmount bound the amount in minor units; 0 means no
	// bound. A paying mode is never offered for a zero total.
	MinAmount int64
	MaxAmount int64
	// ZeroAmount marks the mode that settles zero totals (and only those).
	ZeroAmount bool
	// TestOnly marks a mode that may only be offered on sites in test mode.
	TestOnly     bool
	Capabilities Capabilities
	Reference    ReferenceFormat
	ConfigSchema []ConfigField
	// CaptureWindow is how long the provider keeps an authorization of this
	// mode capturable (e.g. 7 days at PayPal, up to 30 at some acquirers):
	// an authorized session lives that long from its authorization, not
	// the site's session lifetime. 0 means DefaultCaptureWindow. Whole
	// seconds cross the protocol.
	CaptureWindow time.Duration
}

// DefaultCaptureWindow is the capture window of a mode that declares none.
const DefaultCaptureWindow = 7 * 24 * time.Hour

// Capabilities lists the optional operations a mode supports.
type Capabilities struct {
	Refund         bool
	PartialRefund  bool
	Capture        bool
	PartialCapture bool
	Cancel         bool
	Query          bool
}

// Capability names one optional operation of [Capabilities].
type Capability string

// The capabilities, as [ValidateConfigResponse.Unsupported] names them.
const (
	CapabilityRefund         Capability = "refund"
	CapabilityPartialRefund  Capability = "partial_refund"
	CapabilityCapture        Capability = "capture"
	CapabilityPartialCapture Capability = "partial_capture"
	CapabilityCancel         Capability = "cancel"
	CapabilityQuery          Capability = "query"
)

// Has reports whether c includes the capability named n (false for an
// unknown name).
func (c Capabilities) Has(n Capability) bool {
	switch n {
	case CapabilityRefund:
		return c.Refund
	case CapabilityPartialRefund:
		return c.PartialRefund
	case CapabilityCapture:
		return c.Capture
	case CapabilityPartialCapture:
		return c.PartialCapture
	case CapabilityCancel:
		return c.Cancel
	case CapabilityQuery:
		return c.Query
	}
	return false
}

// Without returns c minus the capabilities a configuration cannot offer.
// Losing refund also loses partial refund, and capture partial capture.
func (c Capabilities) Without(u []UnsupportedCapability) Capabilities {
	for _, x := range u {
		switch x.Capability {
		case CapabilityRefund:
			c.Refund, c.PartialRefund = false, false
		case CapabilityPartialRefund:
			c.PartialRefund = false
		case CapabilityCapture:
			c.Capture, c.PartialCapture = false, false
		case CapabilityPartialCapture:
			c.PartialCapture = false
		case CapabilityCancel:
			c.Cancel = false
		case CapabilityQuery:
			c.Query = false
		}
	}
	return c
}

// ReferenceKind says how the host generates a session's provider reference.
type ReferenceKind string

const (
	// ReferenceRandom: random characters from the charset, Length long.
	ReferenceRandom ReferenceKind = "random"
	// ReferenceDailySequence: a number from a per-site, per-mode, per-UTC-day
	// transactional sequence in [SequenceMin, SequenceMax], zero-padded to
	// Length digits (SystemPay's vads_trans_id).
	ReferenceDailySequence ReferenceKind = "daily_sequence"
)

// Charset is the set of characters a random reference is drawn from.
type Charset string

const (
	CharsetNumeric           Charset = "numeric"            // 0-9
	CharsetUpperAlphanumeric Charset = "upper_alphanumeric" // A-Z 0-9
	CharsetAlphanumeric      Charset = "alphanumeric"       // A-Z a-z 0-9
)

// ReferenceFormat is the reference format a provider accepts. The host
// generates references in this format, unique per site and mode (per day for
// a daily sequence).
type ReferenceFormat struct {
	Kind    ReferenceKind
	Charset Charset
	// Length is the exact length of the generated reference.
	Length int
	// SequenceMin and SequenceMax bound a daily sequence (inclusive).
	SequenceMin int64
	SequenceMax int64
}

// FieldType is the type of a configuration value (all values travel as
// strings; the type tells the host how to check and show them).
type FieldType string

// The field types [ApplySchema] checks. A secret is a string (or any
// type) with [ConfigField.Secret] set.
const (
	FieldString   FieldType = "string"
	FieldInt      FieldType = "int"
	FieldBool     FieldType = "bool"
	FieldURL      FieldType = "url"
	FieldEnum     FieldType = "enum"
	FieldDuration FieldType = "duration"
)

// ConfigField describes one key of a mode's configuration.
type ConfigField struct {
	Key      string
	Label    string
	Type     FieldType
	Required bool
	// Secret marks keys the host must never log, show or store in payloads.
	Secret  bool
	Default string
	Help    string
	// Enum lists the allowed values of a FieldEnum.
	Enum []string
	// Min and Max bound an int's value, a duration's whole seconds or a
	// string's length in characters; nil means no bound.
	Min, Max *int64
}

// ValidateConfigRequest asks whether a mode's configuration can work.
type ValidateConfigRequest struct {
	Mode   string
	Config Config
	// TestMode is true when the site is in test mode.
	TestMode bool
}

// ValidateConfigResponse lists the problems found; none means valid.
type ValidateConfigResponse struct {
	Problems []ConfigProblem
	// Unsupported lists capabilities the mode declares that this valid
	// configuration cannot offer (an optional API credential is not set),
	// each with the reason. The host treats them as unsupported for the
	// site and shows the reasons to operators; payments keep working.
	Unsupported []UnsupportedCapability
}

// UnsupportedCapability is a capability a configuration withholds, and why.
type UnsupportedCapability struct {
	Capability Capability
	Reason     string
}

// ConfigProblem is one problem with one configuration key.
type ConfigProblem struct {
	Key     string
	Message string
}
