package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const systempayMode = `      systempay:
        enabled: true
        order: 8
        config:
          site_id: "87654321"
          key_test: "e2e-test-key-0001"
          key_production: "e2e-production-key-0001"
          payment_url: "%s/systempay/vads-payment/"
`

func TestSystemPayThroughSandbox(t *testing.T) {
	sandbox := startSandbox(t)
	proxy := &flakyProxy{}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	h := startHost(t, hostOptions{dir: providerDir, modes: strings.ReplaceAll(systempayMode, "%s", sandbox), publicURL: ps.URL})
	proxy.mu.Lock()
	proxy.target = h.base
	proxy.mu.Unlock()
	sandboxPost(t, sandbox+"/systempay/backoffice/shops", map[string]any{"site_id": "87654321", "name": "Demo Shop", "key_test": "e2e-test-key-0001",
		"key_production": "e2e-production-key-0001", "retry_delay": int64(time.Second), "retries": 4})
	b := newBrowser(t)

	// pay posts the vads form to the platform and picks a choice; it returns
	// the session and where the browser goes next ("" when it stays).
	pay := func(t *testing.T, choice string) (sessionJSON, string) {
		t.Helper()
		s := h.create("systempay", 1524)
		init := onlyForm(t, h.expect(h.do("GET", "/pay/"+s.ID, "", nil), http.StatusOK).body)
		status, hosted, _ := b.submit(h.base, init, nil)
		if status != http.StatusOK {
			t.Fatalf("vads-payment: %d %s", status, hosted)
		}
		// The buyer sees the shop's name, not its merchant id.
		if !strings.Contains(string(hosted), `data-testid="merchant">Demo Shop<`) {
			t.Errorf("the hosted page does not name the shop: %s", hosted)
		}
		status, body, header := b.submit(init.action, onlyForm(t, hosted), url.Values{"choice": {choice}})
		if choice == "abandon" {
			return s, ""
		}
		if status != http.StatusSeeOther {
			t.Fatalf("choice: %d %s", status, body)
		}
		return s, header.Get("Location")
	}
	back := func(t *testing.T, location, want string) {
		t.Helper()
		u, _ := url.Parse(location)
		r := h.expect(h.do("GET", u.RequestURI(), "", nil), http.StatusSeeOther)
		if u, _ := url.Parse(r.header.Get("Location")); u.Query().Get("status") != want {
			t.Errorf("shop return %s, want %s", r.header.Get("Location"), want)
		}
	}

	t.Run("two sessions the same day get distinct trans ids", func(t *testing.T) {
		h := h.with(t)
		a, c := h.create("systempay", 1000), h.create("systempay", 1000)
		if a.Reference == c.Reference || len(a.Reference) != 6 || len(c.Reference) != 6 {
			t.Errorf("trans ids %q and %q", a.Reference, c.Reference)
		}
	})
	tests := []struct{ choice, want string }{{"accept", "paid"}, {"refuse", "refused"}, {"cancel", "cancelled"}}
	for _, tc := range tests {
		t.Run(tc.choice+": IPN first, then the return", func(t *testing.T) {
			h := h.with(t)
			s, loc := pay(t, tc.choice)
			if got := h.get(s.ID).Status; got != tc.want {
				t.Fatalf("after the IPN: %s", got)
			}
			back(t, loc, tc.want)
			tl := timeline(h.get(s.ID))
			// tl[2]: /pay posted the form to Lyra (buyer:recorded:pending>).
			if tl[2] != "buyer:recorded:pending>" || tl[3] != "notification:applied:pending>"+tc.want || tl[4] != "return:recorded:"+tc.want+">"+tc.want || len(tl) != 5 {
				t.Errorf("timeline %v", tl)
			}
		})
	}
	t.Run("abandoned", func(t *testing.T) {
		h := h.with(t)
		s, _ := pay(t, "abandon")
		if got := h.get(s.ID).Status; got != "cancelled" {
			t.Errorf("status %s", got)
		}
	})
	t.Run("return without IPN stays pending", func(t *testing.T) {
		h := h.with(t)
		proxy.mu.Lock()
		proxy.failFirst = 1000
		proxy.mu.Unlock()
		defer func() { proxy.mu.Lock(); proxy.failFirst = 0; proxy.mu.Unlock() }()
		s, loc := pay(t, "accept")
		back(t, loc, "pending")
		if got := h.get(s.ID); got.Status != "pending" {
			t.Errorf("a return alone settled the session: %s %v", got.Status, timeline(got))
		}
	})
	t.Run("IPN failing once is retried and applied once", func(t *testing.T) {
		h := h.with(t)
		proxy.mu.Lock()
		proxy.failFirst, proxy.seen = 1, nil
		proxy.mu.Unlock()
		// The retry comes 200 ms later: on a loaded machine it may already
		// be applied when pay returns, so the attempts below are the check.
		s, _ := pay(t, "accept")
		eventually(t, 10*time.Second, "retried IPN", func() bool { return h.get(s.ID).Status == "paid" })
		time.Sleep(500 * time.Millisecond) // no further retry may arrive
		var ipns []struct {
			TransID string `json:"trans_id"`
			Status  int    `json:"status"`
		}
		r, _ := http.Get(sandbox + "/systempay/backoffice/ipns?trans_id=" + s.Reference)
		json.NewDecoder(r.Body).Decode(&ipns)
		if len(ipns) != 2 || ipns[0].Status != 503 || ipns[1].Status != 200 {
			t.Errorf("IPN attempts %+v", ipns)
		}
		applied := 0
		for _, e := range h.get(s.ID).Events {
			if e.Source == "notification" && e.Result == "applied" {
				applied++
			}
		}
		if applied != 1 {
			t.Errorf("%d applied notifications", applied)
		}
	})
	t.Run("the platform refuses a reused trans id and a bad signature", func(t *testing.T) {
		h := h.with(t)
		s := h.create("systempay", 1524)
		init := onlyForm(t, h.expect(h.do("GET", "/pay/"+s.ID, "", nil), http.StatusOK).body)
		if status, _, _ := b.submit(h.base, init, nil); status != http.StatusOK {
			t.Fatalf("first post: %d", status)
		}
		status, body, _ := b.submit(h.base, init, nil)
		if status != http.StatusBadRequest || !strings.Contains(string(body), "Error 03") {
			t.Errorf("reused trans id: %d %s", status, body)
		}
		status, body, _ = b.submit(h.base, init, url.Values{"vads_amount": {"1"}})
		if status != http.StatusBadRequest || !strings.Contains(string(body), "Error 00") {
			t.Errorf("bad signature: %d %s", status, body)
		}
	})
}
