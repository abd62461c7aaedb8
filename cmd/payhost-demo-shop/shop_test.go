package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
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
	if !strings.Contains(w.Body.String(), `data-checkout="co_a"`) || !strings.Contains(w.Body.String(), "€30.70") {
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

// TestOrderOperations: the orders page offers what the payment's status
// allows, each form with its own Idempotency-Key, and the shop sends that
// key with the operation, so a form posted twice refunds once.
func TestOrderOperations(t *testing.T) {
	var (
		mu     sync.Mutex
		status string
		keys   []string
	)
	payhost := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "GET" && r.URL.Path == "/v1/checkouts/co_x":
			fmt.Fprint(w, `{"status":"complete","session_id":"ps_x"}`)
		case r.Method == "GET" && r.URL.Path == "/v1/sessions/ps_x":
			fmt.Fprintf(w, `{"id":"ps_x","status":%q,"mode":"test","amount":3070}`, status)
		case r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/v1/sessions/ps_x/"):
			keys = append(keys, r.Header.Get("Idempotency-Key"))
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"operation":{"status":"succeeded"}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer payhost.Close()
	s, err := New(Config{WebhookSecret: secret, Payhost: payhost.URL})
	if err != nil {
		t.Fatal(err)
	}
	s.orders["DEMO-1"] = &Order{Ref: "DEMO-1", CheckoutID: "co_x", Total: 3070, Created: time.Now()}
	formKey := regexp.MustCompile(`action="/orders/DEMO-1/(\w+)"[^>]*><input type="hidden" name="idempotency_key" value="([^"]+)"`)
	page := func(st string) map[string]string {
		mu.Lock()
		status = st
		mu.Unlock()
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", "/orders", nil))
		if !strings.Contains(w.Body.String(), "€30.70") {
			t.Errorf("the orders page (the operator's, in English) does not show €30.70: %s", w.Body)
		}
		forms := map[string]string{}
		for _, m := range formKey.FindAllStringSubmatch(w.Body.String(), -1) {
			forms[m[1]] = m[2]
		}
		return forms
	}
	for st, want := range map[string]string{"paid": "refund", "partially_refunded": "refund", "authorized": "cancel capture",
		"pending": "cancel", "refunded": "", "cancelled": "", "expired": ""} {
		forms := page(st)
		var got []string
		for op := range forms {
			got = append(got, op)
		}
		sort.Strings(got)
		if strings.Join(got, " ") != want {
			t.Errorf("status %s: operations %v, want %q", st, got, want)
		}
	}
	forms := page("paid")
	post := func(key string) int {
		r := httptest.NewRequest("POST", "/orders/DEMO-1/refund", strings.NewReader(url.Values{"idempotency_key": {key}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w.Code
	}
	for range 2 { // a double click
		if code := post(forms["refund"]); code != http.StatusSeeOther {
			t.Fatalf("refund: %d", code)
		}
	}
	if code := post(""); code != http.StatusBadRequest {
		t.Errorf("a refund without a key: %d", code)
	}
	mu.Lock()
	if len(keys) != 2 || keys[0] != forms["refund"] || keys[1] != keys[0] {
		t.Errorf("Idempotency-Keys sent: %q, want the form's key twice", keys)
	}
	mu.Unlock()
	if again := page("paid")["refund"]; again == forms["refund"] {
		t.Errorf("a new page gave the same key %q", again)
	}
}

func TestMoneyFollowsTheCartLanguage(t *testing.T) {
	for _, tc := range []struct{ lang, want string }{
		{"fr-FR", "30,70\u00a0€"}, {"en-GB", "€30.70"}, {"", "€30.70"}, {"not a tag!", "€30.70"},
	} {
		if got := money(3070, tc.lang); got != tc.want {
			t.Errorf("money(3070, %q) = %q, want %q", tc.lang, got, tc.want)
		}
	}
}
