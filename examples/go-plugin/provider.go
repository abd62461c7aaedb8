// Package hmacpay is the payhost plugin for hmacpay: a redirect
// provider whose payment page receives an HMAC-SHA-256 signed request and
// answers with a signed return and notification (see sim/ for the
// provider's side). Replace the signing rules with your provider's, as its
// documentation states them, and test them against its published vectors.
package hmacpay

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"

	"github.com/payhost/payhost/sdk/payment"
)

// Provider implements [payment.Provider]. It keeps no state: every call
// carries the site's configuration and the session.
type Provider struct {
	// Unimplemented answers "unsupported" for refund, capture, cancel,
	// query and callback identification; implement them one by one and
	// declare each in Capabilities.
	payment.Unimplemented
}

var _ payment.Provider = (*Provider)(nil)

// New returns the provider. It has no side effect: the plugin's main and
// the tests both call it.
func New() *Provider { return &Provider{} }

// ModeID is the payment mode this plugin offers; sites enable it by this id.
const ModeID = "hmacpay"

// schema is the configuration a site gives for the mode. The host applies
// it (payment.ApplySchema: required keys, types, enums, bounds, defaults)
// before ValidateConfig sees a configuration; secrets are never logged,
// shown or stored.
var schema = []payment.ConfigField{
	{Key: "payment_url", Label: "Payment page URL", Type: payment.FieldURL, Required: true,
		Help: "the provider's payment page"},
	{Key: "merchant_id", Label: "Merchant id", Type: payment.FieldString, Required: true, Min: ptr(int64(3)), Max: ptr(int64(32))},
	{Key: "secret_key", Label: "Signing key", Type: payment.FieldString, Required: true, Secret: true},
}

func ptr[T any](v T) *T { return &v }

// Describe must name the plugin (the NAME of payhost-plugin-NAME), report
// payment.ProtocolVersion and list the modes, each with its kind, the
// currencies it accepts, its reference format and its configuration
// schema. It must not depend on configuration: the host calls it once per
// start.
func (p *Provider) Describe(context.Context, payment.DescribeRequest) (payment.DescribeResponse, error) {
	return payment.DescribeResponse{
		Name: "hmacpay", Version: "0.1.0", ProtocolVersion: payment.ProtocolVersion,
		Modes: []payment.Mode{{
			ID: ModeID, Label: "Hmacpay", Kind: payment.KindRedirect,
			Currencies:   []string{"EUR"},
			Reference:    payment.ReferenceFormat{Kind: payment.ReferenceRandom, Charset: payment.CharsetUpperAlphanumeric, Length: 20},
			ConfigSchema: schema,
		}},
	}, nil
}

// ValidateConfig must refuse an unknown mode with invalid_request and
// otherwise return every problem of the configuration as ConfigProblems
// (not an error), never quoting a value. ApplySchema says what the schema
// says; add only the rules a schema cannot (a format, keys that must differ).
func (p *Provider) ValidateConfig(_ context.Context, req payment.ValidateConfigRequest) (payment.ValidateConfigResponse, error) {
	if req.Mode != ModeID {
		return payment.ValidateConfigResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown mode %q", req.Mode)
	}
	_, problems := payment.ApplySchema(schema, req.Config)
	return payment.ValidateConfigResponse{Problems: problems}, nil
}

// Begin must answer what the browser does next: here a redirect to the
// provider's page with a signed request (an absolute URL). It gets the
// session (amount in minor units, currency, the host-generated reference,
// the host's return and notification URLs) and the configuration. An error
// is a *payment.Error with a code (provider_unavailable when the provider
// cannot be reached); pass ctx to every outgoing call, it carries the
// host's deadline.
func (p *Provider) Begin(_ context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	s, cfg := req.Session, req.Config
	q := url.Values{
		"merchant_id": {cfg["merchant_id"]},
		"reference":   {s.Reference},
		"amount":      {strconv.FormatInt(s.Amount, 10)},
		"currency":    {s.Currency},
		"return_url":  {s.URLs.Return},
		"notify_url":  {s.URLs.Notify},
	}
	q.Set("signature", Sign(cfg["secret_key"], q))
	return payment.BeginResponse{RedirectURL: cfg["payment_url"] + "?" + q.Encode()}, nil
}

// HandleReturn must verify the browser's return. Only a return whose
// provider signature verifies may carry a settling outcome (Verified); a
// return without parameters carries nothing (a nil Outcome); a bad
// signature is an invalid_signature error.
func (p *Provider) HandleReturn(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	q, err := req.Request.Form()
	if err != nil || len(q) == 0 {
		return payment.CallbackResponse{}, nil
	}
	return verify(req, q)
}

// HandleNotification must verify the provider's server-to-server message,
// which is authoritative, and may set Response: what the host answers the
// provider once the outcome is committed.
func (p *Provider) HandleNotification(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	q, err := req.Request.Form()
	if err != nil {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unreadable notification")
	}
	resp, err := verify(req, q)
	if err != nil {
		return resp, err
	}
	resp.Response = payment.HTTPResponse{StatusCode: 200, Body: []byte("OK")}
	return resp, nil
}

// verify checks the signature in constant time and reads the outcome. The
// host then checks amount, currency and reference against the session.
func verify(req payment.CallbackRequest, q url.Values) (payment.CallbackResponse, error) {
	got := q.Get("signature")
	q.Del("signature")
	if got == "" || !payment.ConstantTimeEqualHex(got, Sign(req.Config["secret_key"], q)) {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidSignature, "the signature does not verify")
	}
	amount, err := strconv.ParseInt(q.Get("amount"), 10, 64)
	if err != nil {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the amount is not an integer")
	}
	// The same key signs Begin's request: without a known status, a
	// signed message is that request played back, not an answer.
	status, ok := map[string]payment.Status{"paid": payment.StatusPaid, "refused": payment.StatusRefused, "cancelled": payment.StatusCancelled}[q.Get("status")]
	if !ok {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the message carries no known status")
	}
	return payment.CallbackResponse{Outcome: &payment.Outcome{
		Status: status, Verified: true,
		Amount: amount, Currency: q.Get("currency"), Reference: q.Get("reference"),
		ProviderTransactionID: q.Get("transaction_id"),
		Payload:               map[string]string{"status": q.Get("status"), "transaction_id": q.Get("transaction_id")},
	}}, nil
}

// Sign is the provider's signature: hex HMAC-SHA-256, keyed by the secret,
// of the parameters (without signature) in url.Values.Encode's order.
func Sign(key string, q url.Values) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(q.Encode()))
	return hex.EncodeToString(m.Sum(nil))
}
