package offline

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

const key = "offline_test_signing_key_0123"

func newTestProvider() *Provider {
	return &Provider{now: func() time.Time { return time.Unix(1763800000, 0) }, random: bytes.NewReader(bytes.Repeat([]byte{0xab}, 1024))}
}

func testSession() payment.Session {
	return payment.Session{
		ID: "ps_abc", Mode: ModeTest, Reference: "K3J9QWERTY12", Amount: 1200, Currency: "EUR",
		URLs: payment.URLs{Return: "https://pay.example/return/ps_abc", Notify: "https://pay.example/notify/offline/ps_abc"},
	}
}

// TestSignatureKnownAnswer pins the documented rule to one computed value:
// HMAC-SHA256("offline_test_signing_key_0123",
// "amount=1200&currency=EUR&reference=K3J9QWERTY12&session=ps_abc&status=paid&t=1763800000&txn=TEST-abababababababab"),
// computed independently with Python's hmac module.
func TestSignatureKnownAnswer(t *testing.T) {
	fields := url.Values{"amount": {"1200"}, "currency": {"EUR"}, "reference": {"K3J9QWERTY12"}, "session": {"ps_abc"},
		"status": {"paid"}, "t": {"1763800000"}, "txn": {"TEST-abababababababab"}}
	const want = "c8a93b5f03a2d73f2d79b68ff30edc348facdff61841f6df1e055198f996f17d"
	if got := sign(key, fields); got != want {
		t.Errorf("sig = %s, want %s", got, want)
	}
	// The form built by Begin carries exactly these fields for the paid choice.
	if paid := begin(t, newTestProvider())["paid"]; paid.Get("sig") != want {
		t.Errorf("Begin's paid form: %v", paid)
	}
}

func begin(t *testing.T, p *Provider) map[string]url.Values {
	t.Helper()
	resp, err := p.Begin(context.Background(), payment.BeginRequest{Session: testSession(), Config: payment.Config{"signing_key": key}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 4 || resp.Form != nil || resp.Outcome != nil || resp.ProviderTransactionID == "" {
		t.Fatalf("begin = %+v", resp)
	}
	out := map[string]url.Values{}
	for _, f := range resp.Choices {
		if f.URL != testSession().URLs.Return || f.Method != "POST" {
			t.Errorf("form %+v", f)
		}
		v := url.Values{}
		for _, fl := range f.Fields {
			v.Add(fl.Name, fl.Value)
		}
		out[v.Get("status")] = v
	}
	return out
}

func post(fields url.Values) payment.HTTPRequest {
	return payment.HTTPRequest{Method: "POST", URL: "/notify/offline/ps_abc",
		Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(fields.Encode())}
}

func TestBeginAndVerify(t *testing.T) {
	p := newTestProvider()
	forms := begin(t, p)
	for _, status := range []payment.Status{payment.StatusPaid, payment.StatusAuthorized, payment.StatusRefused, payment.StatusCancelled} {
		f, ok := forms[string(status)]
		if !ok {
			t.Fatalf("no %s form", status)
		}
		if f.Get("sig") != sign(key, f) {
			t.Errorf("%s form is not signed by the rule", status)
		}
		req := payment.CallbackRequest{Session: testSession(), Config: payment.Config{"signing_key": key}, Request: post(f)}
		resp, err := p.HandleNotification(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", status, err)
		}
		o := resp.Outcome
		if o == nil || o.Status != status || !o.Verified || o.Amount != 1200 || o.Currency != "EUR" || o.Reference != "K3J9QWERTY12" || o.ProviderTransactionID != f.Get("txn") {
			t.Errorf("%s outcome = %+v", status, o)
		}
		if resp.Response.StatusCode != 200 || string(resp.Response.Body) != "OK" {
			t.Errorf("notification answer = %+v", resp.Response)
		}
		if ret, err := p.HandleReturn(context.Background(), req); err != nil || ret.Outcome == nil || ret.Outcome.Status != status {
			t.Errorf("return = %+v, %v", ret, err)
		}
	}
}

func TestTamperedMessages(t *testing.T) {
	p := newTestProvider()
	paid := begin(t, p)["paid"]
	edit := func(f func(url.Values)) url.Values {
		v := url.Values{}
		for k, vs := range paid {
			v[k] = append([]string(nil), vs...)
		}
		f(v)
		return v
	}
	tests := []struct {
		name   string
		fields url.Values
		key    string
		code   payment.Code
	}{
		{"amount changed", edit(func(v url.Values) { v.Set("amount", "1") }), key, payment.CodeInvalidSignature},
		{"status changed", edit(func(v url.Values) { v.Set("status", "refused") }), key, payment.CodeInvalidSignature},
		{"currency changed", edit(func(v url.Values) { v.Set("currency", "USD") }), key, payment.CodeInvalidSignature},
		{"reference changed", edit(func(v url.Values) { v.Set("reference", "OTHER") }), key, payment.CodeInvalidSignature},
		{"txn changed", edit(func(v url.Values) { v.Set("txn", "TEST-0") }), key, payment.CodeInvalidSignature},
		{"t changed", edit(func(v url.Values) { v.Set("t", "1") }), key, payment.CodeInvalidSignature},
		{"sig removed", edit(func(v url.Values) { v.Del("sig") }), key, payment.CodeInvalidSignature},
		{"sig truncated", edit(func(v url.Values) { v.Set("sig", v.Get("sig")[:63]) }), key, payment.CodeInvalidSignature},
		{"field removed", edit(func(v url.Values) { v.Del("txn"); v.Set("sig", sign(key, v)) }), key, payment.CodeInvalidSignature},
		{"field repeated", edit(func(v url.Values) { v.Add("amount", "1200") }), key, payment.CodeInvalidSignature},
		{"extra field signed along", edit(func(v url.Values) { v.Set("x", "1"); v.Set("sig", sign(key, v)) }), key, payment.CodeInvalidSignature},
		{"other key", paid, "another_key_of_sixteen_bytes", payment.CodeInvalidSignature},
		{"another session, validly signed", edit(func(v url.Values) { v.Set("session", "ps_other"); v.Set("sig", sign(key, v)) }), key, payment.CodeInvalidRequest},
		{"amount not digits, validly signed", edit(func(v url.Values) { v.Set("amount", "12.00"); v.Set("sig", sign(key, v)) }), key, payment.CodeInvalidRequest},
		{"amount with sign, validly signed", edit(func(v url.Values) { v.Set("amount", "+1200"); v.Set("sig", sign(key, v)) }), key, payment.CodeInvalidRequest},
		{"unknown status, validly signed", edit(func(v url.Values) { v.Set("status", "expired"); v.Set("sig", sign(key, v)) }), key, payment.CodeInvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := payment.CallbackRequest{Session: testSession(), Config: payment.Config{"signing_key": tc.key}, Request: post(tc.fields)}
			resp, err := p.HandleNotification(context.Background(), req)
			if payment.ErrorCode(err) != tc.code || resp.Outcome != nil {
				t.Fatalf("got %+v, %v; want %s", resp, err, tc.code)
			}
			if strings.Contains(err.Error(), tc.key) {
				t.Error("the error contains the signing key")
			}
		})
	}
	// An upper-case signature is the same hex value.
	upper := edit(func(v url.Values) { v.Set("sig", strings.ToUpper(v.Get("sig"))) })
	if _, err := p.HandleNotification(context.Background(), payment.CallbackRequest{Session: testSession(), Config: payment.Config{"signing_key": key}, Request: post(upper)}); err != nil {
		t.Errorf("upper-case hex: %v", err)
	}
}

func TestBareReturn(t *testing.T) {
	p := newTestProvider()
	req := payment.CallbackRequest{Session: testSession(), Config: payment.Config{"signing_key": key}, Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_abc"}}
	resp, err := p.HandleReturn(context.Background(), req)
	if err != nil || resp.Outcome != nil {
		t.Errorf("bare return = %+v, %v", resp, err)
	}
	if _, err := p.HandleNotification(context.Background(), req); payment.ErrorCode(err) != payment.CodeInvalidSignature {
		t.Errorf("bare notification: %v", err)
	}
}

func TestOtherModes(t *testing.T) {
	p := newTestProvider()
	ctx := context.Background()
	s := testSession()

	s.Mode, s.Amount = ModeFree, 0
	resp, err := p.Begin(ctx, payment.BeginRequest{Session: s})
	if err != nil || resp.Outcome == nil || resp.Outcome.Status != payment.StatusPaid || resp.Outcome.Currency != "EUR" || resp.Outcome.Reference != s.Reference {
		t.Errorf("free = %+v, %v", resp, err)
	}
	s.Amount = 1
	if _, err := p.Begin(ctx, payment.BeginRequest{Session: s}); payment.ErrorCode(err) != payment.CodeInvalidRequest {
		t.Errorf("free with an amount: %v", err)
	}

	s.Mode, s.Amount, s.Currency = ModeCheque, 2500, "EUR"
	resp, err = p.Begin(ctx, payment.BeginRequest{Session: s, Config: payment.Config{"payee": "Shop SARL", "address": "1 rue X"}})
	if err != nil || resp.Instructions == nil || !containsAll(resp.Instructions.Text, "25.00 EUR", "Shop SARL", "1 rue X", s.Reference) {
		t.Errorf("cheque = %+v, %v", resp.Instructions, err)
	}

	s.Mode, s.Amount, s.Currency = ModeTransfer, 500, "JPY"
	resp, err = p.Begin(ctx, payment.BeginRequest{Session: s, Config: payment.Config{"account_holder": "Shop", "iban": "fr14 2004 1010 0505 0001 3M02 606", "bic": "psstfrppPAR"}})
	if err != nil || resp.Instructions == nil || !containsAll(resp.Instructions.Text, "500 JPY", "FR14 2004 1010 0505 0001 3M02 606", "PSSTFRPPPAR", s.Reference) {
		t.Errorf("transfer = %+v, %v", resp.Instructions, err)
	}
	if _, err := p.HandleNotification(ctx, payment.CallbackRequest{Session: s}); payment.ErrorCode(err) != payment.CodeInvalidRequest {
		t.Errorf("notification for a transfer: %v", err)
	}
	if _, err := p.Refund(ctx, payment.RefundRequest{Session: s, Amount: 1}); payment.ErrorCode(err) != payment.CodeUnsupported {
		t.Errorf("refund of a transfer: %v", err)
	}
	ts := testSession()
	if op, err := p.Refund(ctx, payment.RefundRequest{Session: ts, Amount: 600}); err != nil || op.Status != payment.OperationSucceeded {
		t.Errorf("test refund = %+v, %v", op, err)
	}
	if _, err := p.Refund(ctx, payment.RefundRequest{Session: ts, Amount: 1201}); payment.ErrorCode(err) != payment.CodeInvalidRequest {
		t.Errorf("refund above the amount: %v", err)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func TestValidateConfig(t *testing.T) {
	p := New()
	tests := []struct {
		mode   string
		config payment.Config
		want   map[string]string // key -> part of the message
	}{
		{ModeTest, payment.Config{"signing_key": "0123456789abcdef"}, nil},
		{ModeTest, payment.Config{}, map[string]string{"signing_key": "required"}},
		{ModeTest, payment.Config{"signing_key": "short-secret"}, map[string]string{"signing_key": "16 bytes"}},
		{ModeFree, payment.Config{}, nil},
		{ModeCheque, payment.Config{"payee": "p"}, map[string]string{"address": "required"}},
		{ModeTransfer, payment.Config{"account_holder": "a", "iban": "FR1420041010050500013M02606", "bic": "PSSTFRPPPAR"}, nil},
		{ModeTransfer, payment.Config{"account_holder": "a", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}, nil},
		{ModeTransfer, payment.Config{"account_holder": "a", "iban": "GB82 WEST 1234 5698 7654 32", "bic": "NWBKGB2L"}, nil},
		{ModeTransfer, payment.Config{"account_holder": "a", "iban": "FR1420041010050500013M02607", "bic": "PSSTFRPPPAR"}, map[string]string{"iban": "checksum"}},
		{ModeTransfer, payment.Config{"account_holder": "a", "iban": "FR142004101005050013M02606", "bic": "PSSTFRPPPAR"}, map[string]string{"iban": "27 characters"}},
		{ModeTransfer, payment.Config{"account_holder": "a", "iban": "FR1420041010050500013M02606", "bic": "PSST"}, map[string]string{"bic": "8 or 11"}},
		{ModeTransfer, payment.Config{"account_holder": "a", "iban": "FR1420041010050500013M02606", "bic": "1SSTFRPPPAR"}, map[string]string{"bic": "6 letters"}},
		{ModeTransfer, payment.Config{"account_holder": "a", "iban": "FR1420041010050500013M02606", "bic": "COBADEFFXXX"}, map[string]string{"bic": "differs from the IBAN"}},
		{ModeTransfer, payment.Config{}, map[string]string{"account_holder": "required", "iban": "required", "bic": "required"}},
	}
	for _, tc := range tests {
		resp, err := p.ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: tc.mode, Config: tc.config})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, pr := range resp.Problems {
			got[pr.Key] = pr.Message
			if v := tc.config["signing_key"]; v != "" && strings.Contains(pr.Message, v) {
				t.Errorf("problem echoes the secret: %s", pr.Message)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s %v: problems %v, want %v", tc.mode, tc.config, got, tc.want)
			continue
		}
		for k, part := range tc.want {
			if !strings.Contains(got[k], part) {
				t.Errorf("%s %v: %s = %q, want %q", tc.mode, tc.config, k, got[k], part)
			}
		}
	}
	if _, err := p.ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: "bitcoin"}); payment.ErrorCode(err) != payment.CodeInvalidRequest {
		t.Errorf("unknown mode: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	d, err := New().Describe(context.Background(), payment.DescribeRequest{})
	if err != nil || d.Name != "offline" || d.ProtocolVersion != payment.ProtocolVersion {
		t.Fatalf("describe = %+v, %v", d, err)
	}
	ids := map[string]bool{}
	for _, m := range d.Modes {
		if ids[m.ID] || m.Label == "" || m.Reference.Length == 0 {
			t.Errorf("mode %+v", m)
		}
		ids[m.ID] = true
	}
	if len(ids) != 4 {
		t.Errorf("modes = %v", ids)
	}
}
