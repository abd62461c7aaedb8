package payment

import (
	"fmt"
	"regexp"
)

var (
	idPattern  = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)
	keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// DescribeProblems lists what makes a Describe answer unusable by a host:
// the plugin name and mode ids (1-32 characters of a-z, 0-9, _ and -),
// the protocol version, labels, kinds, amount limits, reference formats
// (after [ReferenceFormat.WithDefault]) and configuration schemas (unique
// lower snake_case keys, enums with values, secrets without defaults).
// The conformance checks and paymenttest report them; none means
// well-formed.
func DescribeProblems(d DescribeResponse) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if !idPattern.MatchString(d.Name) {
		add("name %q must be 1-32 characters of a-z, 0-9, _ and - (the binary is payhost-plugin-<name>)", d.Name)
	}
	if d.ProtocolVersion != ProtocolVersion {
		add("protocol version %d, the SDK speaks %d", d.ProtocolVersion, ProtocolVersion)
	}
	if len(d.Modes) == 0 {
		add("no mode")
	}
	ids := map[string]bool{}
	for _, m := range d.Modes {
		switch {
		case !idPattern.MatchString(m.ID):
			add("mode id %q must be 1-32 characters of a-z, 0-9, _ and -", m.ID)
		case ids[m.ID]:
			add("mode id %q is repeated", m.ID)
		}
		ids[m.ID] = true
		if m.Label == "" {
			add("mode %s has no label", m.ID)
		}
		switch m.Kind {
		case KindRedirect, KindDeferred, KindInstant:
		default:
			add("mode %s has unknown kind %q", m.ID, m.Kind)
		}
		if m.MinAmount < 0 || m.MaxAmount < 0 || (m.MaxAmount > 0 && m.MinAmount > m.MaxAmount) {
			add("mode %s has inconsistent amount limits %d..%d", m.ID, m.MinAmount, m.MaxAmount)
		}
		r := m.Reference.WithDefault()
		switch r.Kind {
		case ReferenceRandom:
			if r.Length < 6 || r.Length > 64 {
				add("mode %s: random references of %d characters are too short or too long to be unique", m.ID, r.Length)
			}
			switch r.Charset {
			case CharsetNumeric, CharsetUpperAlphanumeric, CharsetAlphanumeric:
			default:
				add("mode %s: unknown reference charset %q", m.ID, r.Charset)
			}
		case ReferenceDailySequence:
			if r.Charset != CharsetNumeric || r.SequenceMin < 0 || r.SequenceMax <= r.SequenceMin {
				add("mode %s: a daily sequence needs numeric references and min < max", m.ID)
			}
		default:
			add("mode %s: unknown reference kind %q", m.ID, r.Kind)
		}
		keys := map[string]bool{}
		for _, f := range m.ConfigSchema {
			if !keyPattern.MatchString(f.Key) || keys[f.Key] {
				add("mode %s: configuration key %q must be unique lower snake_case (the host's configuration folds case)", m.ID, f.Key)
			}
			keys[f.Key] = true
			if f.Type == FieldEnum && len(f.Enum) == 0 {
				add("mode %s: enum %s lists no value", m.ID, f.Key)
			}
			if f.Secret && f.Default != "" {
				add("mode %s: secret %s must not have a default", m.ID, f.Key)
			}
		}
	}
	return out
}

// WithDefault returns r, or the default format when r declares nothing
// (its Kind is empty): 20 random upper-case letters and digits. The host
// generates references in the format WithDefault returns, and the
// conformance checks test it, so a mode without a declared format gets the
// same references everywhere.
func (r ReferenceFormat) WithDefault() ReferenceFormat {
	if r.Kind == "" {
		return ReferenceFormat{Kind: ReferenceRandom, Charset: CharsetUpperAlphanumeric, Length: 20}
	}
	return r
}
