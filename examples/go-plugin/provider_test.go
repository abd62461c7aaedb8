package hmacpay_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/sdk/paymenttest"

	"example.com/payhost-plugin-hmacpay"
	"example.com/payhost-plugin-hmacpay/sim"
)

func TestContract(t *testing.T) { paymenttest.Check(t, hmacpay.New()) }

var cfg = payment.Config{"payment_url": "https://pay.example.com/pay", "merchant_id": "m-1001", "secret_key": "test-key"}

func session() payment.Session {
	return payment.Session{ID: "ps_1", Mode: hmacpay.ModeID, Reference: "REF0000000000000001", Amount: 1999, Currency: "EUR",
		URLs: payment.URLs{Return: "https://payhost.example/return/ps_1", Notify: "https://payhost.example/notify/hmacpay/ps_1"}}
}

func TestPayment(t *testing.T) {
	ctx := context.Background()
	p := hmacpay.New()
	begin, err := p.Begin(ctx, payment.BeginRequest{Session: session(), Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	provider := sim.Provider{MerchantID: "m-1001", SecretKey: "test-key"}
	tests := []struct {
		name   string
		status string
		tamper func(url.Values)
		want   payment.Status
		code   payment.Code
	}{
		{"paid", "paid", nil, payment.StatusPaid, ""},
		{"refused", "refused", nil, payment.StatusRefused, ""},
		{"tampered amount", "paid", func(v url.Values) { v.Set("amount", "1") }, "", payment.CodeInvalidSignature},
		{"no signature", "paid", func(v url.Values) { v.Del("signature") }, "", payment.CodeInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans, err := provider.Pay(begin.RedirectURL, tt.status, "tx-1")
			if err != nil {
				t.Fatal(err)
			}
			if tt.tamper != nil {
				tt.tamper(ans)
			}
			req := payment.CallbackRequest{Session: session(), Config: cfg, Request: payment.HTTPRequest{
				Method: "POST", URL: session().URLs.Notify, Body: []byte(ans.Encode()),
				Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}},
			}}
			resp, err := p.HandleNotification(ctx, req)
			if payment.ErrorCode(err) != tt.code {
				t.Fatalf("error %v, want code %q", err, tt.code)
			}
			if tt.code == "" && (resp.Outcome == nil || !resp.Outcome.Verified || resp.Outcome.Status != tt.want || resp.Outcome.Amount != 1999) {
				t.Errorf("outcome %+v, want verified %s of 1999", resp.Outcome, tt.want)
			}
		})
	}
	// Begin's own request is signed with the same key: played back as a
	// notification it carries no status and must not verify as an answer.
	u, err := url.Parse(begin.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	replay := payment.CallbackRequest{Session: session(), Config: cfg, Request: payment.HTTPRequest{
		Method: "POST", URL: session().URLs.Notify, Body: []byte(u.RawQuery),
		Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}},
	}}
	if resp, err := p.HandleNotification(ctx, replay); err == nil {
		t.Fatalf("Begin's request played back verified: %+v", resp.Outcome)
	}
}
