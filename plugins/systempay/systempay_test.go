package systempay

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/providertest"
)

func TestPublishedVectors(t *testing.T) {
	for _, v := range providertest.Load(t, "systempay") {
		t.Run(v.Name, func(t *testing.T) {
			algo := HMACSHA256
			if strings.Contains(v.Name, "sha1") {
				algo = SHA1
			}
			f := url.Values{}
			for _, in := range v.Inputs {
				f.Set(in[0], in[1])
			}
			if got := Sign(f, v.Key, algo); got != v.Expected {
				t.Errorf("%s = %s, want %s", algo, got, v.Expected)
			}
			f.Set("signature", v.Expected)
			f.Set("other_field", "not a vads field: not signed")
			if !Verify(f, v.Expected, v.Key, algo) {
				t.Error("Verify refused the vector")
			}
		})
	}
}

const (
	site    = "12345678"
	keyTest = "1122334455667788"
	keyProd = "8877665544332211"
)

func config(ctx, algo string) payment.Config {
	return payment.Config{keySiteID: site, keyKeyTest: keyTest, keyKeyProduction: keyProd, keyCtxMode: ctx, keyAlgorithm: algo,
		keyPaymentURL: DefaultPaymentURL}
}

func session() payment.Session {
	return payment.Session{ID: "ps_sp1", Mode: ModeID, Reference: "000042", OrderRef: "commande n°42/été", Amount: 1524, Currency: "EUR",
		CreatedAt: time.Date(2026, 11, 22, 23, 59, 58, 0, time.FixedZone("CET", 3600)),
		Customer:  payment.Customer{Email: "jean@example.com", Name: "Jean Michél Mihaï", Locale: "fr-FR"},
		URLs:      payment.URLs{Return: "https://pay.example/return/ps_sp1", Cancel: "https://pay.example/return/ps_sp1?cancel=1", Notify: "https://pay.example/notify/systempay/ps_sp1"}}
}

func ipn(status, result, ctx, key, algo string) url.Values {
	f := url.Values{"vads_site_id": {site}, "vads_ctx_mode": {ctx}, "vads_trans_id": {"000042"}, "vads_trans_date": {"20261122225958"},
		"vads_amount": {"1524"}, "vads_currency": {"978"}, "vads_trans_status": {status}, "vads_result": {result},
		"vads_trans_uuid": {"4b5053b3b1fe4b02a07753e7a0000001"}, "vads_auth_number": {"3feadf"}, "vads_threeds_status": {"Y"},
		"vads_threeds_eci": {"05"}, "vads_cust_first_name": {"Jean Michél"}, "vads_extra_result": {""}, "vads_url_check_src": {"PAY"}}
	f.Set("signature", Sign(f, key, algo))
	return f
}

func post(cfg payment.Config, body url.Values) (payment.CallbackResponse, error) {
	return New().HandleNotification(context.Background(), payment.CallbackRequest{Session: session(), Config: cfg,
		Request: payment.HTTPRequest{Method: "POST", Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(body.Encode())}})
}

func TestEveryTransStatus(t *testing.T) {
	tests := map[string]payment.Status{
		"AUTHORISED": payment.StatusPaid, "CAPTURED": payment.StatusPaid, "AUTHORISED_TO_VALIDATE": payment.StatusAuthorized,
		"WAITING_AUTHORISATION": payment.StatusPending, "WAITING_AUTHORISATION_TO_VALIDATE": payment.StatusPending,
		"UNDER_VERIFICATION": payment.StatusPending, "INITIAL": payment.StatusPending, "SUSPENDED": payment.StatusPending,
		"REFUSED": payment.StatusRefused, "NOT_CREATED": payment.StatusRefused, "CAPTURE_FAILED": payment.StatusRefused,
		"ABANDONED": payment.StatusCancelled, "CANCELLED": payment.StatusCancelled, "EXPIRED": payment.StatusExpired,
		"ACCEPTED": "", "SOMETHING_NEW": "",
	}
	for status, want := range tests {
		for _, algo := range []string{HMACSHA256, SHA1} {
			resp, err := post(config("TEST", algo), ipn(status, "00", "TEST", keyTest, algo))
			if err != nil || resp.Outcome.Status != want || !resp.Outcome.Verified {
				t.Errorf("%s (%s): %+v, %v; want %q", status, algo, resp.Outcome, err, want)
			}
		}
	}
	f := ipn("AUTHORISED", "00", "TEST", keyTest, HMACSHA256)
	f.Set("vads_validation_mode", "1")
	f.Set("signature", Sign(f, keyTest, HMACSHA256))
	if resp, _ := post(config("TEST", HMACSHA256), f); resp.Outcome.Status != payment.StatusAuthorized {
		t.Errorf("AUTHORISED with manual validation: %+v", resp.Outcome)
	}
}

func TestOutcomeFields(t *testing.T) {
	resp, err := post(config("TEST", HMACSHA256), ipn("AUTHORISED", "00", "TEST", keyTest, HMACSHA256))
	if err != nil {
		t.Fatal(err)
	}
	o := resp.Outcome
	if o.Amount != 1524 || o.Currency != "EUR" || o.Reference != "000042" || o.AuthorizationCode != "3feadf" ||
		o.ProviderTransactionID != "4b5053b3b1fe4b02a07753e7a0000001" || o.ThreeDS.ECI != "05" || o.ResponseCode != "00" {
		t.Errorf("outcome %+v", o)
	}
	if resp.Response.StatusCode != 200 {
		t.Errorf("answer %+v", resp.Response)
	}
}

func TestRejectedIPNs(t *testing.T) {
	good := ipn("AUTHORISED", "00", "TEST", keyTest, HMACSHA256)
	edit := func(f func(url.Values)) url.Values {
		c := url.Values{}
		for k, v := range good {
			c[k] = append([]string(nil), v...)
		}
		f(c)
		return c
	}
	otherSite := ipn("AUTHORISED", "00", "TEST", keyTest, HMACSHA256)
	otherSite.Set("vads_site_id", "87654321")
	otherSite.Set("signature", Sign(otherSite, keyTest, HMACSHA256))
	otherTrans := ipn("AUTHORISED", "00", "TEST", keyTest, HMACSHA256)
	otherTrans.Set("vads_trans_id", "000043")
	otherTrans.Set("signature", Sign(otherTrans, keyTest, HMACSHA256))
	tests := []struct {
		name string
		cfg  payment.Config
		body url.Values
		code payment.Code
	}{
		{"tampered amount", config("TEST", HMACSHA256), edit(func(f url.Values) { f.Set("vads_amount", "1") }), payment.CodeInvalidSignature},
		{"tampered status", config("TEST", HMACSHA256), edit(func(f url.Values) { f.Set("vads_trans_status", "CAPTURED") }), payment.CodeInvalidSignature},
		{"added vads field", config("TEST", HMACSHA256), edit(func(f url.Values) { f.Set("vads_extra", "x") }), payment.CodeInvalidSignature},
		{"empty field dropped", config("TEST", HMACSHA256), edit(func(f url.Values) { f.Del("vads_extra_result") }), payment.CodeInvalidSignature},
		{"signature missing", config("TEST", HMACSHA256), edit(func(f url.Values) { f.Del("signature") }), payment.CodeInvalidSignature},
		{"SHA-1 signature for an HMAC shop", config("TEST", HMACSHA256), ipn("AUTHORISED", "00", "TEST", keyTest, SHA1), payment.CodeInvalidSignature},
		{"HMAC signature for a SHA-1 shop", config("TEST", SHA1), good, payment.CodeInvalidSignature},
		{"TEST IPN signed with the PRODUCTION key", config("TEST", HMACSHA256), ipn("AUTHORISED", "00", "TEST", keyProd, HMACSHA256), payment.CodeInvalidSignature},
		{"TEST IPN at a PRODUCTION shop", config("PRODUCTION", HMACSHA256), good, payment.CodeInvalidRequest},
		{"another shop, validly signed", config("TEST", HMACSHA256), otherSite, payment.CodeInvalidRequest},
		{"another transaction, validly signed", config("TEST", HMACSHA256), otherTrans, payment.CodeInvalidRequest},
		{"repeated field", config("TEST", HMACSHA256), edit(func(f url.Values) { f.Add("vads_amount", "1524") }), payment.CodeInvalidSignature},
	}
	for _, tc := range tests {
		resp, err := post(tc.cfg, tc.body)
		if payment.ErrorCode(err) != tc.code || resp.Outcome != nil {
			t.Errorf("%s: %+v, %v; want %s", tc.name, resp.Outcome, err, tc.code)
		}
		if err != nil && (strings.Contains(err.Error(), keyTest) || strings.Contains(err.Error(), keyProd)) {
			t.Errorf("%s: the error contains a key", tc.name)
		}
	}
	// A PRODUCTION IPN at a PRODUCTION shop verifies with the PRODUCTION key.
	if _, err := post(config("PRODUCTION", HMACSHA256), ipn("AUTHORISED", "00", "PRODUCTION", keyProd, HMACSHA256)); err != nil {
		t.Errorf("PRODUCTION IPN: %v", err)
	}
}

// TestURLDecoding: the signature is over decoded values; '+' in a form body
// is a space and %2F a slash, decoded once.
func TestURLDecoding(t *testing.T) {
	f := ipn("AUTHORISED", "00", "TEST", keyTest, HMACSHA256)
	f.Set("vads_order_info", "a b/c=d+e")
	f.Set("signature", Sign(f, keyTest, HMACSHA256))
	body := f.Encode()
	if !strings.Contains(body, "a+b%2Fc%3Dd%2Be") {
		t.Fatalf("encoding %s", body)
	}
	if _, err := post(config("TEST", HMACSHA256), f); err != nil {
		t.Errorf("decoded once: %v", err)
	}
}

func TestReturnNeverSettles(t *testing.T) {
	p := New()
	cfg := config("TEST", HMACSHA256)
	f := ipn("AUTHORISED", "00", "TEST", keyTest, HMACSHA256)
	resp, err := p.HandleReturn(context.Background(), payment.CallbackRequest{Session: session(), Config: cfg,
		Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_sp1?" + f.Encode()}})
	if err != nil || resp.Outcome == nil || resp.Outcome.Verified || resp.Outcome.Status != payment.StatusPaid {
		t.Errorf("return with parameters: %+v, %v (verified must be false)", resp.Outcome, err)
	}
	resp, err = p.HandleReturn(context.Background(), payment.CallbackRequest{Session: session(), Config: cfg,
		Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_sp1"}})
	if err != nil || resp.Outcome != nil {
		t.Errorf("bare return: %+v, %v", resp.Outcome, err)
	}
	f.Set("vads_amount", "1")
	if _, err := p.HandleReturn(context.Background(), payment.CallbackRequest{Session: session(), Config: cfg,
		Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_sp1?" + f.Encode()}}); payment.ErrorCode(err) != payment.CodeInvalidSignature {
		t.Errorf("tampered return: %v", err)
	}
}

func TestBegin(t *testing.T) {
	for _, algo := range []string{HMACSHA256, SHA1} {
		resp, err := New().Begin(context.Background(), payment.BeginRequest{Session: session(), Config: config("TEST", algo)})
		if err != nil {
			t.Fatal(err)
		}
		f := url.Values{}
		for _, fl := range resp.Form.Fields {
			f.Set(fl.Name, fl.Value)
		}
		want := map[string]string{"vads_site_id": site, "vads_ctx_mode": "TEST", "vads_trans_id": "000042",
			"vads_trans_date": "20261122225958", "vads_amount": "1524", "vads_currency": "978", "vads_action_mode": "INTERACTIVE",
			"vads_page_action": "PAYMENT", "vads_payment_config": "SINGLE", "vads_version": "V2", "vads_order_id": "commande-n-42--t-",
			"vads_cust_email": "jean@example.com", "vads_cust_name": "Jean Michél Mihaï", "vads_language": "fr",
			"vads_url_check": session().URLs.Notify, "vads_url_return": session().URLs.Return, "vads_url_cancel": session().URLs.Cancel,
			"vads_return_mode": "GET"}
		for k, v := range want {
			if f.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, f.Get(k), v)
			}
		}
		if !Verify(f, f.Get("signature"), keyTest, algo) || resp.Form.URL != DefaultPaymentURL {
			t.Errorf("%s form not signed by the rule: %+v", algo, resp.Form)
		}
	}
	for _, ref := range []string{"900000", "12345", "ABCDEF", "999999"} {
		s := session()
		s.Reference = ref
		if _, err := New().Begin(context.Background(), payment.BeginRequest{Session: s, Config: config("TEST", HMACSHA256)}); payment.ErrorCode(err) != payment.CodeInvalidRequest {
			t.Errorf("trans id %s: %v", ref, err)
		}
	}
}

func TestDescribeDeclaresTheDailySequence(t *testing.T) {
	d, _ := New().Describe(context.Background(), payment.DescribeRequest{})
	r := d.Modes[0].Reference
	if r.Kind != payment.ReferenceDailySequence || r.Length != 6 || r.SequenceMin != 1 || r.SequenceMax != 899999 {
		t.Errorf("reference format %+v", r)
	}
}

func TestValidateConfig(t *testing.T) {
	tests := []struct{ key, value, problem string }{
		{keySiteID, "1234567", keySiteID}, {keyKeyTest, "", keyKeyTest}, {keyKeyProduction, keyTest, keyKeyProduction},
		{keyCtxMode, "LIVE", keyCtxMode}, {keyAlgorithm, "MD5", keyAlgorithm}, {keyPaymentURL, "http://paiement.example/", keyPaymentURL},
		{keyPaymentURL, "https://secure.payzen.eu/vads-payment/", ""}, {keyPaymentURL, "http://127.0.0.1:8090/systempay/vads-payment/", ""},
		{keyCaptureDelay, "400", keyCaptureDelay}, {keyValidationMode, "2", keyValidationMode}, {keyPaymentCards, "visa,cb", keyPaymentCards},
		{keyPaymentCards, "CB;VISA;MASTERCARD", ""},
	}
	for _, tc := range tests {
		cfg := config("TEST", HMACSHA256)
		cfg[tc.key] = tc.value
		resp, _ := New().ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: ModeID, Config: cfg})
		if tc.problem == "" && len(resp.Problems) != 0 || tc.problem != "" && (len(resp.Problems) != 1 || resp.Problems[0].Key != tc.problem) {
			t.Errorf("%s=%q: %+v", tc.key, tc.value, resp.Problems)
		}
	}
}

// TestCaptureWindowCoversTheDelay: an authorization may wait for capture as
// long as the largest capture_delay accepted; the host must keep it that long.
func TestCaptureWindowCoversTheDelay(t *testing.T) {
	d, err := New().Describe(context.Background(), payment.DescribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	m := d.Modes[0]
	i := slices.IndexFunc(m.ConfigSchema, func(f payment.ConfigField) bool { return f.Key == keyCaptureDelay })
	if i < 0 {
		t.Fatalf("no %s in the schema", keyCaptureDelay)
	}
	if f := m.ConfigSchema[i]; f.Max == nil || m.CaptureWindow < time.Duration(*f.Max)*24*time.Hour {
		t.Errorf("capture window %v, capture_delay up to %v days", m.CaptureWindow, f.Max)
	}
}
