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

// TestPayPalRefundWebhooks: PayPal's PAYMENT.CAPTURE.REFUNDED webhooks
// are answered 2xx and reconciled with the host's refunds by PayPal's
// refund id: one the host made changes nothing more, one made in PayPal's
// back office is recorded once as a refund operation.
func TestPayPalRefundWebhooks(t *testing.T) {
	sandbox := startSandbox(t)
	mode := strings.ReplaceAll(strings.ReplaceAll(paypalMode, "%s", sandbox), "VERIFICATION", "offline")
	h := startHost(t, hostOptions{dir: providerDir, modes: mode})
	sandboxPost(t, sandbox+"/paypal/backoffice/apps", map[string]string{"client_id": "e2e-client", "client_secret": "e2e-client-secret",
		"webhook_url": h.base + "/notify/paypal", "webhook_id": "E2E-WEBHOOK"})
	sandboxPost(t, sandbox+"/paypal/backoffice/settings", map[string]int64{"retry_delay_ms": 100})
	b := newBrowser(t)

	var s sessionJSON
	h.expect(h.do("POST", "/v1/sessions", siteKey, createReq("paypal", 2599)), http.StatusCreated).json(t, &s)
	approval := h.expect(h.do("GET", "/pay/"+s.ID, "", nil), http.StatusSeeOther).header.Get("Location")
	if resp, err := b.client.Get(approval); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("approval page: %v %v", resp, err)
	}
	u, _ := url.Parse(approval)
	b.submit(approval, form{action: "checkoutnow/" + u.Query().Get("token"), fields: url.Values{}}, url.Values{"choice": {"approve"}})
	eventually(t, 20*time.Second, "paid", func() bool { return h.get(s.ID).Status == "paid" })

	type refunds struct {
		Status                string `json:"status"`
		RefundedAmount        int64  `json:"refunded_amount"`
		ProviderTransactionID string `json:"provider_transaction_id"`
		Operations            []struct {
			Kind, Status string
			Amount       int64
		} `json:"operations"`
		Events []struct{ Source, Result, Reason string } `json:"events"`
	}
	read := func() refunds {
		var r refunds
		h.expect(h.do("GET", "/admin/v1/sessions/"+s.ID, adminKey, nil), http.StatusOK).json(t, &r)
		return r
	}
	refundWebhooks := func() (answered, ok int) {
		var ds []struct {
			EventType string `json:"event_type"`
			Status    int    `json:"status"`
		}
		resp, err := http.Get(sandbox + "/paypal/backoffice/deliveries")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&ds)
		resp.Body.Close()
		for _, d := range ds {
			if d.EventType == "PAYMENT.CAPTURE.REFUNDED" {
				answered++
				if d.Status/100 == 2 {
					ok++
				}
			}
		}
		return answered, ok
	}
	notes := func(reason string) (n int) {
		for _, e := range read().Events {
			if e.Source == "notification" && e.Reason == reason {
				n++
			}
		}
		return n
	}

	// A refund through the host, then PayPal's webhook about it.
	h.operate(s.ID, "refund", map[string]any{"amount": 599}, http.StatusCreated)
	eventually(t, 20*time.Second, "the refund webhook", func() bool { n, _ := refundWebhooks(); return n >= 1 })
	eventually(t, 20*time.Second, "the refund webhook recorded", func() bool { return notes("refund_known") == 1 })

	// A refund made in PayPal's back office (its API, called directly).
	req, _ := http.NewRequest("POST", sandbox+"/paypal/v1/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.SetBasicAuth("e2e-client", "e2e-client-secret")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	body, _ := json.Marshal(map[string]any{"amount": map[string]string{"currency_code": "EUR", "value": "10.00"}})
	req, _ = http.NewRequest("POST", sandbox+"/paypal/v2/payments/captures/"+read().ProviderTransactionID+"/refund", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("back-office refund: %v %v", resp, err)
	}
	eventually(t, 20*time.Second, "the back-office refund recorded", func() bool { return notes("provider_refund") == 1 })

	got := read()
	if got.Status != "partially_refunded" || got.RefundedAmount != 1599 || len(got.Operations) != 2 ||
		got.Operations[1].Kind != "refund" || got.Operations[1].Status != "succeeded" || got.Operations[1].Amount != 1000 {
		t.Errorf("after both refunds: %+v", got)
	}
	// The rest through the host: refunded, nothing counted twice.
	if op := h.operate(s.ID, "refund", nil, http.StatusCreated); op.Operation.Amount != 1000 || op.Session.Status != "refunded" {
		t.Fatalf("refund of the rest %+v", op)
	}
	eventually(t, 20*time.Second, "three refund webhooks, all acknowledged", func() bool {
		n, ok := refundWebhooks()
		return n == 3 && ok == 3 && notes("refund_known") == 2
	})
	if got := read(); got.Status != "refunded" || got.RefundedAmount != 2599 || len(got.Operations) != 3 {
		t.Errorf("at the end: %+v", got)
	}
}
