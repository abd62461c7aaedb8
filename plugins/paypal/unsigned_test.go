package paypal

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// TestWebhookMissingAHeaderRefused: PayPal sends five transmission headers
// with every webhook; one missing (the algorithm included, which used to
// default) is refused by both verification methods, before any network
// call, and so is a configuration without webhook id.
func TestWebhookMissingAHeaderRefused(t *testing.T) {
	v, in := paypalVector(t)
	certURL := "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270"
	calls := 0
	transport := roundTrip(func(r *http.Request) (*http.Response, error) {
		calls++
		return &http.Response{StatusCode: 200, Body: ioNop(v.Key), Header: http.Header{}}, nil
	})
	block, _ := pem.Decode([]byte(v.Key))
	cert, _ := x509.ParseCertificate(block.Bytes)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	clock := time.Date(2017, 3, 30, 20, 4, 5, 0, time.UTC)
	p := New(Options{HTTPClient: &http.Client{Transport: transport}, Now: func() time.Time { return clock }, Roots: roots})
	headers := func() map[string][]string {
		return map[string][]string{
			"Paypal-Transmission-Id": {in["PAYPAL-TRANSMISSION-ID"]}, "Paypal-Transmission-Time": {in["PAYPAL-TRANSMISSION-TIME"]},
			"Paypal-Transmission-Sig": {v.Expected}, "Paypal-Cert-Url": {certURL}, "Paypal-Auth-Algo": {"SHA256withRSA"}}
	}
	cfg := func(method string) payment.Config {
		return payment.Config{keyClientID: "id", keyClientSecret: "secret", keyEnvironment: "sandbox", keyWebhookID: in["webhook_id"],
			keyVerification: method, keyLandingPage: "NO_PREFERENCE"}
	}
	if err := p.verifyWebhook(context.Background(), cfg(VerifyOffline), payment.HTTPRequest{Method: "POST", Body: []byte(in["body"]), Header: headers()}); err != nil {
		t.Fatalf("the complete webhook: %v", err)
	}
	for _, method := range []string{VerifyOffline, VerifyAPI} {
		for name := range headers() {
			h := headers()
			delete(h, name)
			calls = 0
			err := p.verifyWebhook(context.Background(), cfg(method), payment.HTTPRequest{Method: "POST", Body: []byte(in["body"]), Header: h})
			if payment.ErrorCode(err) != payment.CodeInvalidSignature {
				t.Errorf("%s, without %s: %v", method, name, err)
			}
			if calls != 0 {
				t.Errorf("%s, without %s: %d network calls", method, name, calls)
			}
		}
		c := cfg(method)
		c[keyWebhookID] = ""
		if err := p.verifyWebhook(context.Background(), c, payment.HTTPRequest{Method: "POST", Body: []byte(in["body"]), Header: headers()}); payment.ErrorCode(err) != payment.CodeInvalidSignature {
			t.Errorf("%s without webhook_id: %v", method, err)
		}
	}
}
