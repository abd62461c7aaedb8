package paypal

import (
	"context"
	"crypto/x509"
	"net/http"
	"sync"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// Version of the plugin, reported by Describe.
const Version = "1.0.0"

// ModeID is the plugin's only mode.
const ModeID = "paypal"

// Provider implements payment.Provider for PayPal. Sessions live at the
// host; the provider caches only OAuth2 tokens and webhook certificates.
type Provider struct {
	http   *http.Client
	now    func() time.Time
	tokens *tokenCache

	certMu sync.Mutex
	certs  map[string]*x509.Certificate
	// roots verifies certificate chains; nil means the system roots.
	roots *x509.CertPool
}

var _ payment.Provider = (*Provider)(nil)

// Options adjust a Provider, for tests.
type Options struct {
	HTTPClient *http.Client
	Now        func() time.Time
	Roots      *x509.CertPool
}

// New returns the provider.
func New(o Options) *Provider {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Provider{http: o.HTTPClient, now: o.Now, roots: o.Roots, tokens: &tokenCache{tokens: map[string]token{}},
		certs: map[string]*x509.Certificate{}}
}

func (p *Provider) client(cfg payment.Config) (*client, error) {
	if problems := validate(cfg); len(problems) > 0 {
		return nil, payment.Errorf(payment.CodeInvalidConfig, "%s: %s", problems[0].Key, problems[0].Message)
	}
	base, _, _ := apiBase(cfg[keyEnvironment])
	return &client{http: p.http, base: base, id: cfg[keyClientID], secret: cfg[keyClientSecret], tokens: p.tokens, now: p.now}, nil
}

// Describe implements payment.Provider.
func (p *Provider) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	return payment.DescribeResponse{
		Name: "paypal", Version: Version, ProtocolVersion: payment.ProtocolVersion,
		Modes: []payment.Mode{{
			ID: ModeID, Label: "PayPal", Kind: payment.KindRedirect,
			Description:  "PayPal Checkout (Orders v2): the buyer approves on PayPal, payhost captures on return.",
			Currencies:   currencies,
			Capabilities: payment.Capabilities{Refund: true, PartialRefund: true, Query: true},
			Reference:    payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetUpperAlphanumeric, Length: 20},
			ConfigSchema: schema(),
		}},
	}, nil
}

// ValidateConfig implements payment.Provider.
func (p *Provider) ValidateConfig(_ context.Context, req payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	if req.Mode != ModeID {
		return payment.ValidateConfigResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown mode %q", req.Mode)
	}
	return payment.ValidateConfigResponse{Problems: validate(req.Config)}, nil
}

// Capture and Cancel are not offered: orders are created with intent
// CAPTURE and captured on return.
func (p *Provider) Capture(context.Context, payment.CaptureRequest) (payment.OperationResponse, error) {
	return payment.OperationResponse{}, payment.Errorf(payment.CodeUnsupported, "PayPal orders are captured on return")
}

// Cancel implements payment.Provider: an unapproved order simply expires.
func (p *Provider) Cancel(context.Context, payment.CancelRequest) (payment.OperationResponse, error) {
	return payment.OperationResponse{}, payment.Errorf(payment.CodeUnsupported, "an unapproved PayPal order expires by itself")
}
