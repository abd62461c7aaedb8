package systempay

import (
	"context"
	"net/http"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// Version of the plugin, reported by Describe.
const Version = "1.0.0"

// ModeID is the plugin's only mode.
const ModeID = "systempay"

// Provider implements payment.Provider for the vads form API. It keeps no
// state.
type Provider struct {
	payment.Unimplemented
	now  func() time.Time
	http *http.Client // for the REST API; the host's deadline bounds each call
}

var _ payment.Provider = (*Provider)(nil)

// New returns the provider.
func New() *Provider {
	// No redirects: an answer comes from the API URL itself, and the
	// credentials never follow a redirect elsewhere.
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Provider{now: time.Now, http: &http.Client{Timeout: 30 * time.Second, CheckRedirect: noRedirect}}
}

// Describe implements payment.Provider.
func (p *Provider) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	return payment.DescribeResponse{
		Name: "systempay", Version: Version, ProtocolVersion: payment.ProtocolVersion,
		Modes: []payment.Mode{{
			ID: ModeID, Label: "Card (Systempay)", Kind: payment.KindRedirect,
			Description: "Card payment on Lyra's hosted page: Systempay, and with another payment URL PayZen, Sogecommerce or Lyra Collect.",
			// vads_trans_id: 6 digits unique per shop and UTC day, never
			// reused, 900000-999999 reserved for the platform.
			Reference: payment.ReferenceFormat{Kind: payment.ReferenceDailySequence, Charset: payment.CharsetNumeric, Length: 6, SequenceMin: 1, SequenceMax: 899999},
			// Through the REST API V4, when the configuration has the REST
			// password of its context (ValidateConfig withholds them otherwise).
			// A partial capture lowers the amount before validating.
			Capabilities: payment.Capabilities{Refund: true, PartialRefund: true, Capture: true, PartialCapture: true, Cancel: true, Query: true},
			ConfigSchema: schema(),
			// vads_capture_delay (at most maxCaptureDelay days, the schema's
			// bound) delays the capture, and a manual validation waits for
			// the merchant within it: the host keeps the session authorized,
			// and queries it, at least that long.
			CaptureWindow: (maxCaptureDelay + 1) * 24 * time.Hour,
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
