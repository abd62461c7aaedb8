package console

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/language"

	"github.com/payhost/payhost/host/internal/config"
	"github.com/payhost/payhost/host/internal/eligibility"
	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/sqlite"
	"github.com/payhost/payhost/host/internal/store/sqlstore"
	"github.com/payhost/payhost/host/internal/store/storetest"
	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/locale"
)

// clock is the console's injectable time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// reloads stands for the host's reload (package app runs the real one
// in TestConsoleBrowser): it counts calls and answers err when set.
type reloads struct {
	mu    sync.Mutex
	calls int
	err   error
}

func (r *reloads) reload(ctx context.Context) (ReloadResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return ReloadResult{}, r.err
	}
	return ReloadResult{Plugins: map[string]string{"offline": "unchanged", "ogone": "added"}, Sites: 2}, nil
}

func (r *reloads) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// env is a console over a real SQLite store, served on loopback.
type env struct {
	db      *sqlstore.DB
	con     *Console
	srv     *httptest.Server
	clock   *clock
	reloads *reloads
	// cheque is a pending cheque session, for confirm.
	cheque string
}

const loginLimit = 3

func newEnv(t *testing.T, secure bool) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "payhost.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s := storetest.NewSession("ps_cheque", clk.Now())
	s.Mode, s.Plugin, s.Kind, s.Status = "cheque", "offline", payment.KindDeferred, session.StatusPending
	if err := db.CreateSession(ctx, s, nil, nil); err != nil {
		t.Fatal(err)
	}
	hash := func(name string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(name+"-password"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	access := NewAccess(config.Admin{Operators: []config.Operator{
		{Name: "alice", Role: "admin", PasswordHash: hash("alice")},
		{Name: "oscar", Role: "operator", PasswordHash: hash("oscar")},
		{Name: "vera", Role: "viewer", PasswordHash: hash("vera")},
	}})
	rl := &reloads{}
	plugins := pluginmgr.New(pluginmgr.Options{}) // none started
	svc := session.NewService(session.Options{Store: db, Catalog: catalog{plugins}, Now: clk.Now})
	con, err := New(Options{Service: svc, Store: db, Access: access, Switches: NewSwitches(db, nil),
		Plugins: plugins, Sites: []string{"shop"}, Reload: rl.reload,
		Logins: NewLoginLimiter(loginLimit, time.Minute), Secure: secure, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	// Under https the browser sends Secure cookies: a TLS server then.
	srv := httptest.NewUnstartedServer(con)
	if secure {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &env{db: db, con: con, srv: srv, clock: clk, reloads: rl, cheque: s.ID}
}

// catalog is the plugin manager as the session service sees it (as
// package app wires it).
type catalog struct{ m *pluginmgr.Manager }

func (c catalog) Provider(plugin string) (payment.Provider, bool) { return c.m.Provider(plugin) }

func (c catalog) Available() []eligibility.Available {
	var out []eligibility.Available
	for _, mi := range c.m.Modes() {
		out = append(out, eligibility.Available{Plugin: mi.Plugin, Healthy: mi.Healthy, Permanent: mi.Permanent, Mode: mi.Mode})
	}
	return out
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// browser is one person's client: its own cookies.
type browser struct {
	t    *testing.T
	e    *env
	c    *http.Client
	csrf string // the signed-in login's CSRF token
}

func (e *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, c: &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: e.srv.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and returns the response with its body read.
func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// loginToken opens the login page and returns its CSRF token.
func (b *browser) loginToken() string {
	b.t.Helper()
	resp, body := b.do("GET", "/console/login", nil)
	m := csrfField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		b.t.Fatalf("login page: %d %s", resp.StatusCode, body)
	}
	return m[1]
}

func (b *browser) login(name, password string) *http.Response {
	b.t.Helper()
	resp, _ := b.do("POST", "/console/login", url.Values{"csrf": {b.loginToken()}, "name": {name}, "password": {password}})
	return resp
}

// signIn signs in and keeps the login's CSRF token.
func (b *browser) signIn(name string) *browser {
	b.t.Helper()
	if resp := b.login(name, name+"-password"); resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("%s signing in: %d", name, resp.StatusCode)
	}
	resp, body := b.do("GET", "/console/", nil)
	m := csrfField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		b.t.Fatalf("dashboard: %d %s", resp.StatusCode, body)
	}
	b.csrf = m[1]
	return b
}

func (e *env) status(t *testing.T) session.Status {
	t.Helper()
	s, err := e.db.Session(context.Background(), e.cheque)
	if err != nil {
		t.Fatal(err)
	}
	return s.Status
}

// audited returns the audit entries of an action, newest first.
func (e *env) audited(t *testing.T, action string) []session.AuditEntry {
	t.Helper()
	all, err := e.db.Audit(context.Background(), session.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []session.AuditEntry
	for _, a := range all {
		if a.Action == action {
			out = append(out, a)
		}
	}
	return out
}

func (e *env) switches(t *testing.T) []session.ModeSwitch {
	t.Helper()
	sw, err := e.db.ModeSwitches(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// Each role may do what it needs and nothing more: every refusal is a
// 403, changes nothing and is audited as denied.
func TestRoles(t *testing.T) {
	e := newEnv(t, false)
	confirm := "/console/sessions/ps_cheque/confirm"
	tests := []struct {
		who, method, path string
		form              url.Values
		want              int
	}{
		{"vera", "POST", confirm, nil, http.StatusForbidden},
		{"vera", "POST", "/console/sessions/ps_cheque/refund", url.Values{"amount": {"100"}}, http.StatusForbidden},
		{"vera", "POST", "/console/sessions/ps_cheque/redeliver", url.Values{"outbox": {"1"}}, http.StatusForbidden},
		{"vera", "POST", "/console/sessions/ps_cheque/resolve", nil, http.StatusForbidden},
		{"vera", "POST", "/console/reload", nil, http.StatusForbidden},
		{"vera", "GET", "/console/audit", nil, http.StatusForbidden},
		{"oscar", "POST", "/console/sites/shop/modes/cheque", url.Values{"enabled": {"false"}}, http.StatusForbidden},
		{"oscar", "POST", "/console/reload", nil, http.StatusForbidden},
		{"oscar", "GET", "/console/audit", nil, http.StatusForbidden},
		{"oscar", "GET", "/console/audit.jsonl", nil, http.StatusForbidden},
		{"vera", "GET", "/console/sessions/ps_cheque", nil, http.StatusOK},
		{"vera", "GET", "/console/sessions", nil, http.StatusOK},
		{"vera", "GET", "/console/plugins", nil, http.StatusOK},
		{"oscar", "GET", "/console/plugins", nil, http.StatusOK},
		{"alice", "GET", "/console/audit", nil, http.StatusOK},
	}
	browsers := map[string]*browser{}
	for _, name := range []string{"alice", "oscar", "vera"} {
		browsers[name] = e.browser(t).signIn(name)
	}
	for _, tc := range tests {
		t.Run(tc.who+" "+tc.method+" "+tc.path, func(t *testing.T) {
			b := browsers[tc.who]
			form := url.Values{"csrf": {b.csrf}}
			for k, v := range tc.form {
				form[k] = v
			}
			if tc.method == "GET" {
				form = nil
			}
			denied := len(e.audited(t, "forbidden"))
			resp, body := b.do(tc.method, tc.path, form)
			if resp.StatusCode != tc.want {
				t.Fatalf("%d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if tc.want == http.StatusForbidden && tc.method == "POST" {
				if got := e.audited(t, "forbidden"); len(got) != denied+1 || got[0].Actor != tc.who || got[0].Outcome != "denied" || got[0].Target != tc.path {
					t.Errorf("refusal not audited: %+v", got)
				}
			}
		})
	}
	// Nothing the refusals asked for happened.
	if st := e.status(t); st != session.StatusPending {
		t.Errorf("the cheque is %s", st)
	}
	if n := e.reloads.count(); n != 0 {
		t.Errorf("%d reloads ran", n)
	}
	if sw := e.switches(t); len(sw) != 0 {
		t.Errorf("mode switches stored: %+v", sw)
	}
	for _, action := range []string{"confirm", "refund", "redeliver", "resolve", "reload", "mode_switch"} {
		if got := e.audited(t, action); len(got) != 0 {
			t.Errorf("%s audited: %+v", action, got)
		}
	}

	// A viewer sees no action buttons, nor the reload button.
	_, page := browsers["vera"].do("GET", "/console/sessions/ps_cheque", nil)
	if strings.Contains(page, `id="confirm"`) || strings.Contains(page, `id="actions"`) {
		t.Error("the viewer's session page has action buttons")
	}
	_, page = browsers["oscar"].do("GET", "/console/sessions/ps_cheque", nil)
	if !strings.Contains(page, `id="confirm"`) {
		t.Error("the operator's session page has no confirm button")
	}
	_, page = browsers["oscar"].do("GET", "/console/plugins", nil)
	if strings.Contains(page, `id="reload"`) {
		t.Error("the operator sees the reload button")
	}
	_, page = browsers["alice"].do("GET", "/console/plugins", nil)
	if !strings.Contains(page, `id="reload"`) {
		t.Error("the admin sees no reload button")
	}

	// What each role may do.
	oscar := browsers["oscar"]
	if resp, body := oscar.do("POST", confirm, url.Values{"csrf": {oscar.csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("operator's confirm: %d %s", resp.StatusCode, body)
	}
	if st := e.status(t); st != session.StatusPaid {
		t.Errorf("after the confirm the cheque is %s", st)
	}
	if got := e.audited(t, "confirm"); len(got) != 1 || got[0].Actor != "oscar" || got[0].Outcome != "ok" || got[0].Target != "ps_cheque" || got[0].Remote != "127.0.0.1" {
		t.Errorf("confirm audit: %+v", got)
	}
	alice := browsers["alice"]
	if resp, body := alice.do("POST", "/console/sites/shop/modes/cheque", url.Values{"csrf": {alice.csrf}, "enabled": {"false"}}); resp.StatusCode != http.StatusNotFound {
		// The service knows no site here: the admin passes the role check
		// and is refused by the handler.
		t.Errorf("admin's switch of an unconfigured mode: %d %s", resp.StatusCode, body)
	}
}

// The reload button runs the host's reload for an admin and shows what
// changed, or why nothing did; both are audited.
func TestReload(t *testing.T) {
	e := newEnv(t, false)
	alice := e.browser(t).signIn("alice")
	resp, body := alice.do("POST", "/console/reload", url.Values{"csrf": {alice.csrf}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="notice"`) || !strings.Contains(body, `<td class="change-added">added</td>`) || !strings.Contains(body, "2 sites") {
		t.Fatalf("reload: %d %s", resp.StatusCode, body)
	}
	if got := e.audited(t, "reload"); len(got) != 1 || got[0].Outcome != "ok" || got[0].Detail != "sites=2 offline=unchanged ogone=added" {
		t.Errorf("reload audit: %+v", got)
	}
	e.reloads.err = errors.New("plugins.pins: ogone: checksum mismatch")
	resp, body = alice.do("POST", "/console/reload", url.Values{"csrf": {alice.csrf}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "reload_failed") || !strings.Contains(body, "checksum mismatch") || strings.Contains(body, `id="reload-changes"`) {
		t.Fatalf("failed reload: %d %s", resp.StatusCode, body)
	}
	if got := e.audited(t, "reload"); len(got) != 2 || got[0].Outcome != "reload_failed" || !strings.Contains(got[0].Detail, "checksum mismatch") {
		t.Errorf("failed reload audit: %+v", got)
	}
	if n := e.reloads.count(); n != 2 {
		t.Errorf("%d reloads, want 2", n)
	}
}

// A POST without the login's CSRF token is refused before anything runs.
func TestCSRF(t *testing.T) {
	e := newEnv(t, false)
	oscar := e.browser(t).signIn("oscar")
	alice := e.browser(t).signIn("alice")
	vera := e.browser(t).signIn("vera")
	tests := []struct {
		name string
		b    *browser
		path string
		form url.Values
	}{
		{"no token", oscar, "/console/sessions/ps_cheque/confirm", url.Values{}},
		{"empty token", oscar, "/console/sessions/ps_cheque/confirm", url.Values{"csrf": {""}}},
		{"forged token", oscar, "/console/sessions/ps_cheque/confirm", url.Values{"csrf": {"forged"}}},
		{"token with a suffix", oscar, "/console/sessions/ps_cheque/confirm", url.Values{"csrf": {oscar.csrf + "x"}}},
		{"another login's token", oscar, "/console/sessions/ps_cheque/confirm", url.Values{"csrf": {vera.csrf}}},
		{"token in the query", oscar, "/console/sessions/ps_cheque/confirm?csrf=" + url.QueryEscape(oscar.csrf), url.Values{}},
		{"reload", alice, "/console/reload", url.Values{"csrf": {oscar.csrf}}},
		{"mode switch", alice, "/console/sites/shop/modes/cheque", url.Values{"enabled": {"false"}}},
		{"logout", alice, "/console/logout", url.Values{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			refused := len(e.audited(t, "csrf_refused"))
			resp, body := tc.b.do("POST", tc.path, tc.form)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") {
				t.Fatalf("%d: %s", resp.StatusCode, body)
			}
			if got := e.audited(t, "csrf_refused"); len(got) != refused+1 || got[0].Outcome != "denied" {
				t.Errorf("refusal not audited: %+v", got)
			}
		})
	}
	if st := e.status(t); st != session.StatusPending {
		t.Errorf("the cheque is %s", st)
	}
	if n := e.reloads.count(); n != 0 {
		t.Errorf("%d reloads ran", n)
	}
	for _, action := range []string{"confirm", "reload", "mode_switch", "logout"} {
		if got := e.audited(t, action); len(got) != 0 {
			t.Errorf("%s audited as done: %+v", action, got)
		}
	}
	// Alice is still signed in: the forged logout did nothing.
	if resp, _ := alice.do("GET", "/console/", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("after a forged logout: %d", resp.StatusCode)
	}

	// The login form's token is a double submit: form and cookie.
	b := e.browser(t)
	tok := b.loginToken()
	resp, _ := b.do("POST", "/console/login", url.Values{"csrf": {tok + "x"}, "name": {"oscar"}, "password": {"oscar-password"}})
	if resp.StatusCode != http.StatusForbidden || cookieOf(resp, cookieName) != nil {
		t.Errorf("login with a wrong token: %d", resp.StatusCode)
	}
	fresh := e.browser(t) // no pre-login cookie
	resp, _ = fresh.do("POST", "/console/login", url.Values{"csrf": {tok}, "name": {"oscar"}, "password": {"oscar-password"}})
	if resp.StatusCode != http.StatusForbidden || cookieOf(resp, cookieName) != nil {
		t.Errorf("login without the token's cookie: %d", resp.StatusCode)
	}
}

func cookieOf(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// After loginLimit failed sign-ins from an address, every sign-in from it
// is refused with 429 and Retry-After, the right password too, until the
// window has passed; other addresses are not affected.
func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser(t)
	for i := range loginLimit {
		if resp := b.login("alice", "wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failed sign-in %d: %d", i+1, resp.StatusCode)
		}
		e.clock.advance(10 * time.Second)
	}
	// The first failure was 30 s ago: 30 s to wait.
	for _, password := range []string{"wrong", "alice-password"} {
		resp := b.login("alice", password)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "30" || cookieOf(resp, cookieName) != nil {
			t.Fatalf("while limited, password %q: %d, Retry-After %q", password, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if got := e.audited(t, "login"); len(got) != loginLimit+2 || got[0].Outcome != "rate_limited" {
		t.Errorf("login audit: %+v", got)
	}

	// Another address may sign in meanwhile (the handler directly, to
	// set the address).
	other := httptest.NewRecorder()
	pre := e.browser(t)
	tok := pre.loginToken()
	req := httptest.NewRequest("POST", "/console/login", strings.NewReader(url.Values{"csrf": {tok}, "name": {"alice"}, "password": {"alice-password"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "192.0.2.7:4242"
	u, _ := url.Parse(e.srv.URL + "/console/")
	for _, c := range pre.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	e.con.ServeHTTP(other, req)
	if other.Code != http.StatusSeeOther {
		t.Errorf("another address signing in: %d", other.Code)
	}

	e.clock.advance(29 * time.Second)
	if resp := b.login("alice", "alice-password"); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("a second before the end: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	e.clock.advance(time.Second)
	if resp := b.login("alice", "alice-password"); resp.StatusCode != http.StatusSeeOther || cookieOf(resp, cookieName) == nil {
		t.Fatalf("after the window: %d", resp.StatusCode)
	}
}

// Attempts in flight count: of a burst from one address, max get to try
// a password; a right password gives its attempt back.
func TestLoginLimiterBurst(t *testing.T) {
	l := NewLoginLimiter(5, time.Minute)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.Attempt("192.0.2.1", now) == 0 {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 5 {
		t.Fatalf("%d attempts allowed of a burst, want 5", allowed)
	}
	if w := l.Attempt("192.0.2.2", now); w != 0 {
		t.Errorf("another address waits %s", w)
	}
	l.Succeeded("192.0.2.1", now)
	if w := l.Attempt("192.0.2.1", now.Add(time.Second)); w != 0 {
		t.Errorf("after a success the address waits %s", w)
	}
	if w := l.Attempt("192.0.2.1", now.Add(2*time.Second)); w != 58*time.Second {
		t.Errorf("limited again: waits %s, want 58s", w)
	}
	if w := l.Attempt("192.0.2.1", now.Add(time.Minute)); w != 0 {
		t.Errorf("after the window: waits %s", w)
	}
}

// Signing out ends the login on the server: the cookie, replayed, no
// longer opens the console.
func TestLogout(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser(t).signIn("oscar")
	u, _ := url.Parse(e.srv.URL + "/console/")
	var token string
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == cookieName {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatal("no login cookie")
	}
	resp, _ := b.do("POST", "/console/logout", url.Values{"csrf": {b.csrf}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
		t.Fatalf("logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := cookieOf(resp, cookieName); c == nil || c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("logout does not clear the cookie: %+v", c)
	}
	if got := e.audited(t, "logout"); len(got) != 1 || got[0].Actor != "oscar" {
		t.Errorf("logout audit: %+v", got)
	}
	// Replay the old cookie by hand.
	replay := e.browser(t)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieName, Value: token, Path: "/console/"}})
	if resp, _ := replay.do("GET", "/console/", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
		t.Errorf("the old cookie after logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := replay.do("POST", "/console/sessions/ps_cheque/confirm", url.Values{"csrf": {b.csrf}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an action with the old cookie: %d", resp.StatusCode)
	}
	if st := e.status(t); st != session.StatusPending {
		t.Errorf("the cheque is %s", st)
	}
}

// Both cookies are HttpOnly, SameSite=Strict, scoped to /console/, and
// Secure when the public URL is https.
func TestCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEnv(t, secure)
		b := e.browser(t)
		resp, _ := b.do("GET", "/console/login", nil)
		pre := cookieOf(resp, preCookie)
		resp = b.login("vera", "vera-password")
		login := cookieOf(resp, cookieName)
		for _, c := range []*http.Cookie{pre, login} {
			if c == nil {
				t.Fatalf("secure=%v: a cookie is missing", secure)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure != secure || c.Path != "/console/" {
				t.Errorf("secure=%v: %s", secure, c.String())
			}
		}
		if login.MaxAge != int(loginTTL.Seconds()) {
			t.Errorf("login cookie Max-Age %d", login.MaxAge)
		}
	}
}

// The session page's "Captured": a sale paid at once took the whole amount
// (CapturedAmount stays 0), an authorization nothing yet.
func TestCapturedText(t *testing.T) {
	cat, err := locale.NewCatalog(files, "messages")
	if err != nil {
		t.Fatal(err)
	}
	p := cat.Printer(language.English)
	for _, tc := range []struct {
		status   session.Status
		captured int64
		want     string
	}{
		{session.StatusPaid, 0, "€50.00"},
		{session.StatusPartiallyRefunded, 0, "€50.00"},
		{session.StatusPaid, 3000, "€30.00"},
		{session.StatusAuthorized, 0, "—"},
		{session.StatusPending, 0, "—"},
		{session.StatusCancelled, 0, "—"},
	} {
		s := &session.Session{Status: tc.status, Amount: 5000, CapturedAmount: tc.captured, Currency: "EUR"}
		if got := capturedText(p, s); got != tc.want {
			t.Errorf("%s, captured %d: %q, want %q", tc.status, tc.captured, got, tc.want)
		}
	}
}
