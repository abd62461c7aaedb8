package ogone

import (
	"context"
	"net/http"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// Version of the plugin, reported by Describe.
const Version = "1.0.0"

// ModeID is the plugin's only mode.
const ModeID = "ogone"

// Provider implements payment.Provider for Ogone. It keeps no state.
type Provider struct {
	payment.Unimplemented
	// client calls DirectLink; the call's context bounds each request.
	client *http.Client
}

var _ payment.Provider = (*Provider)(nil)

// New returns the provider.
func New() *Provider { return &Provider{client: &http.Client{Timeout: 60 * time.Second}} }

// Describe implements payment.Provider.
func (p *Provider) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	return payment.DescribeResponse{
		Name: "ogone", Version: Version, ProtocolVersion: payment.ProtocolVersion,
		Modes: []payment.Mode{{
			ID: ModeID, Label: "Card (Ogone)", Kind: payment.KindRedirect,
			Description: "Card payment on the Ogone / Ingenico e-Commerce hosted page (SHA-IN/SHA-OUT).",
			// ORDERID: letters and digits, at most 30 characters, unique.
			Reference: payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetUpperAlphanumeric, Length: 20},
			// Through DirectLink, when the configuration has an API user
			// (ValidateConfig reports them unsupported otherwise).
			Capabilities: payment.Capabilities{Refund: true, PartialRefund: true, Capture: true, PartialCapture: true, Cancel: true, Query: true},
			ConfigSchema: schema(),
		}},
	}, nil
}

// ValidateConfig implements payment.Provider.
func (p *Provider) ValidateConfig(_ context.Context, req payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	if req.Mode != ModeID {
		return payment.ValidateConfigResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown mode %q", req.Mode)
	}
	return payment.ValidateConfigResponse{Problems: validate(req.Config), Unsupported: unsupported(req.Config)}, nil
}
