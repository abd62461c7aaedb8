package app_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/shopsig"
)

func TestEligibility(t *testing.T) {
	h := startHost(t, hostOptions{})
	type result struct {
		Modes []struct {
			ID, Plugin, Label, Kind string
		} `json:"modes"`
		Refused []struct{ ID, Reason string } `json:"refused"`
	}
	ids := func(r result) []string {
		var out []string
		for _, m := range r.Modes {
			out = append(out, m.ID)
		}
		return out
	}
	reasons := func(r result) map[string]string {
		out := map[string]string{}
		for _, m := range r.Refused {
			out[m.ID] = m.Reason
		}
		return out
	}
	tests := []struct {
		name        string
		cart        map[string]any
		wantModes   []string
		wantRefused map[string]string
	}{
		{"zero total offers only free", cart(0, "EUR", "FR"), []string{"free"},
			map[string]string{"test": "zero_total", "cheque": "zero_total", "transfer": "zero_total"}},
		{"positive total in site order", cart(5000, "EUR", "FR"), []string{"test", "cheque", "transfer"},
			map[string]string{"free": "requires_zero_total"}},
		{"below transfer minimum", cart(500, "EUR", "FR"), []string{"test", "cheque"},
			map[string]string{"free": "requires_zero_total", "transfer": "amount_below_minimum"}},
		{"cheque country and currency", cart(5000, "USD", "DE"), []string{"test", "transfer"},
			map[string]string{"free": "requires_zero_total", "cheque": "currency_not_supported"}},
		{"cheque above maximum", cart(200000, "EUR", "BE"), []string{"test", "transfer"},
			map[string]string{"free": "requires_zero_total", "cheque": "amount_above_maximum"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.with(t)
			var r result
			h.expect(h.do("POST", "/v1/eligibility", siteKey, map[string]any{"cart": tt.cart, "explain": true}), http.StatusOK).json(t, &r)
			if got := ids(r); !slices.Equal(got, tt.wantModes) {
				t.Errorf("modes = %v, want %v", got, tt.wantModes)
			}
			got := reasons(r)
			for id, want := range tt.wantRefused {
				if got[id] != want {
					t.Errorf("refused[%s] = %q, want %q (all: %v)", id, got[id], want, got)
				}
			}
		})
	}
	t.Run("without explain no refused list", func(t *testing.T) {
		h := h.with(t)
		var r result
		h.expect(h.do("POST", "/v1/eligibility", siteKey, map[string]any{"cart": cart(5000, "EUR", "FR")}), http.StatusOK).json(t, &r)
		if len(r.Refused) != 0 {
			t.Errorf("refused = %v without explain", r.Refused)
		}
	})
	t.Run("test mode refused on a live site", func(t *testing.T) {
		h := h.with(t)
		var r result
		h.expect(h.do("POST", "/v1/eligibility", otherSiteKey, map[string]any{"cart": cart(5000, "EUR", "FR"), "explain": true}), http.StatusOK).json(t, &r)
		if got := ids(r); !slices.Equal(got, []string{"cheque"}) {
			t.Errorf("modes = %v, want [cheque]", got)
		}
		if reasons(r)["test"] != "test_mode_only" && reasons(r)["test"] != "mode_disabled" {
			t.Errorf("test refused for %q", reasons(r)["test"])
		}
	})
}

func TestAPIErrors(t *testing.T) {
	h := startHost(t, hostOptions{})
	bad := createReq("test", 5000)
	bad["cart"].(map[string]any)["total_amount"] = 4999
	tests := []struct {
		name   string
		method string
		path   string
		key    string
		body   any
		status int
		code   string
	}{
		{"no key", "POST", "/v1/sessions", "", createReq("test", 5000), 401, "unauthorized"},
		{"wrong key", "POST", "/v1/sessions", "nope_nope_nope_nope", createReq("test", 5000), 401, "unauthorized"},
		{"admin key is not a site key", "POST", "/v1/sessions", adminKey, createReq("test", 5000), 401, "unauthorized"},
		{"site key is not an admin key", "GET", "/admin/v1/plugins", siteKey, nil, 401, "unauthorized"},
		{"total mismatch", "POST", "/v1/sessions", siteKey, bad, 422, "amount_mismatch"},
		{"unknown mode", "POST", "/v1/sessions", siteKey, createReq("bitcoin", 5000), 422, "unknown_mode"},
		{"ineligible mode", "POST", "/v1/sessions", siteKey, createReq("free", 5000), 422, "mode_not_eligible"},
		{"malformed json", "POST", "/v1/sessions", siteKey, "{", 400, "invalid_json"},
		{"unknown field", "POST", "/v1/sessions", siteKey, map[string]any{"mode": "test", "totl": 1}, 400, "invalid_json"},
		{"missing return url", "POST", "/v1/sessions", siteKey, func() map[string]any { r := createReq("test", 5000); delete(r, "return_url"); return r }(), 400, "invalid_request"},
		{"bad currency", "POST", "/v1/eligibility", siteKey, map[string]any{"cart": cart(100, "EURO", "FR")}, 400, "invalid_request"},
		{"unknown session", "GET", "/v1/sessions/ps_doesnotexist", siteKey, nil, 404, "not_found"},
		{"unknown endpoint", "GET", "/v2/nothing", siteKey, nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.with(t)
			r := h.expect(h.do(tt.method, tt.path, tt.key, tt.body), tt.status)
			if got := r.errorCode(t); got != tt.code {
				t.Errorf("code = %q, want %q", got, tt.code)
			}
		})
	}
	t.Run("body too large", func(t *testing.T) {
		h := h.with(t)
		big := make([]byte, 2<<20)
		for i := range big {
			big[i] = ' '
		}
		r := h.expect(h.do("POST", "/v1/sessions", siteKey, `{"mode":"test"`+string(big)+`}`), http.StatusRequestEntityTooLarge)
		if got := r.errorCode(t); got != "payload_too_large" {
			t.Errorf("code = %q", got)
		}
	})
	t.Run("another site's key sees nothing", func(t *testing.T) {
		h := h.with(t)
		s := h.create("test", 5000)
		r := h.expect(h.do("GET", "/v1/sessions/"+s.ID, otherSiteKey, nil), http.StatusNotFound)
		if got := r.errorCode(t); got != "not_found" {
			t.Errorf("code = %q", got)
		}
	})
}

// TestTestModePayment walks a whole payment through the real offline plugin:
// create, /pay, signed browser return, signed notification, timeline.
func TestTestModePayment(t *testing.T) {
	h := startHost(t, hostOptions{})
	s := h.create("test", 3490)
	if s.Status != "pending" || s.Amount != 3490 || s.Currency != "EUR" || s.Reference == "" {
		t.Fatalf("created session = %+v", s)
	}
	if len(s.ID) < 3+26 || s.ID[:3] != "ps_" {
		t.Errorf("session id %q is not ps_ + 128 bits or more", s.ID)
	}
	forms := h.payForms(s.ID)
	paid, ok := forms["paid"]
	if !ok || paid.method != "POST" {
		t.Fatalf("pay page forms = %v", forms)
	}

	// The browser posts the paid choice back: signed, so it settles.
	r := h.expect(h.do("POST", pathOf(t, paid.action), "", paid.fields), http.StatusSeeOther)
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || loc.Host != "shop.example" || loc.Path != "/return" {
		t.Fatalf("redirect to %q", r.header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("session") != s.ID || q.Get("status") != "paid" || q.Get("order") != "42" {
		t.Errorf("shop return query = %v", q)
	}
	if !shopsig.VerifyReturn(webhookSecret, q, time.Now(), time.Minute) {
		t.Errorf("shop return signature does not verify: %v", q)
	}
	if got := h.get(s.ID).Status; got != "paid" {
		t.Fatalf("status after return = %s", got)
	}

	// The provider's notification of the same payment: answered as the
	// provider expects, twice, and changes nothing.
	for i := 0; i < 2; i++ {
		r := h.expect(h.do("POST", "/notify/offline/"+s.ID, "", paid.fields), http.StatusOK)
		if string(r.body) != "OK" {
			t.Errorf("notification answer %q", r.body)
		}
	}
	got := h.get(s.ID)
	if got.Status != "paid" {
		t.Fatalf("status after notifications = %s", got.Status)
	}
	var timeline []string
	for _, e := range got.Events {
		timeline = append(timeline, e.Source+":"+e.Result+":"+e.From+">"+e.To)
	}
	want := []string{
		"api:applied:>created",
		"api:applied:created>pending",
		"return:applied:pending>paid",
		"notification:duplicate:paid>paid",
		"notification:duplicate:paid>paid",
	}
	if !slices.Equal(timeline, want) {
		t.Errorf("timeline:\n got %v\nwant %v", timeline, want)
	}
	// /pay of a settled session sends the browser back to the shop.
	r = h.expect(h.do("GET", "/pay/"+s.ID, "", nil), http.StatusSeeOther)
	if u, _ := url.Parse(r.header.Get("Location")); u.Query().Get("status") != "paid" {
		t.Errorf("pay after settle redirects to %s", r.header.Get("Location"))
	}
}

func TestNotificationSettlesWithoutReturn(t *testing.T) {
	h := startHost(t, hostOptions{})
	tests := []struct{ choice, want string }{
		{"paid", "paid"}, {"refused", "refused"}, {"cancelled", "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.choice, func(t *testing.T) {
			h := h.with(t)
			s := h.create("test", 1200)
			forms := h.payForms(s.ID)
			h.expect(h.do("POST", "/notify/offline/"+s.ID, "", forms[tt.choice].fields), http.StatusOK)
			if got := h.get(s.ID).Status; got != tt.want {
				t.Errorf("status = %s, want %s", got, tt.want)
			}
			// A late, validly signed return with another outcome cannot undo it.
			late := "paid"
			if tt.choice == "paid" {
				late = "refused"
			}
			r := h.expect(h.do("POST", "/return/"+s.ID, "", forms[late].fields), http.StatusSeeOther)
			if u, _ := url.Parse(r.header.Get("Location")); u.Query().Get("status") != tt.want {
				t.Errorf("late return sent the shop %s", r.header.Get("Location"))
			}
			got := h.get(s.ID)
			last := got.Events[len(got.Events)-1]
			want := [2]string{"rejected", "transition_not_allowed"}
			if late == "paid" {
				want = [2]string{"recorded", "late_payment"} // money taken: recorded for the operator (TestLatePayment)
			}
			if got.Status != tt.want || last.Result != want[0] || last.Reason != want[1] {
				t.Errorf("after late return: %s, last event %+v", got.Status, last)
			}
		})
	}
}

// TestForgedAndMismatchedMessages: every rejected message is recorded as an
// event and changes nothing.
func TestForgedAndMismatchedMessages(t *testing.T) {
	h := startHost(t, hostOptions{})
	victim := h.create("test", 5000)
	bystander := h.create("test", 5000)
	paid := h.payForms(victim.ID)["paid"].fields
	otherPaid := h.payForms(bystander.ID)["paid"].fields

	with := func(k, v string) url.Values {
		f := url.Values{}
		for name, vs := range paid {
			f[name] = append([]string(nil), vs...)
		}
		f.Set(k, v)
		return f
	}
	tests := []struct {
		name   string
		fields url.Values
		status int
		reason string
	}{
		{"bad signature", with("sig", flipFirst(paid.Get("sig"))), 400, "invalid_signature"},
		{"tampered amount", with("amount", "1"), 400, "invalid_signature"},
		{"other amount, validly signed", resign(with("amount", "4999"), signingKey), 400, "amount_mismatch"},
		{"other currency, validly signed", resign(with("currency", "USD"), signingKey), 400, "currency_mismatch"},
		{"another session's reference", resign(with("reference", otherPaid.Get("reference")), signingKey), 400, "reference_mismatch"},
		{"signed with another key", resign(paid, "not_the_configured_key_000"), 400, "invalid_signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.with(t)
			before := len(h.get(victim.ID).Events)
			h.expect(h.do("POST", "/notify/offline/"+victim.ID, "", tt.fields), tt.status)
			s := h.get(victim.ID)
			if s.Status != "pending" {
				t.Fatalf("status changed to %s", s.Status)
			}
			if len(s.Events) != before+1 {
				t.Fatalf("events %d → %d, want one rejection recorded", before, len(s.Events))
			}
			last := s.Events[len(s.Events)-1]
			if last.Result != "rejected" || last.Reason != tt.reason || last.Source != "notification" {
				t.Errorf("recorded %+v, want rejected %s", last, tt.reason)
			}
		})
	}
	t.Run("another session's notification on this session's URL", func(t *testing.T) {
		h := h.with(t)
		h.expect(h.do("POST", "/notify/offline/"+victim.ID, "", otherPaid), http.StatusBadRequest)
		if got := h.get(victim.ID).Status; got != "pending" {
			t.Fatalf("status changed to %s", got)
		}
	})
	t.Run("forged browser return does not settle", func(t *testing.T) {
		h := h.with(t)
		r := h.expect(h.do("POST", "/return/"+victim.ID, "", with("sig", "deadbeef")), http.StatusSeeOther)
		if u, _ := url.Parse(r.header.Get("Location")); u.Query().Get("status") != "pending" {
			t.Errorf("forged return sent the shop %s", r.header.Get("Location"))
		}
		s := h.get(victim.ID)
		if s.Status != "pending" || s.Events[len(s.Events)-1].Reason != "invalid_signature" {
			t.Errorf("after forged return: %s, %+v", s.Status, s.Events[len(s.Events)-1])
		}
	})
	t.Run("bare return is recorded and stays pending", func(t *testing.T) {
		h := h.with(t)
		r := h.expect(h.do("GET", "/return/"+victim.ID, "", nil), http.StatusSeeOther)
		if u, _ := url.Parse(r.header.Get("Location")); u.Query().Get("status") != "pending" {
			t.Errorf("bare return sent the shop %s", r.header.Get("Location"))
		}
		s := h.get(victim.ID)
		if last := s.Events[len(s.Events)-1]; last.Source != "return" || last.Result != "recorded" {
			t.Errorf("bare return recorded as %+v", last)
		}
	})
	t.Run("unknown session", func(t *testing.T) {
		h := h.with(t)
		h.expect(h.do("POST", "/notify/offline/ps_nope", "", paid), http.StatusNotFound)
		h.expect(h.do("GET", "/return/ps_nope", "", nil), http.StatusNotFound)
		h.expect(h.do("GET", "/pay/ps_nope", "", nil), http.StatusNotFound)
	})
	t.Run("the victim still pays normally", func(t *testing.T) {
		h := h.with(t)
		h.expect(h.do("POST", "/notify/offline/"+victim.ID, "", paid), http.StatusOK)
		if got := h.get(victim.ID).Status; got != "paid" {
			t.Errorf("status = %s", got)
		}
	})
}

func TestFreeAndDeferredModes(t *testing.T) {
	h := startHost(t, hostOptions{})
	t.Run("free settles at once", func(t *testing.T) {
		h := h.with(t)
		s := h.create("free", 0)
		if s.Status != "paid" || s.Amount != 0 {
			t.Errorf("free session = %+v", s)
		}
	})
	t.Run("cheque confirmed by the operator", func(t *testing.T) {
		h := h.with(t)
		s := h.create("cheque", 2500)
		if s.Status != "pending" || s.Instructions == nil || s.Instructions.Text == "" {
			t.Fatalf("cheque session = %+v", s)
		}
		page := h.expect(h.do("GET", "/pay/"+s.ID, "", nil), http.StatusOK)
		if !containsAll(string(page.body), "E2E Shop", s.Reference, "25,00\u00a0€") { // fr-FR customer
			t.Errorf("pay page lacks payee, reference or amount: %s", page.body)
		}
		h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/confirm", siteKey, nil), http.StatusUnauthorized)
		h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/confirm", adminKey, nil), http.StatusOK)
		if got := h.get(s.ID).Status; got != "paid" {
			t.Fatalf("status = %s", got)
		}
		// Confirming again changes nothing.
		h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/confirm", adminKey, nil), http.StatusOK)
		evs := h.get(s.ID).Events
		if last := evs[len(evs)-1]; last.Source != "operator" || last.Result != "duplicate" {
			t.Errorf("second confirm recorded %+v", last)
		}
	})
	t.Run("a test session cannot be confirmed", func(t *testing.T) {
		h := h.with(t)
		s := h.create("test", 2500)
		r := h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/confirm", adminKey, nil), http.StatusConflict)
		if got := r.errorCode(t); got != "invalid_state" {
			t.Errorf("code = %q", got)
		}
	})
	t.Run("operator lists by status and site", func(t *testing.T) {
		h := h.with(t)
		var list struct {
			Sessions []sessionJSON `json:"sessions"`
		}
		h.expect(h.do("GET", "/admin/v1/sessions?status=paid&site=shop", adminKey, nil), http.StatusOK).json(t, &list)
		if len(list.Sessions) < 2 {
			t.Errorf("paid sessions = %d, want at least 2", len(list.Sessions))
		}
		for _, s := range list.Sessions {
			if s.Status != "paid" {
				t.Errorf("listed %s session", s.Status)
			}
		}
		h.expect(h.do("GET", "/admin/v1/sessions?status=bogus", adminKey, nil), http.StatusBadRequest)
	})
}

func TestIdempotencyKey(t *testing.T) {
	h := startHost(t, hostOptions{})
	body := createReq("test", 1500)
	first := h.expect(h.do("POST", "/v1/sessions", siteKey, body, "Idempotency-Key", "order-42-a"), http.StatusCreated)
	again := h.expect(h.do("POST", "/v1/sessions", siteKey, body, "Idempotency-Key", "order-42-a"), http.StatusCreated)
	var a, b sessionJSON
	first.json(t, &a)
	again.json(t, &b)
	if a.ID != b.ID || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay gave %s (replayed=%q), first %s", b.ID, again.header.Get("Idempotent-Replayed"), a.ID)
	}
	other := createReq("test", 1600)
	r := h.expect(h.do("POST", "/v1/sessions", siteKey, other, "Idempotency-Key", "order-42-a"), http.StatusUnprocessableEntity)
	if got := r.errorCode(t); got != "idempotency_key_reused" {
		t.Errorf("code = %q", got)
	}
	// Keys are per site: the other site may use the same key.
	h.expect(h.do("POST", "/v1/sessions", otherSiteKey, createReq("cheque", 1500), "Idempotency-Key", "order-42-a"), http.StatusCreated)
}

func TestHealth(t *testing.T) {
	h := startHost(t, hostOptions{})
	h.expect(h.do("GET", "/healthz", "", nil), http.StatusOK)
	h.expect(h.do("GET", "/readyz", "", nil), http.StatusOK)
	var p struct {
		Plugins []map[string]any `json:"plugins"`
	}
	h.expect(h.do("GET", "/admin/v1/plugins", adminKey, nil), http.StatusOK).json(t, &p)
	if len(p.Plugins) != 1 {
		t.Errorf("plugins = %v", p.Plugins)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// flipFirst changes the first hex digit, so the value always differs.
func flipFirst(hex string) string {
	if hex[0] == '0' {
		return "1" + hex[1:]
	}
	return "0" + hex[1:]
}
