package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const paypalMode = `      paypal:
        enabled: true
        order: 7
        config:
          client_id: "e2e-client"
          client_secret: "e2e-client-secret"
          environment: "%s/paypal"
          webhook_id: "E2E-WEBHOOK"
          webhook_verification: "VERIFICATION"
`

func sandboxPost(t *testing.T, url string, v any) {
	t.Helper()
	var body []byte
	if v != nil {
		body, _ = json.Marshal(v)
	}
	r, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil || r.StatusCode != http.StatusNoContent {
		t.Fatalf("POST %s: %v %v", url, r, err)
	}
}

func TestPayPalThroughSandbox(t *testing.T) {
	for _, verification := range []string{"offline", "api"} {
		t.Run(verification, func(t *testing.T) { testPayPal(t, verification) })
	}
}

func testPayPal(t *testing.T, verification string) {
	sandbox := startSandbox(t)
	mode := strings.ReplaceAll(strings.ReplaceAll(paypalMode, "%s", sandbox), "VERIFICATION", verification)
	h := startHost(t, hostOptions{dir: providerDir, modes: mode})
	sandboxPost(t, sandbox+"/paypal/backoffice/apps", map[string]string{"client_id": "e2e-client", "client_secret": "e2e-client-secret",
		"webhook_url": h.base + "/notify/paypal", "webhook_id": "E2E-WEBHOOK"})
	sandboxPost(t, sandbox+"/paypal/backoffice/settings", map[string]int64{"retry_delay_ms": 100})
	b := newBrowser(t)

	// approve walks create → redirect_url (PayPal's page) → choice and
	// returns the session and where PayPal sends the browser.
	approve := func(t *testing.T, choice string) (sessionJSON, string) {
		t.Helper()
		var s sessionJSON
		h.expect(h.do("POST", "/v1/sessions", siteKey, createReq("paypal", 2599)), http.StatusCreated).json(t, &s)
		r := h.expect(h.do("GET", "/pay/"+s.ID, "", nil), http.StatusSeeOther)
		approval := r.header.Get("Location")
		resp, err := b.client.Get(approval)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("approval page %s: %v %v", approval, resp, err)
		}
		u, _ := url.Parse(approval)
		status, body, header := b.submit(approval, form{action: "checkoutnow/" + u.Query().Get("token"), fields: url.Values{}}, url.Values{"choice": {choice}})
		if choice == "approve-no-return" {
			if status != http.StatusOK {
				t.Fatalf("approval: %d %s", status, body)
			}
			return s, ""
		}
		if status != http.StatusSeeOther {
			t.Fatalf("approval: %d %s", status, body)
		}
		return s, header.Get("Location")
	}
	back := func(t *testing.T, location, want string) {
		t.Helper()
		r := h.expect(h.do("GET", pathOf(t, location), "", nil), http.StatusSeeOther)
		if u, _ := url.Parse(r.header.Get("Location")); u.Query().Get("status") != want {
			t.Errorf("shop return %s, want status %s", r.header.Get("Location"), want)
		}
	}

	t.Run("approve, webhook before return, capture", func(t *testing.T) {
		h := h.with(t)
		s, loc := approve(t, "approve")
		// CHECKOUT.ORDER.APPROVED came before the browser: already captured.
		if got := h.get(s.ID).Status; got != "paid" {
			t.Fatalf("after the approval webhook: %s", got)
		}
		back(t, loc, "paid")
		eventually(t, 20*time.Second, "capture webhook", func() bool { return len(h.get(s.ID).Events) >= 5 })
		tl := timeline(h.get(s.ID))
		if tl[2] != "notification:applied:pending>paid" {
			t.Errorf("timeline %v", tl)
		}
		for _, e := range tl[3:] {
			if !strings.HasSuffix(e, ":duplicate:paid>paid") {
				t.Errorf("after settling: %v", tl)
			}
		}
	})
	t.Run("a shop retry after a Begin timeout makes one order", func(t *testing.T) {
		h := h.with(t)
		if verification != "offline" {
			t.Skip("once is enough")
		}
		sandboxPost(t, sandbox+"/paypal/backoffice/settings", map[string]int64{"create_delay_ms": 6000}) // beyond the 5 s call timeout
		r := h.do("POST", "/v1/sessions", siteKey, createReq("paypal", 2599), "Idempotency-Key", "pp-retry-1")
		sandboxPost(t, sandbox+"/paypal/backoffice/settings", map[string]int64{"create_delay_ms": 0})
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("first attempt: %d %s", r.status, r.body)
		}
		var s sessionJSON
		h.expect(h.do("POST", "/v1/sessions", siteKey, createReq("paypal", 2599), "Idempotency-Key", "pp-retry-1"), http.StatusCreated).json(t, &s)
		var orders []map[string]string
		resp, _ := http.Get(sandbox + "/paypal/backoffice/orders?reference=" + s.Reference)
		json.NewDecoder(resp.Body).Decode(&orders)
		if s.Status != "pending" || len(orders) != 1 {
			t.Errorf("after the retry: session %s, %d orders at PayPal", s.Status, len(orders))
		}
	})
	t.Run("partial and full refund through the host", func(t *testing.T) {
		h := h.with(t)
		s, loc := approve(t, "approve")
		back(t, loc, "paid")
		if op := h.operate(s.ID, "refund", map[string]any{"amount": 599}, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "partially_refunded" {
			t.Fatalf("partial refund %+v", op)
		}
		h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 2001}), http.StatusUnprocessableEntity)
		if op := h.operate(s.ID, "refund", nil, http.StatusCreated); op.Operation.Amount != 2000 || op.Session.Status != "refunded" {
			t.Fatalf("refund of the rest %+v", op)
		}
		// PayPal's PAYMENT.CAPTURE.REFUNDED webhooks arrive afterwards and
		// change nothing.
		time.Sleep(300 * time.Millisecond)
		if got := h.get(s.ID).Status; got != "refunded" {
			t.Errorf("after the refund webhooks: %s", got)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		h := h.with(t)
		s, loc := approve(t, "cancel")
		back(t, loc, "cancelled")
		if got := h.get(s.ID).Status; got != "cancelled" {
			t.Errorf("status %s", got)
		}
	})
	t.Run("capture declined", func(t *testing.T) {
		h := h.with(t)
		s, loc := approve(t, "approve-declined")
		back(t, loc, "refused")
		if got := h.get(s.ID).Status; got != "refused" {
			t.Errorf("status %s", got)
		}
	})
	t.Run("capture pending, then completed by webhook", func(t *testing.T) {
		h := h.with(t)
		s, loc := approve(t, "approve-pending")
		back(t, loc, "pending")
		if got := h.get(s.ID).Status; got != "pending" {
			t.Fatalf("status %s", got)
		}
		var orders []map[string]string
		r, _ := http.Get(sandbox + "/paypal/backoffice/orders?reference=" + s.Reference)
		json.NewDecoder(r.Body).Decode(&orders)
		if len(orders) != 1 || orders[0]["capture_status"] != "PENDING" {
			t.Fatalf("sandbox orders %v", orders)
		}
		sandboxPost(t, sandbox+"/paypal/backoffice/captures/"+orders[0]["capture_id"]+"/complete", nil)
		eventually(t, 20*time.Second, "PAYMENT.CAPTURE.COMPLETED", func() bool { return h.get(s.ID).Status == "paid" })
	})
	t.Run("the return never comes", func(t *testing.T) {
		h := h.with(t)
		s, _ := approve(t, "approve-no-return")
		if got := h.get(s.ID).Status; got != "paid" {
			t.Errorf("settled by CHECKOUT.ORDER.APPROVED: %s", got)
		}
	})
	t.Run("token expiry mid-run", func(t *testing.T) {
		h := h.with(t)
		sandboxPost(t, sandbox+"/paypal/backoffice/tokens/expire", nil)
		s, loc := approve(t, "approve")
		back(t, loc, "paid")
		if got := h.get(s.ID).Status; got != "paid" {
			t.Errorf("status %s", got)
		}
	})
	t.Run("forged webhook", func(t *testing.T) {
		h := h.with(t)
		s, _ := approve(t, "approve-pending")
		ev := `{"id":"WH-FORGED","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"X","status":"COMPLETED","custom_id":"` + s.Reference + `","amount":{"currency_code":"EUR","value":"25.99"}}}`
		r, _ := http.NewRequest("POST", h.base+"/notify/paypal", strings.NewReader(ev))
		r.Header.Set("Paypal-Transmission-Id", "x")
		r.Header.Set("Paypal-Transmission-Time", "2026-11-22T10:00:00Z")
		r.Header.Set("Paypal-Transmission-Sig", "AAAA")
		r.Header.Set("Paypal-Cert-Url", sandbox+"/paypal/certs/sandbox.pem")
		resp, err := http.DefaultClient.Do(r)
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("forged webhook: %v %v", resp, err)
		}
		got := h.get(s.ID)
		rejected := false // the sandbox's own capture webhook may arrive around it
		for _, e := range got.Events {
			rejected = rejected || (e.Result == "rejected" && e.Reason == "invalid_signature")
		}
		if got.Status != "pending" || !rejected {
			t.Errorf("after a forged webhook: %s %v", got.Status, timeline(got))
		}
	})
}
