package paypal

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"hash/crc32"
	"math/big"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

// webhookFixture is a provider trusting a throw-away PayPal-like
// certificate, and a way to sign bodies with its key, so fuzzed bodies get
// past the signature and reach the event parsing.
type webhookFixture struct {
	p       *Provider
	key     *rsa.PrivateKey
	certURL string
	cfg     payment.Config
	session payment.Session
}

func newWebhookFixture(tb testing.TB) *webhookFixture {
	tb.Helper()
	// A fixed key (generating one in each fuzz worker is slow): it signs
	// test webhooks and nothing else.
	raw, err := os.ReadFile("testdata/fuzz_key.pem")
	if err != nil {
		tb.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "messageverificationcerts.sandbox.paypal.com"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	certURL := "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-fuzz"
	transport := roundTrip(func(r *http.Request) (*http.Response, error) {
		if r.URL.String() == certURL {
			return &http.Response{StatusCode: 200, Body: ioNop(certPEM), Header: http.Header{}}, nil
		}
		return nil, errors.New("no network in the fuzz test")
	})
	return &webhookFixture{
		p:       New(Options{HTTPClient: &http.Client{Transport: transport}, Now: func() time.Time { return now }, Roots: roots}),
		key:     key,
		certURL: certURL,
		cfg: payment.Config{keyClientID: "id", keyClientSecret: "secret", keyEnvironment: "sandbox", keyWebhookID: "WH-FUZZ",
			keyVerification: VerifyOffline, keyLandingPage: "NO_PREFERENCE"},
		session: payment.Session{ID: "ps_pp", Mode: ModeID, Reference: "REF0001", Amount: 2599, Currency: "EUR",
			ProviderTransactionID: "ORDER-1", ProviderData: map[string]string{"order_id": "ORDER-1"}},
	}
}

func (fx *webhookFixture) request(body []byte, sig string) payment.CallbackRequest {
	return payment.CallbackRequest{Session: fx.session, Config: fx.cfg, Request: payment.HTTPRequest{Method: "POST", Body: body,
		Header: map[string][]string{"Content-Type": {"application/json"}, "Paypal-Transmission-Id": {"tid-1"},
			"Paypal-Transmission-Time": {"2026-11-30T00:00:00Z"}, "Paypal-Transmission-Sig": {sig},
			"Paypal-Cert-Url": {fx.certURL}, "Paypal-Auth-Algo": {"SHA256withRSA"}}}}
}

func (fx *webhookFixture) sign(body []byte) string {
	signed := "tid-1|2026-11-30T00:00:00Z|WH-FUZZ|" + strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
	sum := sha256.Sum256([]byte(signed))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, fx.key, crypto.SHA256, sum[:])
	return base64.StdEncoding.EncodeToString(sig)
}

// FuzzWebhook sends arbitrary webhook bodies, correctly signed, through
// HandleNotification and IdentifyCallback: nothing panics; a capture
// outcome's amount is the resource's amount read exactly in its currency;
// and the same body with its signature altered is always refused as
// invalid_signature.
func FuzzWebhook(f *testing.F) {
	fx := newWebhookFixture(f)
	for _, body := range []string{
		`{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource_type":"capture","resource":{"id":"CAP-1","status":"COMPLETED","amount":{"currency_code":"EUR","value":"25.99"},"custom_id":"REF0001","supplementary_data":{"related_ids":{"order_id":"ORDER-1"}}}}`,
		`{"id":"WH-2","event_type":"PAYMENT.CAPTURE.DENIED","resource":{"id":"CAP-1","status":"DECLINED","amount":{"currency_code":"JPY","value":"2599"},"custom_id":"REF0001"}}`,
		`{"id":"WH-3","event_type":"PAYMENT.CAPTURE.REFUNDED","resource":{"id":"RF-1","status":"COMPLETED","amount":{"currency_code":"EUR","value":"10.00"}}}`,
		`{"id":"WH-4","event_type":"CHECKOUT.ORDER.APPROVED","resource":{"id":"ORDER-1","purchase_units":[{"custom_id":"REF0001"}]}}`,
		`{"id":"WH-5","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"CAP-1","status":"COMPLETED","amount":{"currency_code":"EUR","value":"25.999"}}}`,
		`{"id":"WH-6","event_type":"BILLING.PLAN.CREATED","resource":{}}`,
		`{"id":"","resource":[]}`, `[]`, `not json`,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = fx.p.IdentifyCallback(context.Background(), payment.IdentifyCallbackRequest{Request: fx.request(body, "").Request})
		sig := fx.sign(body)
		out, err := fx.p.HandleNotification(context.Background(), fx.request(body, sig))
		if err == nil && out.Outcome != nil {
			var ev event
			if jerr := json.Unmarshal(body, &ev); jerr != nil {
				t.Fatalf("an outcome from a body that is not an event: %q", body)
			}
			var cp capture
			if json.Unmarshal(ev.Resource, &cp) == nil && cp.Amount.Value != "" && out.Outcome.ProviderTransactionID == cp.ID && out.Outcome.Currency == cp.Amount.CurrencyCode {
				c, ok := currency.Lookup(cp.Amount.CurrencyCode)
				if want, perr := c.ParseMajor(cp.Amount.Value); ok && perr == nil && out.Outcome.Amount != want {
					t.Fatalf("capture of %s %s read as %d", cp.Amount.Value, cp.Amount.CurrencyCode, out.Outcome.Amount)
				}
			}
		}
		raw, _ := base64.StdEncoding.DecodeString(sig)
		raw[len(raw)/2] ^= 0x01
		if _, err := fx.p.HandleNotification(context.Background(), fx.request(body, base64.StdEncoding.EncodeToString(raw))); payment.ErrorCode(err) != payment.CodeInvalidSignature {
			t.Fatalf("an altered signature answered %v", err)
		}
	})
}

// FuzzCertificateChain: reading a PEM answer never panics and yields at
// least one certificate or an error.
func FuzzCertificateChain(f *testing.F) {
	v, _ := paypalVector(f)
	f.Add([]byte(v.Key))
	f.Add([]byte(v.Key + v.Key))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		chain, err := parseChain(raw)
		if err == nil && (len(chain) == 0 || chain[0] == nil) {
			t.Fatalf("no error and no certificate from %q", raw)
		}
	})
}

// FuzzAmount checks PayPal's decimal amounts: what parseValue accepts is
// written back by formatValue (when PayPal can express it) and read again
// to the same minor units.
func FuzzAmount(f *testing.F) {
	for _, s := range [][2]string{{"25.99", "EUR"}, {"500", "JPY"}, {"1000", "HUF"}, {"10.50", "HUF"}, {"0.001", "USD"}, {"-1", "EUR"}, {"1e3", "EUR"}, {"1", "XXX"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, value, code string) {
		minor, err := parseValue(value, code)
		if err != nil {
			return
		}
		s, ok := formatValue(minor, code)
		if !ok {
			return
		}
		back, err := parseValue(s, code)
		if err != nil || back != minor {
			t.Fatalf("%q %s → %d → %q → %d, %v", value, code, minor, s, back, err)
		}
	})
}
