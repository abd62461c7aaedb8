package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/shop"
)

const secret = "demo_webhook_secret_0123456789"

func TestWebhooksAreVerifiedAndDeduplicated(t *testing.T) {
	s, err := New(Config{WebhookSecret: secret, Payhost: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"id":"ps_a","status":"paid","mode":"test","amount":3070,"order_ref":"DEMO-1","checkout_id":"co_a"}`
	post := func(sig, event string) int {
		r := httptest.NewRequest("POST", "/hook", strings.NewReader(body))
		r.Header.Set("Payhost-Signature", sig)
		r.Header.Set("Payhost-Event-Id", event)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w.Code
	}
	if code := post("t=1,v1=00", "ps_a:paid"); code != http.StatusBadRequest {
		t.Errorf("forged webhook: %d", code)
	}
	good := shop.SignWebhook(secret, time.Now(), []byte(body))
	for range 2 {
		if code := post(good, "ps_a:paid"); code != http.StatusNoContent {
			t.Errorf("signed webhook: %d", code)
		}
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/webhooks", nil))
	if n := strings.Count(w.Body.String(), `class="delivery"`); n != 1 {
		t.Errorf("%d deliveries listed, want 1 (the forged one refused, the repeat deduplicated)", n)
	}
	if !strings.Contains(w.Body.String(), `data-checkout="co_a"`) || !strings.Contains(w.Body.String(), "30,70\u00a0€") {
		t.Errorf("webhook list: %s", w.Body)
	}
}

func TestReturnIsVerified(t *testing.T) {
	s, err := New(Config{WebhookSecret: secret, Payhost: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	q := shop.ReturnParams(secret, "ps_a", "paid", false, time.Now())
	q.Set("status", "refunded") // tampered
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/return?"+q.Encode(), nil))
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Invalid return") {
		t.Errorf("tampered return: %d %s", w.Code, w.Body)
	}
}
