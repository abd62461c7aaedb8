package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/storetest"
	"github.com/payhost/payhost/internal/browsertest"
)

const (
	veraKey  = "vera_personal_key_0123456789"
	oscarKey = "oscar_personal_key_0123456789"
)

// consoleOperators is the admin mapping's operators: one of each role,
// each with the password "<name>-password".
func consoleOperators(t *testing.T) string {
	hash := func(name string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(name+"-password"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	return fmt.Sprintf(`, operators: [
    {name: alice, role: admin, password_hash: %q},
    {name: oscar, role: operator, password_hash: %q, keys: [{name: laptop, created: 2026-11-01, secret: %q}]},
    {name: vera, role: viewer, password_hash: %q, keys: [{name: old, created: 2026-01-01, secret: "vera_old_key_0123456789abc"}, {name: new, created: 2026-11-01, secret: %q}]}]`,
		hash("alice"), hash("oscar"), oscarKey, hash("vera"), veraKey)
}

func fill(p *browsertest.Page, css, value string) {
	p.Poll(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.value = %q; return true; })()`, css, value), "filling "+css)
}

func login(p *browsertest.Page, base, name string) {
	p.Go(base + "/console/login")
	fill(p, "#name", name)
	fill(p, "#password", name+"-password")
	p.Click("#signin")
	p.WaitText("#whoami", name)
}

func logout(p *browsertest.Page) {
	p.Click("#logout")
	p.WaitVisible("#signin")
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// consoleClient signs in as name with an HTTP client of its own, as a
// script forging requests would; it returns the client and the CSRF token
// of its login.
func consoleClient(t *testing.T, h *host, name string) (*http.Client, string) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	page := func(r *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", r.Request.URL, r.StatusCode, b)
		}
		return string(b)
	}
	m := csrfField.FindStringSubmatch(page(c.Get(h.base + "/console/login")))
	if m == nil {
		t.Fatal("no CSRF token on the login page")
	}
	m = csrfField.FindStringSubmatch(page(c.PostForm(h.base+"/console/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {name + "-password"}})))
	if m == nil {
		t.Fatal("no CSRF token once signed in")
	}
	return c, m[1]
}

func postStatus(t *testing.T, c *http.Client, u string, form url.Values) int {
	t.Helper()
	r, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	return r.StatusCode
}

func TestConsoleBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests take a minute")
	}
	h := startHost(t, hostOptions{operators: consoleOperators(t)})
	b := browsertest.Start(t, browsertest.Options{Lang: "en-GB"})

	cheque := h.create("cheque", 5000)
	if cheque.Status != "pending" {
		t.Fatalf("cheque session is %s", cheque.Status)
	}

	t.Run("viewer sees no actions and a forged POST is refused", func(t *testing.T) {
		p := b.Page(t)
		login(p, h.base, "vera")
		p.Go(h.base + "/console/sessions/" + cheque.ID)
		p.WaitText("#status", "pending")
		shot(p, "console-viewer-session")
		p.Poll(`!document.querySelector('#actions') && !document.querySelector('#confirm') && !document.querySelector('.redeliver')`, "no action buttons")
		c, csrf := consoleClient(t, h, "vera")
		if st := postStatus(t, c, h.base+"/console/sessions/"+cheque.ID+"/confirm", url.Values{"csrf": {csrf}}); st != http.StatusForbidden {
			t.Fatalf("a viewer's forged confirm answered %d", st)
		}
		p.Poll(`!document.querySelector('a[href="/console/audit"]')`, "no audit link for a viewer")
		logout(p)
		// The same refusal through the operator API with the viewer's key.
		if r := h.do("POST", "/admin/v1/sessions/"+cheque.ID+"/confirm", veraKey, nil); r.status != http.StatusForbidden || r.errorCode(t) != "forbidden" {
			t.Fatalf("viewer's key confirming: %d %s", r.status, r.body)
		}
		h.expect(h.do("GET", "/admin/v1/sessions/"+cheque.ID, veraKey, nil), http.StatusOK)
		if got := h.get(cheque.ID).Status; got != "pending" {
			t.Fatalf("after the refusals the session is %s", got)
		}
	})

	t.Run("CSRF refusal, confirm a cheque, partial refund, redeliver", func(t *testing.T) {
		p := b.Page(t)
		login(p, h.base, "oscar")
		c, csrf := consoleClient(t, h, "oscar")
		for _, tok := range []string{"", "forged-token", csrf + "x"} {
			if st := postStatus(t, c, h.base+"/console/sessions/"+cheque.ID+"/confirm", url.Values{"csrf": {tok}}); st != http.StatusForbidden {
				t.Fatalf("a confirm with CSRF token %q answered %d", tok, st)
			}
		}
		if got := h.get(cheque.ID).Status; got != "pending" {
			t.Fatalf("a POST with a wrong CSRF token changed the session: %s", got)
		}
		p.Go(h.base + "/console/sessions/" + cheque.ID)
		shot(p, "console-session-pending")
		p.Click("#confirm")
		p.WaitText("#notice", "Payment confirmed")
		p.WaitText("#status", "paid")
		p.Poll(`!document.querySelector('#refund')`, "no refund button: cheques are refunded outside payhost")
		// A partial refund of a paid test-mode payment.
		paid := h.create("test", 5000)
		h.payTest(paid.ID, "paid")
		if got := h.get(paid.ID).Status; got != "paid" {
			t.Fatalf("test session is %s", got)
		}
		p.Go(h.base + "/console/sessions/" + paid.ID)
		fill(p, "#refund-amount", "1200")
		p.Click("#refund")
		p.WaitText("#notice", "Refund requested")
		p.WaitText("#status", "partially_refunded")
		p.WaitText("#refunded", "12.00")
		if got := h.get(paid.ID).Status; got != "partially_refunded" {
			t.Fatalf("after the refund the session is %s", got)
		}
		// The webhooks go to a closed port: redeliver the first one.
		p.WaitVisible(".redeliver")
		p.Click(".redeliver")
		p.WaitText("#notice", "Webhook queued")
		shot(p, "console-session-refunded")
		logout(p)
	})

	t.Run("admin switches a mode off and it leaves eligibility", func(t *testing.T) {
		p := b.Page(t)
		offered := func() bool {
			var res struct {
				Modes []struct {
					ID string `json:"id"`
				} `json:"modes"`
			}
			h.expect(h.do("POST", "/v1/eligibility", siteKey, map[string]any{"cart": cart(5000, "EUR", "FR")}), http.StatusOK).json(t, &res)
			for _, m := range res.Modes {
				if m.ID == "cheque" {
					return true
				}
			}
			return false
		}
		if !offered() {
			t.Fatal("cheque is not offered before the switch")
		}
		login(p, h.base, "alice")
		p.Go(h.base + "/console/sites?site=shop&total=5000&currency=EUR&country=FR&type=web")
		p.WaitText("#mode-shop-cheque .sim", "offered")
		p.Click("#mode-shop-cheque .switch-off")
		p.WaitText("#notice", "Mode switch saved")
		p.WaitText("#mode-shop-cheque .state", "switched off")
		if offered() {
			t.Fatal("cheque is still offered after the switch")
		}
		if r := h.do("POST", "/v1/sessions", siteKey, createReq("cheque", 5000)); r.status == http.StatusCreated {
			t.Fatalf("a session was created with a switched-off mode: %s", r.body)
		}
		p.Go(h.base + "/console/sites?site=shop&total=5000&currency=EUR&country=FR&type=web")
		p.WaitText("#mode-shop-cheque .sim", "mode_disabled")
		shot(p, "console-sites")
		p.Click("#mode-shop-cheque .switch-on")
		p.WaitText("#mode-shop-cheque .state", "on")
		if !offered() {
			t.Fatal("cheque is not offered after switching it back on")
		}
		p.Go(h.base + "/console/audit")
		p.WaitText("#audit", "mode_switch")
		p.WaitText("#audit", "csrf_refused")
		p.WaitText("#audit", "POST /admin/v1/sessions/{id}/confirm")
		shot(p, "console-audit")
		// JSON lines: read directly (the spec validator decodes one JSON value).
		req, _ := http.NewRequest("GET", h.base+"/admin/v1/audit?format=jsonl", nil)
		req.Header.Set("Authorization", "Bearer "+adminKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if lines := strings.Count(string(body), "\n"); resp.StatusCode != http.StatusOK || lines < 8 || !strings.Contains(string(body), `"actor":"oscar"`) {
			t.Fatalf("audit export: %d, %d lines: %s", resp.StatusCode, lines, body)
		}
		h.expect(h.do("GET", "/admin/v1/audit?actor=oscar", adminKey, nil), http.StatusOK)
		h.expect(h.do("GET", "/admin/v1/audit", oscarKey, nil), http.StatusForbidden)
	})

	t.Run("admin reloads from the console, and resolves a session needing attention", func(t *testing.T) {
		p := b.Page(t)
		login(p, h.base, "alice")
		p.Go(h.base + "/console/plugins")
		p.WaitVisible("#reload")
		shot(p, "console-plugins")
		p.Click("#reload")
		p.WaitText("#notice", "Configuration and plugins reloaded")
		p.WaitText("#reload-changes", "unchanged")
		shot(p, "console-reload")
		// A change only a restart applies: refused, with the reason, and
		// nothing changes.
		cfg, err := os.ReadFile(h.main.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(h.main.ConfigPath, []byte(strings.Replace(string(cfg), "log: {level: warn}", "log: {level: info}", 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.WriteFile(h.main.ConfigPath, cfg, 0o600) })
		p.Click("#back-to-plugins")
		p.Click("#reload")
		p.WaitText("#error", "reload_failed")
		p.WaitText("#error", "log changed: restart the host")
		p.WaitText("#reload-result", "unchanged")
		shot(p, "console-reload-failed")
		h.expect(h.do("GET", "/v1/sessions/"+cheque.ID, siteKey, nil), http.StatusOK)
		if err := os.WriteFile(h.main.ConfigPath, cfg, 0o600); err != nil {
			t.Fatal(err)
		}
		p.Go(h.base + "/console/audit")
		p.WaitText("#audit", "reload_failed")

		// A late payment flagged for an operator: resolved from its page.
		s := storetest.NewSession("ps_attention", time.Now().UTC())
		s.Status, s.NeedsAttention, s.ExpiresAt, s.NextCheckAt = session.StatusPaid, true, time.Now().Add(24*time.Hour), time.Time{}
		if err := h.main.Store.CreateSession(context.Background(), s, nil, nil); err != nil {
			t.Fatal(err)
		}
		p.Go(h.base + "/console/")
		p.WaitText("#attention", "1")
		p.Go(h.base + "/console/sessions?needs_attention=on")
		p.WaitText("#sessions", "ps_attention")
		p.Go(h.base + "/console/sessions/ps_attention")
		p.WaitVisible("#needs-attention")
		p.Click("#resolve")
		p.WaitText("#notice", "Marked as resolved")
		p.Poll(`!document.querySelector('#needs-attention') && !document.querySelector('#resolve')`, "the attention flag gone")
		p.WaitText("#events", "attention_resolved")
		shot(p, "console-resolved")
		logout(p)
	})

	t.Run("filter and page through 10,000 sessions", func(t *testing.T) {
		p := b.Page(t)
		ctx := context.Background()
		now := time.Now().UTC()
		start := time.Now()
		for i := range 10000 {
			s := storetest.NewSession(fmt.Sprintf("ps_bulk%05d", i), now.Add(-time.Duration(i)*time.Second))
			s.Status, s.OrderRef, s.Amount = session.StatusPaid, fmt.Sprintf("bulk-%05d", i), int64(100+i%80)
			s.ExpiresAt, s.NextCheckAt, s.Reference, s.ProviderTransactionID = now.Add(24*time.Hour), time.Time{}, fmt.Sprintf("BULK%05d", i), ""
			if err := h.main.Store.CreateSession(ctx, s, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("10,000 sessions inserted in %s", time.Since(start))
		login(p, h.base, "vera")
		p.Go(h.base + "/console/sessions")
		p.WaitText("#sessions", "ps_bulk00000")
		shot(p, "console-sessions")
		// amount 142 is 125 sessions: three pages of 50, 50 and 25.
		fill(p, "#f-amount", "142")
		p.Click("#f-apply")
		p.WaitText("#sessions", "ps_bulk00042")
		seen := map[string]bool{}
		for page := 1; ; page++ {
			p.WaitURL(h.base + "/console/sessions?")
			var n int
			ids := p.Text("#sessions tbody")
			for _, f := range strings.Fields(ids) {
				if strings.HasPrefix(f, "ps_bulk") {
					if seen[f] {
						t.Fatalf("page %d repeats %s", page, f)
					}
					seen[f] = true
					n++
				}
			}
			if page < 3 {
				if n != 50 {
					t.Fatalf("page %d has %d sessions", page, n)
				}
				u := p.URL()
				p.Click("#next")
				p.Poll(fmt.Sprintf(`window.location.href !== %q && document.readyState === "complete"`, u), "the next page")
				continue
			}
			if n != 25 {
				t.Fatalf("last page has %d sessions", n)
			}
			p.Poll(`!document.querySelector('#next')`, "no next link on the last page")
			break
		}
		fill(p, "#f-amount", "")
		fill(p, "#f-order", "bulk-04242")
		p.Click("#f-apply")
		p.WaitText("#sessions", "ps_bulk04242")
		p.Poll(`document.querySelectorAll('#sessions tbody tr').length === 1`, "one session for the order reference")
		logout(p)
		u, _ := url.Parse(p.URL())
		if u.Path != "/console/login" {
			t.Fatalf("after logout: %s", u)
		}
		p.Go(h.base + "/console/sessions")
		p.WaitVisible("#signin")
	})
}
