package offline

import (
	"context"
	"crypto/rand"
	"io"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// Version of the plugin, reported by Describe.
const Version = "1.0.0"

// Mode ids.
const (
	ModeTest     = "test"
	ModeFree     = "free"
	ModeCheque   = "cheque"
	ModeTransfer = "transfer"
)

// Provider implements payment.Provider for the offline modes. It keeps no
// state: every call carries the site's configuration.
type Provider struct {
	payment.Unimplemented
	now    func() time.Time
	random io.Reader
}

var _ payment.Provider = (*Provider)(nil)

// New returns the provider with the real clock and randomness.
func New() *Provider { return &Provider{now: time.Now, random: rand.Reader} }

// Describe implements payment.Provider.
func (p *Provider) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	short := payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetUpperAlphanumeric, Length: 10}
	return payment.DescribeResponse{
		Name: "offline", Version: Version, ProtocolVersion: payment.ProtocolVersion,
		Modes: []payment.Mode{
			{
				ID: ModeTest, Label: "Test payment", Kind: payment.KindRedirect, TestOnly: true,
				Description:  "Simulated provider for integration tests: choose paid, refused or cancelled.",
				Capabilities: payment.Capabilities{Refund: true, PartialRefund: true, Capture: true, PartialCapture: true, Cancel: true},
				Reference:    payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetUpperAlphanumeric, Length: 12},
				ConfigSchema: []payment.ConfigField{{Key: "signing_key", Label: "Signing key", Type: payment.FieldString, Required: true, Secret: true,
					Help: "HMAC-SHA256 key of the test forms, at least 16 bytes."}},
			},
			{
				ID: ModeFree, Label: "Free order", Kind: payment.KindInstant, ZeroAmount: true,
				Description: "Orders with nothing to pay are confirmed at once.",
				Reference:   payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetUpperAlphanumeric, Length: 12},
			},
			{
				ID: ModeCheque, Label: "Cheque", Kind: payment.KindDeferred,
				Description: "The customer posts a cheque; the order is paid when an operator confirms receipt.",
				Reference:   short,
				ConfigSchema: []payment.ConfigField{
					{Key: "payee", Label: "Payee", Type: payment.FieldString, Required: true, Help: "Name the cheque is made out to."},
					{Key: "address", Label: "Postal address", Type: payment.FieldString, Required: true, Help: "Where the customer sends the cheque."},
				},
			},
			{
				ID: ModeTransfer, Label: "Bank transfer", Kind: payment.KindDeferred,
				Description: "The customer transfers the amount; the order is paid when an operator confirms receipt.",
				Reference:   short,
				ConfigSchema: []payment.ConfigField{
					{Key: "account_holder", Label: "Account holder", Type: payment.FieldString, Required: true},
					{Key: "iban", Label: "IBAN", Type: payment.FieldString, Required: true, Help: "Checked against its country length and mod-97 checksum."},
					{Key: "bic", Label: "BIC", Type: payment.FieldString, Required: true, Help: "8 or 11 characters."},
				},
			},
		},
	}, nil
}

// ValidateConfig implements payment.Provider.
func (p *Provider) ValidateConfig(_ context.Context, req payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	var problems []payment.ConfigProblem
	add := func(key, msg string) { problems = append(problems, payment.ConfigProblem{Key: key, Message: msg}) }
	required := func(keys ...string) {
		for _, k := range keys {
			if req.Config[k] == "" {
				add(k, "required")
			}
		}
	}
	switch req.Mode {
	case ModeTest:
		required("signing_key")
		if k := req.Config["signing_key"]; k != "" && len(k) < 16 {
			add("signing_key", "must be at least 16 bytes")
		}
	case ModeFree:
	case ModeCheque:
		required("payee", "address")
	case ModeTransfer:
		required("account_holder", "iban", "bic")
		iban, ibanErr := "", error(nil)
		if req.Config["iban"] != "" {
			if iban, ibanErr = NormaliseIBAN(req.Config["iban"]); ibanErr != nil {
				add("iban", ibanErr.Error())
			}
		}
		if b := req.Config["bic"]; b != "" {
			if err := CheckBIC(b); err != nil {
				add("bic", err.Error())
			} else if ibanErr == nil && iban != "" && normaliseBIC(b)[4:6] != iban[:2] {
				add("bic", "its country ("+normaliseBIC(b)[4:6]+") differs from the IBAN's ("+iban[:2]+")")
			}
		}
	default:
		return payment.ValidateConfigResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown mode %q", req.Mode)
	}
	return payment.ValidateConfigResponse{Problems: problems}, nil
}

// Begin implements payment.Provider.
func (p *Provider) Begin(_ context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	s := req.Session
	switch s.Mode {
	case ModeTest:
		return p.beginTest(s, req.Config)
	case ModeFree:
		if s.Amount != 0 {
			return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the free mode settles only zero amounts")
		}
		return payment.BeginResponse{Outcome: &payment.Outcome{
			Status: payment.StatusPaid, Verified: true, Amount: 0, Currency: s.Currency, Reference: s.Reference,
			ProviderTransactionID: "FREE-" + s.Reference,
		}}, nil
	case ModeCheque:
		return payment.BeginResponse{Instructions: chequeInstructions(s, req.Config)}, nil
	case ModeTransfer:
		in, err := transferInstructions(s, req.Config)
		if err != nil {
			return payment.BeginResponse{}, err
		}
		return payment.BeginResponse{Instructions: in}, nil
	}
	return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown mode %q", s.Mode)
}

// HandleReturn implements payment.Provider.
func (p *Provider) HandleReturn(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	if req.Session.Mode != ModeTest {
		return payment.CallbackResponse{}, nil // nothing comes back from a cheque
	}
	return p.handleTest(req, false)
}

// HandleNotification implements payment.Provider.
func (p *Provider) HandleNotification(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	if req.Session.Mode != ModeTest {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "mode %s receives no notifications", req.Session.Mode)
	}
	return p.handleTest(req, true)
}
