package mercanet

import (
	"context"
	"net/http"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// Version of the plugin, reported by Describe.
const Version = "1.0.0"

// ModeID is the only mode of the plugin.
const ModeID = "mercanet"

// currencies Sips accepts (alphabetic; sent as ISO 4217 numeric).
var currencies = []string{
	"EUR", "USD", "GBP", "CHF", "JPY", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
	"BGN", "RON", "HRK", "TRY", "RUB", "UAH", "ILS", "SAR", "AED", "KWD", "BHD", "TND", "MAD", "XOF",
	"XAF", "XPF", "ZAR", "MXN", "BRL", "ARS", "CLP", "COP", "PEN", "INR", "CNY", "HKD", "SGD", "KRW",
	"TWD", "THB", "MYR", "IDR", "PHP",
}

// Provider implements payment.Provider for Mercanet. It keeps no state.
type Provider struct {
	payment.Unimplemented
	client *http.Client
	now    func() time.Time
}

var _ payment.Provider = (*Provider)(nil)

// New returns the provider; Office calls use client (nil means a client
// with a 20 s timeout; the call's context deadline applies first).
func New(client *http.Client) *Provider {
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	return &Provider{client: client, now: time.Now}
}

// Describe implements payment.Provider.
func (p *Provider) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	return payment.DescribeResponse{
		Name: "mercanet", Version: Version, ProtocolVersion: payment.ProtocolVersion,
		Modes: []payment.Mode{{
			ID: ModeID, Label: "Card (Mercanet)", Kind: payment.KindRedirect,
			Description: "Card payment on BNP Paribas Mercanet (Worldline Sips 2.0 Paypage POST).",
			LogoURL:     "",
			Currencies:  currencies,
			// Through the Office server (office.go, operations.go); a
			// configuration without one withholds them (ValidateConfig).
			Capabilities: payment.Capabilities{Refund: true, PartialRefund: true, Capture: true, PartialCapture: true, Cancel: true, Query: true},
			// transactionReference: letters and digits, unique per merchant.
			Reference:    payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetAlphanumeric, Length: 24},
			ConfigSchema: schema(),
			// captureDay (at most 99, the schema's bound) delays the capture
			// of an authorization by that many days: the host keeps the
			// session authorized, and queries it, at least that long.
			CaptureWindow: (maxCaptureDay + 1) * 24 * time.Hour,
		}},
	}, nil
}

// ValidateConfig implements payment.Provider.
func (p *Provider) ValidateConfig(_ context.Context, req payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	if req.Mode != ModeID {
		return payment.ValidateConfigResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown mode %q", req.Mode)
	}
	problems := validate(req.Config)
	if len(problems) > 0 {
		return payment.ValidateConfigResponse{Problems: problems}, nil
	}
	return payment.ValidateConfigResponse{Unsupported: unsupported(req.Config)}, nil
}
