package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// abandonForm reads the "choose another payment method" form of a page
// (the one posting to /checkout/{id}/abandon).
func abandonForm(t *testing.T, page []byte) form {
	t.Helper()
	for _, f := range parseForms(t, page) {
		if strings.HasSuffix(f.action, "/abandon") {
			return f
		}
	}
	t.Fatalf("no abandon form on the page: %s", page)
	return form{}
}

// pickedSession picks mode on the hosted chooser and returns the session.
func pickedSession(t *testing.T, h *host, checkoutID, mode string) string {
	t.Helper()
	r := h.expect(h.pick(checkoutID, mode), http.StatusSeeOther)
	return strings.TrimPrefix(pathOf(t, r.header.Get("Location")), "/pay/")
}

func lastEvent(t *testing.T, s sessionJSON) (source, result, reason string) {
	t.Helper()
	if len(s.Events) == 0 {
		t.Fatal("no events")
	}
	e := s.Events[len(s.Events)-1]
	return e.Source, e.Result, e.Reason
}

// TestCheckoutAbandon: a buyer who left a form-post provider (Back) is not
// locked out of the checkout: /pay does not post the provider's form twice
// (the provider refuses a transaction posted again), and the attempt can be
// abandoned to choose another mode, on the hosted pages and in the widget.
func TestCheckoutAbandon(t *testing.T) {
	sandbox := startSandbox(t)
	h := startHost(t, hostOptions{dir: providerDir, modes: strings.ReplaceAll(mercanetMode, "%s", sandbox) + widgetSite})

	t.Run("form-post attempt left, then abandoned", func(t *testing.T) {
		h := h.with(t)
		c := h.createCheckout(checkoutReq(1999, "en-GB"))
		sid := pickedSession(t, h, c.ID, "mercanet")
		// A link previewer or mail scanner fetching the page (no
		// Sec-Fetch-Dest: document) does not use up the one visit.
		for range 2 {
			scanned := h.expect(h.do("GET", "/pay/"+sid, "", nil, "Sec-Fetch-Dest", "empty"), http.StatusOK)
			if f := onlyForm(t, scanned.body); !strings.HasPrefix(f.action, sandbox) {
				t.Fatalf("a scanner's fetch does not get the provider's form: %s", f.action)
			}
		}
		first := h.expect(h.do("GET", "/pay/"+sid, "", nil), http.StatusOK)
		if f := onlyForm(t, first.body); !strings.HasPrefix(f.action, sandbox) {
			t.Fatalf("the first visit does not post to the provider: %s", f.action)
		}
		// Back on /pay: the form is not posted again.
		again := h.expect(h.do("GET", "/pay/"+sid, "", nil), http.StatusConflict)
		if strings.Contains(string(again.body), sandbox) || !strings.Contains(string(again.body), "Payment interrupted") ||
			!strings.Contains(string(again.body), "Mercanet") {
			t.Errorf("second visit of /pay: %s", again.body)
		}
		if f := abandonForm(t, again.body); f.action != "/checkout/"+c.ID+"/abandon" || f.fields.Get("session") != sid {
			t.Errorf("abandon form %+v", f)
		}
		// The chooser does not offer to continue what cannot be continued.
		page := h.expect(h.do("GET", "/checkout/"+c.ID, "", nil), http.StatusConflict)
		if strings.Contains(string(page.body), "/pay/"+sid) || !strings.Contains(string(page.body), "Payment interrupted") {
			t.Errorf("the chooser offers to continue a left form-post attempt: %s", page.body)
		}
		f := abandonForm(t, page.body)

		// Forged or foreign tokens are refused, and change nothing.
		other := h.createCheckout(checkoutReq(500, "en-GB"))
		otherSID := pickedSession(t, h, other.ID, "test")
		otherForm := abandonForm(t, h.expect(h.do("GET", "/checkout/"+other.ID, "", nil), http.StatusConflict).body)
		for name, fields := range map[string]url.Values{
			"no token":              {"session": {sid}},
			"wrong token":           {"session": {sid}, "token": {"00"}},
			"token of another one":  {"session": {sid}, "token": otherForm.fields["token"]},
			"another checkout's":    otherForm.fields,
			"token for another try": {"session": {otherSID}, "token": f.fields["token"]},
		} {
			r := h.expect(h.do("POST", "/checkout/"+c.ID+"/abandon", "", fields), http.StatusForbidden)
			if !strings.Contains(string(r.body), "out of date") || !strings.Contains(string(r.body), "/checkout/"+c.ID) {
				t.Errorf("%s: refusal page %s", name, r.body)
			}
		}
		if got := h.get(sid).Status; got != "pending" {
			t.Fatalf("after refused abandons: %s", got)
		}

		r := h.expect(h.do("POST", f.action, "", f.fields), http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != h.base+"/checkout/"+c.ID+"?attempt=abandoned" {
			t.Errorf("after abandon: Location %q", loc)
		}
		s := h.get(sid)
		if src, res, reason := lastEvent(t, s); s.Status != "cancelled" || src != "buyer" || res != "applied" || reason != "abandoned_by_buyer" {
			t.Errorf("abandoned attempt: %s %v (%s)", s.Status, timeline(s), reason)
		}
		// Mercanet can query: the provider was asked first (nothing there).
		asked := false
		for _, e := range s.Events {
			asked = asked || (e.Source == "buyer" && e.Reason == "query_no_state")
		}
		if !asked {
			t.Errorf("the provider was not asked before cancelling: %v", timeline(s))
		}
		if d := h.deliveries(sid); !containsEvent(d, sid+":cancelled") {
			t.Errorf("no cancellation webhook queued: %+v", d.Events)
		}
		chooser := h.expect(h.do("GET", pathOf(t, r.header.Get("Location")), "", nil), http.StatusOK)
		if !strings.Contains(string(chooser.body), "previous payment attempt was cancelled") || !strings.Contains(string(chooser.body), `value="mercanet"`) {
			t.Errorf("chooser after abandon: %s", chooser.body)
		}
		// The same form again: nothing under way, back to the chooser.
		if loc := h.expect(h.do("POST", f.action, "", f.fields), http.StatusSeeOther).header.Get("Location"); loc != h.base+"/checkout/"+c.ID {
			t.Errorf("second abandon: Location %q", loc)
		}
		// Another mode now, on the same checkout.
		sid2 := pickedSession(t, h, c.ID, "test")
		if loc := h.expect(h.payTest(sid2, "paid"), http.StatusSeeOther).header.Get("Location"); !strings.Contains(loc, "status=paid") {
			t.Errorf("paying the second attempt: %s", loc)
		}
		if got := h.getCheckout(c.ID); got.Status != "complete" || len(got.Sessions) != 2 || got.Sessions[0].Status != "cancelled" {
			t.Errorf("checkout: %+v", got)
		}
	})

	t.Run("the provider reports it paid: applied, not cancelled", func(t *testing.T) {
		h := h.with(t)
		c := h.createCheckout(checkoutReq(1999, "fr-FR"))
		sid := pickedSession(t, h, c.ID, "mercanet")
		// Paid at the sandbox, with neither notification nor return.
		b := newBrowser(t)
		init := onlyForm(t, h.expect(h.do("GET", "/pay/"+sid, "", nil), http.StatusOK).body)
		status, hosted, _ := b.submit(h.base, init, nil)
		if status != http.StatusOK {
			t.Fatalf("paymentInit: %d %s", status, hosted)
		}
		if status, _, _ := b.submit(init.action, onlyForm(t, hosted), url.Values{"choice": {"accept-silent"}}); status != http.StatusOK {
			t.Fatalf("choice: %d", status)
		}
		page := h.expect(h.do("GET", "/checkout/"+c.ID, "", nil), http.StatusConflict)
		if !strings.Contains(string(page.body), "Paiement interrompu") {
			t.Errorf("the French page: %s", page.body)
		}
		f := abandonForm(t, page.body)
		r := h.expect(h.do("POST", f.action, "", f.fields), http.StatusSeeOther)
		if u, err := url.Parse(r.header.Get("Location")); err != nil || u.Host != "shop.example" || u.Query().Get("status") != "paid" {
			t.Errorf("a paid attempt's abandon goes to %q, want the shop's return page as paid", r.header.Get("Location"))
		}
		s := h.get(sid)
		if src, res, _ := lastEvent(t, s); s.Status != "paid" || src != "buyer" || res != "applied" {
			t.Errorf("paid attempt after abandon: %s %v", s.Status, timeline(s))
		}
		if got := h.getCheckout(c.ID); got.Status != "complete" {
			t.Errorf("checkout %s", got.Status)
		}
	})

	t.Run("widget", func(t *testing.T) {
		h := h.with(t)
		c := h.createCheckout(checkoutReq(2590, "en-GB"))
		path := "/v1/public/checkouts/" + c.ID
		auth, origin := "Bearer "+c.ClientSecret, "https://shop.example"
		var picked struct {
			SessionID string `json:"session_id"`
		}
		h.expect(h.do("POST", path+"/sessions", "", map[string]string{"mode": "cheque"}, "Authorization", auth, "Origin", origin),
			http.StatusCreated).json(t, &picked)
		var st struct {
			Message struct {
				LinkURL      string `json:"link_url"`
				SessionID    string `json:"session_id"`
				AbandonLabel string `json:"abandon_label"`
			} `json:"message"`
		}
		h.expect(h.do("GET", path, "", nil, "Authorization", auth, "Origin", origin), http.StatusOK).json(t, &st)
		// Cheque instructions can be shown again: continue and abandon.
		if st.Message.SessionID != picked.SessionID || st.Message.AbandonLabel != "Choose another payment method" || st.Message.LinkURL == "" {
			t.Errorf("under way: %+v", st.Message)
		}
		body := map[string]string{"session_id": picked.SessionID}
		if code := h.expect(h.do("POST", path+"/abandon", "", body, "Authorization", "Bearer wrong", "Origin", origin), http.StatusNotFound).errorCode(t); code != "not_found" {
			t.Errorf("wrong secret: %s", code)
		}
		if code := h.expect(h.do("POST", path+"/abandon", "", body, "Authorization", auth, "Origin", "https://evil.example"), http.StatusForbidden).errorCode(t); code != "origin_not_allowed" {
			t.Errorf("foreign origin: %s", code)
		}
		if code := h.expect(h.do("POST", path+"/abandon", "", map[string]string{"session_id": "ps_other"}, "Authorization", auth, "Origin", origin), http.StatusConflict).errorCode(t); code != "invalid_state" {
			t.Errorf("another session: %s", code)
		}
		if got := h.get(picked.SessionID).Status; got != "pending" {
			t.Fatalf("after refused abandons: %s", got)
		}
		var out struct {
			SessionID     string `json:"session_id"`
			SessionStatus string `json:"session_status"`
			RedirectURL   string `json:"redirect_url"`
		}
		r := h.expect(h.do("POST", path+"/abandon", "", body, "Authorization", auth, "Origin", origin), http.StatusOK)
		r.json(t, &out)
		if out.SessionID != picked.SessionID || out.SessionStatus != "cancelled" || out.RedirectURL != "" || r.header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("abandon: %+v", out)
		}
		if got := h.getCheckout(c.ID).Status; got != "open" {
			t.Errorf("checkout after abandon: %s", got)
		}
		// Nothing under way any more: a clear refusal.
		busy := h.expect(h.do("POST", path+"/abandon", "", body, "Authorization", auth, "Origin", origin), http.StatusConflict)
		if busy.errorCode(t) != "invalid_state" || !strings.Contains(string(busy.body), "No payment of this order is under way") {
			t.Errorf("second abandon: %s", busy.body)
		}
		pf := h.do("OPTIONS", path+"/abandon", "", nil, "Origin", origin, "Access-Control-Request-Method", "POST")
		if pf.status != http.StatusNoContent {
			t.Errorf("preflight: %d", pf.status)
		}
	})
}

func containsEvent(d deliveriesJSON, eventID string) bool {
	for _, e := range d.Events {
		if e.EventID == eventID {
			return true
		}
	}
	return false
}
