package paypal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/plugins/paypal"
	"github.com/payhost/payhost/plugins/paypal/sandbox"
	"github.com/payhost/payhost/sdk/payment"
)

// local starts the sandbox in-process with an app whose webhooks go to
// hook (may be nil).
func local(t *testing.T) (*httptest.Server, payment.Config) {
	t.Helper()
	var srv *httptest.Server
	sb, err := sandbox.New("/paypal")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/paypal/", http.StripPrefix("/paypal", sb))
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	app, _ := json.Marshal(sandbox.App{ClientID: "cid", ClientSecret: "csecret", WebhookID: "WH-ID"})
	if r, err := http.Post(srv.URL+"/paypal/backoffice/apps", "application/json", bytes.NewReader(app)); err != nil || r.StatusCode != 204 {
		t.Fatalf("registering the app: %v %v", r, err)
	}
	return srv, payment.Config{"client_id": "cid", "client_secret": "csecret", "environment": srv.URL + "/paypal", "webhook_id": "WH-ID",
		"webhook_verification": "offline", "landing_page": "NO_PREFERENCE"}
}

func settings(t *testing.T, srv *httptest.Server, v map[string]int64) {
	b, _ := json.Marshal(v)
	if r, err := http.Post(srv.URL+"/paypal/backoffice/settings", "application/json", bytes.NewReader(b)); err != nil || r.StatusCode != 204 {
		t.Fatalf("settings: %v %v", r, err)
	}
}

func testSession() payment.Session {
	return payment.Session{ID: "ps_pp1", Mode: paypal.ModeID, Reference: "REF0000000000000001", OrderRef: "order-7", Amount: 2599, Currency: "EUR",
		URLs: payment.URLs{Return: "http://127.0.0.1/return/ps_pp1", Cancel: "http://127.0.0.1/return/ps_pp1?cancel=1"}}
}

func TestRetriedBeginCreatesOneOrder(t *testing.T) {
	srv, cfg := local(t)
	settings(t, srv, map[string]int64{"create_delay_ms": 500})
	p := paypal.New(paypal.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err := p.Begin(ctx, payment.BeginRequest{Session: testSession(), Config: cfg})
	cancel()
	if code := payment.ErrorCode(err); code != payment.CodeTimeout {
		t.Fatalf("slow create: %v", err)
	}
	settings(t, srv, map[string]int64{"create_delay_ms": 0})
	resp, err := p.Begin(context.Background(), payment.BeginRequest{Session: testSession(), Config: cfg})
	if err != nil || resp.RedirectURL == "" || resp.ProviderData["order_id"] == "" {
		t.Fatalf("retried Begin: %+v, %v", resp, err)
	}
	var orders []map[string]any
	r, _ := http.Get(srv.URL + "/paypal/backoffice/orders")
	json.NewDecoder(r.Body).Decode(&orders)
	if len(orders) != 1 || orders[0]["id"] != resp.ProviderData["order_id"] {
		t.Errorf("orders at PayPal: %v, want exactly the one Begin returned", orders)
	}
}

func TestTokenRenewedAfterExpiry(t *testing.T) {
	srv, cfg := local(t)
	p := paypal.New(paypal.Options{})
	s := testSession()
	if _, err := p.Begin(context.Background(), payment.BeginRequest{Session: s, Config: cfg}); err != nil {
		t.Fatal(err)
	}
	if r, err := http.Post(srv.URL+"/paypal/backoffice/tokens/expire", "", nil); err != nil || r.StatusCode != 204 {
		t.Fatal(err)
	}
	s.ID = "ps_pp2"
	if _, err := p.Begin(context.Background(), payment.BeginRequest{Session: s, Config: cfg}); err != nil {
		t.Fatalf("after the token was revoked: %v", err)
	}
	bad := payment.Config{}
	for k, v := range cfg {
		bad[k] = v
	}
	bad["client_secret"] = "wrong"
	s.ID = "ps_pp3"
	_, err := paypal.New(paypal.Options{}).Begin(context.Background(), payment.BeginRequest{Session: s, Config: bad})
	if payment.ErrorCode(err) != payment.CodeInvalidConfig || strings.Contains(err.Error(), "wrong") {
		t.Errorf("bad credentials: %v", err)
	}
}

func TestErrorsCarryPayPalDetails(t *testing.T) {
	srv, cfg := local(t)
	p := paypal.New(paypal.Options{})
	s := testSession()
	s.Currency, s.Amount = "HUF", 1050 // 10.50 HUF: PayPal takes whole forints only
	if _, err := p.Begin(context.Background(), payment.BeginRequest{Session: s, Config: cfg}); payment.ErrorCode(err) != payment.CodeInvalidRequest {
		t.Errorf("HUF with decimals: %v", err)
	}
	// Capture before approval: no outcome, no error.
	s = testSession()
	b, _ := p.Begin(context.Background(), payment.BeginRequest{Session: s, Config: cfg})
	s.ProviderData = b.ProviderData
	resp, err := p.HandleReturn(context.Background(), payment.CallbackRequest{Session: s, Config: cfg,
		Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_pp1?token=" + b.ProviderData["order_id"]}})
	if err != nil || resp.Outcome != nil {
		t.Errorf("return before approval: %+v, %v", resp.Outcome, err)
	}
	// A refund of an unknown capture is PayPal's 404, with its debug id.
	s.ProviderTransactionID = "NOSUCHCAPTURE0001"
	_, err = p.Refund(context.Background(), payment.RefundRequest{Session: s, Config: cfg, OperationID: "op1", Amount: 100})
	if payment.ErrorCode(err) != payment.CodeProviderRejected || !strings.Contains(err.Error(), "RESOURCE_NOT_FOUND") || !strings.Contains(err.Error(), "debug_id") {
		t.Errorf("refund of an unknown capture: %v", err)
	}
	_ = srv
}

// TestCaptureAndRefunds drives an order through the sandbox's approval page
// and refunds its capture in two parts.
func TestCaptureAndRefunds(t *testing.T) {
	srv, cfg := local(t)
	p := paypal.New(paypal.Options{})
	ctx := context.Background()
	s := testSession()
	b, err := p.Begin(ctx, payment.BeginRequest{Session: s, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	s.ProviderData = b.ProviderData
	id := b.ProviderData["order_id"]
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := noRedirect.PostForm(srv.URL+"/paypal/checkoutnow/"+id, map[string][]string{"choice": {"approve"}})
	if err != nil || r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "token="+id) {
		t.Fatalf("approval: %v %v", r, err)
	}
	ret := func() *payment.Outcome {
		resp, err := p.HandleReturn(ctx, payment.CallbackRequest{Session: s, Config: cfg,
			Request: payment.HTTPRequest{Method: "GET", URL: "/return/ps_pp1?token=" + id + "&PayerID=X"}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Outcome
	}
	o := ret()
	if o == nil || o.Status != payment.StatusPaid || o.Amount != 2599 || o.Currency != "EUR" || o.ProviderTransactionID == "" {
		t.Fatalf("capture outcome %+v", o)
	}
	if again := ret(); again.ProviderTransactionID != o.ProviderTransactionID {
		t.Errorf("a second return captured again: %s then %s", o.ProviderTransactionID, again.ProviderTransactionID)
	}
	s.ProviderTransactionID = o.ProviderTransactionID
	refund := func(op string, amount int64) (payment.OperationResponse, error) {
		return p.Refund(ctx, payment.RefundRequest{Session: s, Config: cfg, OperationID: op, Amount: amount})
	}
	first, err := refund("rf1", 1000)
	if err != nil || first.Status != payment.OperationSucceeded || first.ProviderOperationID == "" {
		t.Fatalf("partial refund: %+v, %v", first, err)
	}
	if replay, err := refund("rf1", 1000); err != nil || replay.ProviderOperationID != first.ProviderOperationID {
		t.Errorf("a retried refund was made twice: %+v, %v", replay, err)
	}
	if _, err := refund("rf2", 1600); payment.ErrorCode(err) != payment.CodeProviderRejected || !strings.Contains(err.Error(), "REFUND_AMOUNT_EXCEEDED") {
		t.Errorf("refund above the remainder: %v", err)
	}
	if rest, err := refund("rf3", 1599); err != nil || rest.Status != payment.OperationSucceeded {
		t.Errorf("refund of the remainder: %+v, %v", rest, err)
	}
	q, err := p.Query(ctx, payment.QueryRequest{Session: s, Config: cfg})
	if err != nil || q.Outcome.Status != payment.StatusRefunded {
		t.Errorf("query after full refund: %+v, %v", q.Outcome, err)
	}
}
