package paypal

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/providertest"
)

func paypalVector(t testing.TB) (providertest.Vector, map[string]string) {
	t.Helper()
	v := providertest.Load(t, "paypal")[0]
	in := map[string]string{}
	for _, kv := range v.Inputs {
		in[kv[0]] = kv[1]
	}
	return v, in
}

func TestPublishedVector(t *testing.T) {
	v, in := paypalVector(t)
	block, _ := pem.Decode([]byte(v.Key))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(in["body"])
	signed := SignedString(in["PAYPAL-TRANSMISSION-ID"], in["PAYPAL-TRANSMISSION-TIME"], in["webhook_id"], body)
	if signed != in["signed_string"] {
		t.Fatalf("signed string %q, want %q", signed, in["signed_string"])
	}
	if err := VerifySignature(cert, signed, v.Expected); err != nil {
		t.Fatalf("the published signature does not verify: %v", err)
	}
	tampered := []struct{ name, signed string }{
		{"other webhook id", SignedString(in["PAYPAL-TRANSMISSION-ID"], in["PAYPAL-TRANSMISSION-TIME"], "WH-OTHER", body)},
		{"one body byte", SignedString(in["PAYPAL-TRANSMISSION-ID"], in["PAYPAL-TRANSMISSION-TIME"], in["webhook_id"], append([]byte(" "), body[1:]...))},
		{"transmission time", SignedString(in["PAYPAL-TRANSMISSION-ID"], "2017-03-30T20:04:06Z", in["webhook_id"], body)},
		{"transmission id", SignedString("071f7d20-1584-11e7-abf0-6b62a8a99ac5", in["PAYPAL-TRANSMISSION-TIME"], in["webhook_id"], body)},
	}
	for _, tc := range tampered {
		if VerifySignature(cert, tc.signed, v.Expected) == nil {
			t.Errorf("%s: still verifies", tc.name)
		}
	}
}

// TestOfflineVerificationWithInjectedCertAndClock runs the whole webhook
// path on the published vector: the certificate is served from a PayPal URL
// (through an injected transport) and the clock set inside its validity.
func TestOfflineVerificationWithInjectedCertAndClock(t *testing.T) {
	v, in := paypalVector(t)
	certURL := "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270"
	transport := roundTrip(func(r *http.Request) (*http.Response, error) {
		if r.URL.String() != certURL {
			t.Errorf("fetched %s", r.URL)
		}
		return &http.Response{StatusCode: 200, Body: ioNop(v.Key), Header: http.Header{}}, nil
	})
	block, _ := pem.Decode([]byte(v.Key))
	cert, _ := x509.ParseCertificate(block.Bytes)
	roots := x509.NewCertPool()
	roots.AddCert(cert) // the vector's chain is not available: trust the leaf itself
	clock := time.Date(2017, 3, 30, 20, 4, 5, 0, time.UTC)
	p := New(Options{HTTPClient: &http.Client{Transport: transport}, Now: func() time.Time { return clock }, Roots: roots})
	cfg := payment.Config{keyClientID: "id", keyClientSecret: "secret", keyEnvironment: "sandbox", keyWebhookID: in["webhook_id"],
		keyVerification: VerifyOffline, keyLandingPage: "NO_PREFERENCE"}
	req := payment.HTTPRequest{Method: "POST", Body: []byte(in["body"]), Header: map[string][]string{
		"Paypal-Transmission-Id": {in["PAYPAL-TRANSMISSION-ID"]}, "Paypal-Transmission-Time": {in["PAYPAL-TRANSMISSION-TIME"]},
		"Paypal-Transmission-Sig": {v.Expected}, "Paypal-Cert-Url": {certURL}, "Paypal-Auth-Algo": {"SHA256withRSA"}}}
	if err := p.verifyWebhook(context.Background(), cfg, req); err != nil {
		t.Fatalf("published webhook: %v", err)
	}
	cfg[keyWebhookID] = "SOMEONE-ELSES-WEBHOOK"
	if err := p.verifyWebhook(context.Background(), cfg, req); payment.ErrorCode(err) != payment.CodeInvalidSignature {
		t.Errorf("another webhook id: %v", err)
	}
	cfg[keyWebhookID] = in["webhook_id"]
	clock = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	if err := p.verifyWebhook(context.Background(), cfg, req); payment.ErrorCode(err) != payment.CodeInvalidSignature || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("expired certificate: %v", err)
	}
}

func TestCertURLRestrictions(t *testing.T) {
	tests := []struct {
		url, env string
		ok       bool
	}{
		{"https://api.paypal.com/v1/notifications/certs/CERT-1", "live", true},
		{"https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1", "sandbox", true},
		{"http://api.paypal.com/certs/CERT-1", "live", false},
		{"https://api.paypal.com.evil.example/certs/x", "live", false},
		{"https://evilpaypal.com/certs/x", "live", false},
		{"https://user@api.paypal.com/certs/x", "live", false},
		{"https://api.paypal.com:8443/certs/x", "live", false},
		{"http://127.0.0.1:8090/paypal/certs/sandbox.pem", "live", false},
		{"http://127.0.0.1:8090/paypal/certs/sandbox.pem", "http://127.0.0.1:8090/paypal", true},
		{"http://127.0.0.1:9999/other/cert.pem", "http://127.0.0.1:8090/paypal", false},
		{"https://api.paypal.com/certs/x", "http://127.0.0.1:8090/paypal", false},
	}
	for _, tc := range tests {
		if got := certAllowed(tc.url, tc.env); got != tc.ok {
			t.Errorf("certAllowed(%s, %s) = %v", tc.url, tc.env, got)
		}
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func ioNop(s string) nopCloser { return nopCloser{bytes.NewReader([]byte(s))} }

func TestMoney(t *testing.T) {
	tests := []struct {
		minor int64
		cur   string
		want  string
		ok    bool
	}{{2599, "EUR", "25.99", true}, {500, "JPY", "500", true}, {100000, "HUF", "1000", true}, {1050, "HUF", "", false}, {1, "XXX", "", false}}
	for _, tc := range tests {
		got, ok := formatValue(tc.minor, tc.cur)
		if got != tc.want || ok != tc.ok {
			t.Errorf("formatValue(%d %s) = %q %v", tc.minor, tc.cur, got, ok)
		}
		if ok {
			if back, err := parseValue(got, tc.cur); err != nil || back != tc.minor {
				t.Errorf("parseValue(%s %s) = %d %v", got, tc.cur, back, err)
			}
		}
	}
}

func TestValidateConfig(t *testing.T) {
	base := payment.Config{keyClientID: "id", keyClientSecret: "s", keyEnvironment: "sandbox", keyWebhookID: "W",
		keyVerification: VerifyOffline, keyLandingPage: "NO_PREFERENCE"}
	tests := []struct{ key, value, problem string }{
		{keyClientID, "", keyClientID}, {keyClientSecret, "a b", keyClientSecret}, {keyEnvironment, "https://api.example.com", keyEnvironment},
		{keyEnvironment, "http://127.0.0.1:8090/paypal", ""}, {keyEnvironment, "live", ""}, {keyVerification, "none", keyVerification},
		{keyLandingPage, "BILLING", keyLandingPage}, {keyWebhookID, "", keyWebhookID},
	}
	for _, tc := range tests {
		cfg := payment.Config{}
		for k, v := range base {
			cfg[k] = v
		}
		cfg[tc.key] = tc.value
		resp, _ := New(Options{}).ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: ModeID, Config: cfg})
		if tc.problem == "" && len(resp.Problems) != 0 || tc.problem != "" && (len(resp.Problems) != 1 || resp.Problems[0].Key != tc.problem) {
			t.Errorf("%s=%q: %+v", tc.key, tc.value, resp.Problems)
		}
	}
}
