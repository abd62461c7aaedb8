package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type checkoutJSON struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Livemode     *bool  `json:"livemode"`
	URL          string `json:"url"`
	ClientSecret string `json:"client_secret"`
	Amount       int64  `json:"amount"`
	SessionID    string `json:"session_id"`
	Sessions     []struct {
		ID, Mode, Status string
	} `json:"sessions"`
}

func checkoutReq(total int64, locale string) map[string]any {
	req := createReq("", total)
	delete(req, "mode")
	req["customer"].(map[string]any)["locale"] = locale
	return req
}

func (h *host) createCheckout(req map[string]any) checkoutJSON {
	h.t.Helper()
	var c checkoutJSON
	h.expect(h.do("POST", "/v1/checkouts", siteKey, req), http.StatusCreated).json(h.t, &c)
	return c
}

func (h *host) getCheckout(id string) checkoutJSON {
	h.t.Helper()
	var c checkoutJSON
	h.expect(h.do("GET", "/v1/checkouts/"+id, siteKey, nil), http.StatusOK).json(h.t, &c)
	return c
}

// pick posts the hosted chooser's form as a browser does.
func (h *host) pick(id, mode string) response {
	h.t.Helper()
	return h.do("POST", "/checkout/"+id, "", url.Values{"mode": {mode}})
}

// payTest settles a test-mode session through its pay page's form.
func (h *host) payTest(sessionID, outcome string) response {
	h.t.Helper()
	f, ok := h.payForms(sessionID)[outcome]
	if !ok {
		h.t.Fatalf("no %s form on the pay page", outcome)
	}
	return h.do("POST", pathOf(h.t, f.action), "", f.fields)
}

func TestCheckoutRetryAfterRefusal(t *testing.T) {
	h := startHost(t, hostOptions{})
	c := h.createCheckout(checkoutReq(2590, "fr-FR"))
	if !strings.HasPrefix(c.ID, "co_") || c.Status != "open" || c.URL != h.base+"/checkout/"+c.ID || c.ClientSecret == "" || c.Amount != 2590 ||
		c.Livemode == nil || *c.Livemode {
		t.Fatalf("checkout: %+v", c)
	}

	page := h.expect(h.do("GET", "/checkout/"+c.ID, "", nil), http.StatusOK)
	for _, want := range []string{`lang="fr"`, "25,90\u00a0€", "Commande order-42", `name="mode" value="test"`, `value="cheque"`, "Paiement sécurisé"} {
		if !strings.Contains(string(page.body), want) {
			t.Errorf("checkout page lacks %q", want)
		}
	}
	if strings.Contains(string(page.body), `value="free"`) {
		t.Error("free offered on a paying cart")
	}
	// The description is inside the button: described-by as well, screen
	// readers read it twice.
	if strings.Contains(string(page.body), "aria-describedby") {
		t.Error("the chooser's buttons still point at their description with aria-describedby")
	}
	en := h.expect(h.do("GET", "/checkout/"+c.ID, "", nil, "Accept-Language", "en-US"), http.StatusOK)
	if !strings.Contains(string(en.body), `lang="fr"`) {
		t.Error("the customer's locale does not come before Accept-Language")
	}

	// First attempt: test mode, refused; the buyer lands on the checkout.
	r := h.expect(h.pick(c.ID, "test"), http.StatusSeeOther)
	sid := strings.TrimPrefix(pathOf(t, r.header.Get("Location")), "/pay/")
	first := h.get(sid)
	if first.Status != "pending" || first.Mode != "test" || first.Amount != 2590 {
		t.Fatalf("first attempt: %+v", first)
	}
	var linked struct {
		CheckoutID string `json:"checkout_id"`
	}
	h.do("GET", "/v1/sessions/"+sid, siteKey, nil).json(t, &linked)
	if linked.CheckoutID != c.ID {
		t.Errorf("session names checkout %q, want %q", linked.CheckoutID, c.ID)
	}
	// A second pick while the first is pending is refused with a page.
	busy := h.expect(h.pick(c.ID, "cheque"), http.StatusConflict)
	if !strings.Contains(string(busy.body), "/pay/"+sid) {
		t.Error("the under-way page does not lead back to the pending payment")
	}
	back := h.expect(h.payTest(sid, "refused"), http.StatusSeeOther)
	if loc := back.header.Get("Location"); loc != h.base+"/checkout/"+c.ID+"?attempt=refused" {
		t.Fatalf("after refusal: Location %q", loc)
	}
	again := h.expect(h.do("GET", pathOf(t, back.header.Get("Location")), "", nil), http.StatusOK)
	if !strings.Contains(string(again.body), "Votre paiement a été refusé") {
		t.Error("the checkout does not say the attempt was refused")
	}
	if got := h.getCheckout(c.ID); got.Status != "open" || len(got.Sessions) != 1 || got.Sessions[0].Status != "refused" {
		t.Errorf("after refusal: %+v", got)
	}

	// Second attempt on the same checkout: paid; the buyer goes to the shop.
	r = h.expect(h.pick(c.ID, "test"), http.StatusSeeOther)
	sid2 := strings.TrimPrefix(pathOf(t, r.header.Get("Location")), "/pay/")
	paid := h.expect(h.payTest(sid2, "paid"), http.StatusSeeOther)
	loc := paid.header.Get("Location")
	if u, err := url.Parse(loc); err != nil || u.Host != "shop.example" || u.Path != "/return" || u.Query().Get("order") != "42" || u.Query().Get("status") != "paid" {
		t.Errorf("after payment: Location %q", loc)
	}
	got := h.getCheckout(c.ID)
	if got.Status != "complete" || got.SessionID != sid2 || len(got.Sessions) != 2 {
		t.Errorf("after payment: %+v", got)
	}
	// Paid once: the page says so and another pick creates nothing.
	done := h.expect(h.do("GET", "/checkout/"+c.ID, "", nil), http.StatusOK)
	if !strings.Contains(string(done.body), "Cette commande est déjà payée") || !strings.Contains(string(done.body), "shop.example/return") {
		t.Error("the paid checkout's page does not say it is paid with a way back to the shop")
	}
	h.expect(h.pick(c.ID, "cheque"), http.StatusOK)
	if n := len(h.getCheckout(c.ID).Sessions); n != 2 {
		t.Errorf("%d sessions after a pick on a paid checkout", n)
	}
}

func TestCheckoutPages(t *testing.T) {
	h := startHost(t, hostOptions{modes: widgetSite})

	t.Run("free order settles at once", func(t *testing.T) {
		h := h.with(t)
		c := h.createCheckout(checkoutReq(0, "en-GB"))
		page := string(h.expect(h.do("GET", "/checkout/"+c.ID, "", nil), http.StatusOK).body)
		if !strings.Contains(page, `value="free"`) || strings.Contains(page, `value="test"`) {
			t.Errorf("zero cart offers: %s", page)
		}
		r := h.expect(h.pick(c.ID, "free"), http.StatusSeeOther)
		if loc := r.header.Get("Location"); !strings.Contains(loc, "status=paid") {
			t.Errorf("free pick goes to %q", loc)
		}
	})

	t.Run("cancelled attempt", func(t *testing.T) {
		h := h.with(t)
		c := h.createCheckout(checkoutReq(1500, "en-GB"))
		r := h.expect(h.pick(c.ID, "test"), http.StatusSeeOther)
		sid := strings.TrimPrefix(pathOf(t, r.header.Get("Location")), "/pay/")
		back := h.expect(h.payTest(sid, "cancelled"), http.StatusSeeOther)
		if loc := back.header.Get("Location"); !strings.HasSuffix(loc, "/checkout/"+c.ID+"?attempt=cancelled") {
			t.Errorf("after cancel: %q", loc)
		}
		page := string(h.expect(h.do("GET", pathOf(t, back.header.Get("Location")), "", nil), http.StatusOK).body)
		if !strings.Contains(page, "Your payment was cancelled") || !strings.Contains(page, "€15.00") {
			t.Error("the English checkout does not show the cancellation or the amount")
		}
	})

	t.Run("deferred instructions in French", func(t *testing.T) {
		h := h.with(t)
		c := h.createCheckout(checkoutReq(2590, "fr-FR"))
		r := h.expect(h.pick(c.ID, "cheque"), http.StatusSeeOther)
		page := string(h.expect(h.do("GET", pathOf(t, r.header.Get("Location")), "", nil), http.StatusOK).body)
		for _, want := range []string{"Bénéficiaire", "E2E Shop", "25,90\u00a0€", "Comment payer", "retour à la boutique"} {
			if !strings.Contains(page, want) {
				t.Errorf("cheque page lacks %q", want)
			}
		}
	})

	t.Run("expired", func(t *testing.T) {
		h := h.with(t)
		req := checkoutReq(1500, "en-GB")
		req["expires_in"] = 1
		c := h.createCheckout(req)
		time.Sleep(1100 * time.Millisecond)
		if got := h.getCheckout(c.ID); got.Status != "expired" {
			t.Errorf("status %q", got.Status)
		}
		page := string(h.expect(h.do("GET", "/checkout/"+c.ID, "", nil), http.StatusGone).body)
		if !strings.Contains(page, "This checkout has expired") || !strings.Contains(page, "https://shop.example/cancel") {
			t.Error("the expired page has no explanation or no way back to the shop")
		}
		h.expect(h.pick(c.ID, "test"), http.StatusGone)
	})

	t.Run("unknown and other site", func(t *testing.T) {
		h := h.with(t)
		c := h.createCheckout(checkoutReq(1500, "fr-FR"))
		if code := h.expect(h.do("GET", "/v1/checkouts/"+c.ID, otherSiteKey, nil), http.StatusNotFound).errorCode(t); code != "not_found" {
			t.Errorf("other site: %s", code)
		}
		page := string(h.expect(h.do("GET", "/checkout/co_aaaa", "", nil, "Accept-Language", "fr"), http.StatusNotFound).body)
		if !strings.Contains(page, "Paiement introuvable") {
			t.Error("the unknown checkout page is not in the browser's language")
		}
		// No dead end: back to the shop the browser came from when it is a
		// site's allowed origin, else the browser's Back.
		for _, path := range []string{"/checkout/co_aaaa", "/pay/ps_nope", "/return/ps_nope"} {
			known := string(h.expect(h.do("GET", path, "", nil, "Accept-Language", "fr", "Referer", "https://shop.example/cart?x=1"), http.StatusNotFound).body)
			if !strings.Contains(known, `href="https://shop.example/"`) || !strings.Contains(known, "Retour à shop") {
				t.Errorf("%s from the shop: no link back to it: %s", path, known)
			}
			for _, ref := range []string{"", "https://evil.example/phish"} {
				other := string(h.expect(h.do("GET", path, "", nil, "Accept-Language", "en", "Referer", ref), http.StatusNotFound).body)
				if strings.Contains(other, "evil.example") || !strings.Contains(other, "history.back()") || !strings.Contains(other, "Return to the shop&#39;s website") {
					t.Errorf("%s from %q: no way back, or a link to an unknown site: %s", path, ref, other)
				}
			}
		}
	})

	t.Run("validation and idempotency", func(t *testing.T) {
		h := h.with(t)
		bad := checkoutReq(1500, "fr-FR")
		bad["return_url"] = "ftp://x"
		if code := h.expect(h.do("POST", "/v1/checkouts", siteKey, bad), http.StatusBadRequest).errorCode(t); code != "invalid_request" {
			t.Errorf("bad URL: %s", code)
		}
		mismatch := checkoutReq(1500, "fr-FR")
		mismatch["cart"].(map[string]any)["total_amount"] = 1
		h.expect(h.do("POST", "/v1/checkouts", siteKey, mismatch), http.StatusUnprocessableEntity)
		withMode := checkoutReq(1500, "fr-FR")
		withMode["mode"] = "test"
		h.expect(h.do("POST", "/v1/checkouts", siteKey, withMode), http.StatusBadRequest)

		req := checkoutReq(1500, "fr-FR")
		a := h.expect(h.do("POST", "/v1/checkouts", siteKey, req, "Idempotency-Key", "co-1"), http.StatusCreated)
		b := h.expect(h.do("POST", "/v1/checkouts", siteKey, req, "Idempotency-Key", "co-1"), http.StatusCreated)
		if string(a.body) != string(b.body) || b.header.Get("Idempotent-Replayed") != "true" {
			t.Error("the same key did not replay the checkout")
		}
		req["order_ref"] = "other"
		h.expect(h.do("POST", "/v1/checkouts", siteKey, req, "Idempotency-Key", "co-1"), http.StatusUnprocessableEntity)
		// The same key for a session is another namespace.
		h.expect(h.do("POST", "/v1/sessions", siteKey, createReq("test", 1500), "Idempotency-Key", "co-1"), http.StatusCreated)
	})
}

// widgetSite adds allowed_origins to the site "shop": the modes YAML is
// spliced into the site's modes, and a line indented four spaces is back
// at the site's level.
const widgetSite = "    allowed_origins: [\"https://shop.example\"]\n"

func TestWidgetEndpoints(t *testing.T) {
	h := startHost(t, hostOptions{modes: widgetSite})
	c := h.createCheckout(checkoutReq(2590, "en-GB"))
	path := "/v1/public/checkouts/" + c.ID
	auth := "Bearer " + c.ClientSecret
	origin := "https://shop.example"

	var pub struct {
		Status, Lang, Total string
		Text                map[string]string `json:"text"`
		ShopName            string            `json:"shop_name"`
		Modes               []struct {
			ID      string `json:"id"`
			LogoURL string `json:"logo_url"`
		} `json:"modes"`
	}
	r := h.expect(h.do("GET", path, "", nil, "Authorization", auth, "Origin", origin), http.StatusOK)
	r.json(t, &pub)
	if pub.Status != "open" || pub.Lang != "en" || pub.Total != "€25.90" || len(pub.Modes) == 0 || pub.Modes[0].ID != "test" {
		t.Errorf("widget data: %+v", pub)
	}
	if got := r.header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("Access-Control-Allow-Origin %q", got)
	}
	// The widget's own failure texts come in the buyer's language too.
	var fr struct {
		Text map[string]string `json:"text"`
	}
	frc := h.createCheckout(checkoutReq(100, "fr-FR"))
	h.expect(h.do("GET", "/v1/public/checkouts/"+frc.ID, "", nil, "Authorization", "Bearer "+frc.ClientSecret, "Origin", origin), http.StatusOK).json(t, &fr)
	if !strings.Contains(pub.Text["unreachable"], "cannot be reached") || !strings.Contains(pub.Text["error"], "{status}") ||
		!strings.Contains(fr.Text["unreachable"], "injoignable") || !strings.Contains(fr.Text["error"], "(erreur {status})") {
		t.Errorf("widget failure texts: en %q, fr %q", pub.Text, fr.Text)
	}
	if !strings.HasPrefix(pub.Modes[0].LogoURL, h.base+"/static/") {
		t.Errorf("logo %q is not an absolute URL on the host", pub.Modes[0].LogoURL)
	}
	// The logo is served.
	if lr := h.do("GET", pathOf(t, pub.Modes[0].LogoURL), "", nil); lr.status != http.StatusOK {
		t.Errorf("logo: %d", lr.status)
	}

	t.Run("refusals reveal nothing", func(t *testing.T) {
		h := h.with(t)
		if code := h.expect(h.do("GET", path, "", nil, "Origin", origin), http.StatusUnauthorized).errorCode(t); code != "unauthorized" {
			t.Errorf("no secret: %s", code)
		}
		other := h.createCheckout(checkoutReq(100, "en-GB"))
		for _, secret := range []string{"wrong", other.ClientSecret, siteKey} {
			if code := h.expect(h.do("GET", path, "", nil, "Authorization", "Bearer "+secret), http.StatusNotFound).errorCode(t); code != "not_found" {
				t.Errorf("secret %q: %s", secret, code)
			}
		}
		if code := h.expect(h.do("GET", path, "", nil, "Authorization", auth, "Origin", "https://evil.example"), http.StatusForbidden).errorCode(t); code != "origin_not_allowed" {
			t.Errorf("foreign origin: %s", code)
		}
		// The site key is not a client secret, and a client secret is not a site key.
		h.expect(h.do("GET", "/v1/checkouts/"+c.ID, c.ClientSecret, nil), http.StatusUnauthorized)
	})

	t.Run("preflight", func(t *testing.T) {
		h := h.with(t)
		pf := h.do("OPTIONS", path+"/sessions", "", nil, "Origin", origin, "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization,content-type")
		if pf.status != http.StatusNoContent || pf.header.Get("Access-Control-Allow-Origin") != origin ||
			!strings.Contains(pf.header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Errorf("preflight: %d %v", pf.status, pf.header)
		}
		if bad := h.do("OPTIONS", path, "", nil, "Origin", "https://evil.example"); bad.status != http.StatusForbidden {
			t.Errorf("foreign preflight: %d", bad.status)
		}
	})

	t.Run("pick", func(t *testing.T) {
		h := h.with(t)
		if code := h.expect(h.do("POST", path+"/sessions", "", map[string]string{"mode": "nope"}, "Authorization", auth, "Origin", origin),
			http.StatusUnprocessableEntity).errorCode(t); code != "unknown_mode" {
			t.Errorf("unknown mode: %s", code)
		}
		var picked struct {
			SessionID   string `json:"session_id"`
			RedirectURL string `json:"redirect_url"`
		}
		h.expect(h.do("POST", path+"/sessions", "", map[string]string{"mode": "test"}, "Authorization", auth, "Origin", origin),
			http.StatusCreated).json(t, &picked)
		if picked.RedirectURL != h.base+"/pay/"+picked.SessionID {
			t.Errorf("pick: %+v", picked)
		}
		busy := h.expect(h.do("POST", path+"/sessions", "", map[string]string{"mode": "cheque"}, "Authorization", auth, "Origin", origin), http.StatusConflict)
		if code := busy.errorCode(t); code != "attempt_active" {
			t.Errorf("second pick: %s", code)
		}
		r := h.expect(h.do("GET", path, "", nil, "Authorization", auth), http.StatusOK)
		var st struct {
			Status  string
			Modes   []any
			Message struct {
				LinkURL string `json:"link_url"`
			} `json:"message"`
		}
		r.json(t, &st)
		if st.Status != "processing" || len(st.Modes) != 0 || st.Message.LinkURL != h.base+"/pay/"+picked.SessionID {
			t.Errorf("under way: %+v", st)
		}
	})

	t.Run("widget script", func(t *testing.T) {
		h := h.with(t)
		for _, p := range []string{"/widget.js", "/widget/v1.js"} {
			r := h.expect(h.do("GET", p, "", nil), http.StatusOK)
			if !strings.Contains(r.header.Get("Content-Type"), "javascript") || r.header.Get("X-Payhost-Widget-Version") != "1" ||
				!strings.Contains(string(r.body), "/v1/public/checkouts/") {
				t.Errorf("%s: %v", p, r.header)
			}
			if strings.Contains(string(r.body), `"aria-describedby"`) {
				t.Errorf("%s: the mode buttons are described twice (aria-describedby)", p)
			}
		}
	})

	t.Run("rate limited", func(t *testing.T) {
		h := h.with(t)
		limited := false
		for range 40 {
			r := h.do("GET", path, "", nil, "Authorization", "Bearer wrong", "Origin", origin)
			if r.status == http.StatusTooManyRequests {
				limited = r.header.Get("Retry-After") != "" && r.errorCode(t) == "rate_limited"
				// The widget must be able to read the refusal: without
				// CORS headers the browser hides it as a network error.
				if got := r.header.Get("Access-Control-Allow-Origin"); got != origin {
					t.Errorf("429 readable by %q, want %q", got, origin)
				}
				break
			}
		}
		if !limited {
			t.Error("40 requests at once were not limited")
		}
		// Preflights are not limited: a refused one would fail the call
		// it announces as a network error too.
		h.expect(h.do("OPTIONS", path+"/sessions", "", nil, "Origin", origin, "Access-Control-Request-Method", "POST"), http.StatusNoContent)
	})
}

// TestWidgetLimitBehindAProxy: behind a reverse proxy listed in
// trusted_proxies, each buyer (X-Forwarded-For) has a bucket of their own;
// a forwarded address from a peer that is not listed is not believed.
func TestWidgetLimitBehindAProxy(t *testing.T) {
	h := startHost(t, hostOptions{modes: widgetSite, extra: `trusted_proxies: ["127.0.0.1", "10.0.0.0/8"]`})
	c := h.createCheckout(checkoutReq(2590, "en-GB"))
	path := "/v1/public/checkouts/" + c.ID
	get := func(forwarded string) int {
		return h.do("GET", path, "", nil, "Authorization", "Bearer "+c.ClientSecret, "Origin", "https://shop.example", "X-Forwarded-For", forwarded).status
	}
	limited := false
	for range 40 {
		if get("198.51.100.1, 10.1.1.1") == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("40 requests of one buyer at once were not limited")
	}
	if st := get("198.51.100.2"); st != http.StatusOK {
		t.Errorf("another buyer behind the same proxy: %d, want 200 (a bucket of its own)", st)
	}
	// The first buyer spoofing an address to the left of the one the proxy
	// appended gains nothing.
	if st := get("203.0.113.9, 198.51.100.1"); st != http.StatusTooManyRequests {
		t.Errorf("a spoofed X-Forwarded-For entry escaped the limit: %d", st)
	}
}
