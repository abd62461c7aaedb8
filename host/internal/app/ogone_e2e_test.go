package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const ogoneMode = `      ogone:
        enabled: true
        order: 6
        config:
          pspid: "e2eshop"
          sha_in: "e2e-sha-in-passphrase"
          sha_out: "e2e-sha-out-passphrase"
          hash_algorithm: "SHA-512"
          environment: "%s/ogone/ncol/test"
          operation: "OPERATION"
`

// flakyProxy forwards to target, answering 503 to the first failFirst
// notifications (paths under /notify/), and counts what notifications saw.
type flakyProxy struct {
	mu        sync.Mutex
	target    string
	failFirst int
	seen      []int
}

func (p *flakyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	notify := strings.HasPrefix(r.URL.Path, "/notify/")
	fail, target := notify && p.failFirst > 0, p.target
	if fail {
		p.failFirst--
	}
	p.mu.Unlock()
	if fail {
		p.record(http.StatusServiceUnavailable)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	req, _ := http.NewRequest(r.Method, target+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.record(0)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if notify {
		p.record(resp.StatusCode)
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func (p *flakyProxy) record(code int) { p.mu.Lock(); p.seen = append(p.seen, code); p.mu.Unlock() }

func TestOgoneThroughSandbox(t *testing.T) {
	sandbox := startSandbox(t)
	mode := strings.ReplaceAll(ogoneMode, "%s", sandbox)
	h := startHost(t, hostOptions{dir: providerDir, modes: strings.ReplaceAll(mode, "OPERATION", "SAL")})
	proxy := &flakyProxy{target: h.base}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	merchant, _ := json.Marshal(map[string]any{"pspid": "e2eshop", "sha_in": "e2e-sha-in-passphrase", "sha_out": "e2e-sha-out-passphrase",
		"algorithm": "SHA-512", "postsale_url": ps.URL + "/notify/ogone", "retry_delay": int64(200 * time.Millisecond), "attempts": 4})
	resp, err := http.Post(sandbox+"/ogone/backoffice/merchants", "application/json", bytes.NewReader(merchant))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("configuring the sandbox merchant: %v %v", resp, err)
	}

	// pay walks /pay → orderstandard_utf8.asp → hosted page → choice, and
	// returns the session and where the browser is sent back to.
	pay := func(t *testing.T, choice string) (sessionJSON, string) {
		t.Helper()
		return ogonePay(t, h, choice)
	}
	backoffice := func(t *testing.T, action, orderID string) {
		t.Helper()
		r, err := http.PostForm(sandbox+"/ogone/backoffice/"+action, url.Values{"pspid": {"e2eshop"}, "orderid": {orderID}})
		if err != nil || r.StatusCode != http.StatusNoContent {
			t.Fatalf("back office %s: %v %v", action, r, err)
		}
	}
	t.Run("duplicate post-sale", func(t *testing.T) {
		h := h.with(t)
		s, _ := pay(t, "accept")
		backoffice(t, "resend", s.Reference)
		got := h.get(s.ID)
		if got.Status != "paid" || timeline(got)[len(got.Events)-1] != "notification:duplicate:paid>paid" {
			t.Errorf("after a resent post-sale: %s %v", got.Status, timeline(got))
		}
	})
	t.Run("authorised then captured", func(t *testing.T) {
		h := h.with(t)
		hr := startHost(t, hostOptions{dir: providerDir, modes: strings.ReplaceAll(mode, "OPERATION", "RES")})
		proxy.mu.Lock()
		proxy.target = hr.base
		proxy.mu.Unlock()
		defer func() { proxy.mu.Lock(); proxy.target = h.base; proxy.mu.Unlock() }()
		s, back := ogonePay(t, hr, "accept")
		if got := hr.get(s.ID).Status; got != "authorized" {
			t.Fatalf("after authorisation: %s", got)
		}
		hr.expect(hr.do("GET", pathOf(t, back), "", nil), http.StatusSeeOther)
		backoffice(t, "capture", s.Reference)
		got := hr.get(s.ID)
		// buyer:recorded: /pay sent the buyer to Ogone's form (never twice).
		want := []string{"api:applied:>created", "api:applied:created>pending", "buyer:recorded:pending>", "notification:applied:pending>authorized",
			"return:duplicate:authorized>authorized", "notification:applied:authorized>paid"}
		if got.Status != "paid" || strings.Join(timeline(got), " ") != strings.Join(want, " ") {
			t.Errorf("after capture: %s %v", got.Status, timeline(got))
		}
	})

	tests := []struct{ choice, want, last string }{
		{"accept", "paid", "return:duplicate:paid>paid"},
		{"decline", "refused", "return:duplicate:refused>refused"},
		{"cancel", "cancelled", "return:duplicate:cancelled>cancelled"},
		{"exception", "pending", "return:recorded:pending>"},
	}
	for _, tc := range tests {
		t.Run(tc.choice, func(t *testing.T) {
			h := h.with(t)
			s, back := pay(t, tc.choice)
			if got := h.get(s.ID).Status; got != tc.want {
				t.Fatalf("after the post-sale request: %s, want %s", got, tc.want)
			}
			r := h.expect(h.do("GET", pathOf(t, back), "", nil), http.StatusSeeOther)
			if u, _ := url.Parse(r.header.Get("Location")); u.Query().Get("status") != tc.want {
				t.Errorf("shop return %s", r.header.Get("Location"))
			}
			tl := timeline(h.get(s.ID))
			if tl[len(tl)-1] != tc.last {
				t.Errorf("timeline %v, want it to end with %s", tl, tc.last)
			}
		})
	}

	t.Run("post-sale retried until the shop answers 200", func(t *testing.T) {
		h := h.with(t)
		proxy.mu.Lock()
		proxy.failFirst, proxy.seen = 1, nil
		proxy.mu.Unlock()
		s, _ := pay(t, "accept")
		if got := h.get(s.ID).Status; got != "pending" {
			t.Fatalf("status %s after a failed post-sale request", got)
		}
		eventually(t, 10*time.Second, "deferred post-sale", func() bool { return h.get(s.ID).Status == "paid" })
		proxy.mu.Lock()
		defer proxy.mu.Unlock()
		if len(proxy.seen) != 2 || proxy.seen[0] != 503 || proxy.seen[1] != 200 {
			t.Errorf("post-sale attempts %v, want [503 200]", proxy.seen)
		}
	})

	t.Run("identifiers that are not UTF-8 are refused, not a 5xx", func(t *testing.T) {
		h := h.with(t)
		form := []string{"Content-Type", "application/x-www-form-urlencoded"}
		for _, body := range []string{"orderID=\xe9", "COMPLUS=ps_\xe9&orderID=1", "orderID=1&COMPLUS=\xff"} {
			r := h.do("POST", "/notify/ogone", "", body, form...)
			if r.status != http.StatusBadRequest {
				t.Errorf("post-sale %q: %d %s, want 400", body, r.status, r.body)
			}
		}
		if r := h.do("GET", "/notify/ogone?orderID=%E9", "", nil); r.status != http.StatusBadRequest {
			t.Errorf("post-sale in the query: %d %s, want 400", r.status, r.body)
		}
	})
	t.Run("tampered or bare redirections change nothing", func(t *testing.T) {
		h := h.with(t)
		proxy.mu.Lock()
		proxy.failFirst = 100 // the post-sale never gets through
		proxy.mu.Unlock()
		s, back := pay(t, "accept")
		u, _ := url.Parse(back)
		q := u.Query()
		q.Set("STATUS", "9")
		q.Set("amount", "0.01")
		u.RawQuery = q.Encode()
		h.expect(h.do("GET", u.RequestURI(), "", nil), http.StatusSeeOther)
		h.expect(h.do("GET", "/return/"+s.ID, "", nil), http.StatusSeeOther)
		got := h.get(s.ID)
		tl := timeline(got)
		if got.Status != "pending" || got.Events[len(got.Events)-2].Reason != "invalid_signature" || tl[len(tl)-1] != "return:recorded:pending>" {
			t.Errorf("after forged and bare returns: %s %v", got.Status, tl)
		}
		// The genuine redirection still settles it.
		h.expect(h.do("GET", pathOf(t, back), "", nil), http.StatusSeeOther)
		if got := h.get(s.ID).Status; got != "paid" {
			t.Errorf("after the signed redirection: %s", got)
		}
	})
}

// ogonePay walks /pay → orderstandard_utf8.asp → hosted page → choice, and
// returns the session and where the browser is sent back to.
func ogonePay(t *testing.T, h *host, choice string) (sessionJSON, string) {
	t.Helper()
	s := h.create("ogone", 1908)
	b := newBrowser(t)
	init := onlyForm(t, h.expect(h.do("GET", "/pay/"+s.ID, "", nil), http.StatusOK).body)
	status, hosted, _ := b.submit(h.base, init, nil)
	if status != http.StatusOK {
		t.Fatalf("orderstandard: %d %s", status, hosted)
	}
	status, body, header := b.submit(init.action, onlyForm(t, hosted), url.Values{"choice": {choice}})
	if status != http.StatusSeeOther {
		t.Fatalf("choice: %d %s", status, body)
	}
	return s, header.Get("Location")
}
