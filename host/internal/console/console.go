// Package console serves the operator console under /console/: server
// rendered pages (html/template, embedded assets, no JavaScript) to find
// sessions, read their timelines, act on them (confirm, refund, capture,
// cancel, reconcile, redeliver, resolve), see the plugins, explain the
// sites' eligibility rules and switch modes off. Operators sign in with
// their configured password; every action is role-checked and audited.
package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/httpapi"
	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/web"
	"github.com/payhost/payhost/shared/locale"
)

//go:embed templates/*.html messages/*.json console.css
var files embed.FS

// Store is what the console reads and writes besides the session service.
type Store interface {
	AppendAudit(ctx context.Context, e session.AuditEntry) error
	Audit(ctx context.Context, f session.AuditFilter) ([]session.AuditEntry, error)
	SetModeSwitch(ctx context.Context, m session.ModeSwitch) error
	ModeSwitches(ctx context.Context) ([]session.ModeSwitch, error)
	CreateLogin(ctx context.Context, l session.ConsoleLogin) error
	Login(ctx context.Context, tokenHash string, now time.Time) (session.ConsoleLogin, error)
	DeleteLogin(ctx context.Context, tokenHash string) error
	SearchSessions(ctx context.Context, q session.SessionQuery) ([]*session.Session, error)
	SessionCounts(ctx context.Context, since time.Time) ([]session.StatusCount, error)
	WebhookBacklog(ctx context.Context) (int, error)
	OldestUndelivered(ctx context.Context) (time.Time, bool, error)
	CountNeedingAttention(ctx context.Context) (int, error)
}

// Plugins lists the plugins.
type Plugins interface {
	Plugins() []pluginmgr.Info
}

// Options configures the console.
type Options struct {
	Service  *session.Service
	Store    Store
	Access   *Access
	Switches *Switches
	Plugins  Plugins
	// Sites are the configured site ids, in order.
	Sites []string
	// Reload re-reads the configuration and the plugins directory, as
	// POST /admin/v1/reload and SIGHUP do; nil hides the button.
	Reload func(ctx context.Context) (ReloadResult, error)
	// Logins limits failed sign-ins per client address; it outlives the
	// console (rebuilt on every reload). Nil: 5 a minute.
	Logins *LoginLimiter
	// Secure marks the cookie Secure (the public URL is https).
	Secure bool
	Logger hclog.Logger
	Now    func() time.Time
}

// ReloadResult is what a reload changed, as the console shows it.
type ReloadResult struct {
	// Plugins maps each plugin to its change: unchanged, added, replaced,
	// removed or refused.
	Plugins map[string]string
	Sites   int
}

// Console is the console's HTTP handler.
type Console struct {
	Options
	cat   *locale.Catalog
	pages map[string]*template.Template
	mux   *http.ServeMux
}

const (
	cookieName = "payhost_console"
	preCookie  = "payhost_console_login"
	loginTTL   = 12 * time.Hour
)

// New parses the templates; it does no I/O.
func New(o Options) (*Console, error) {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logins == nil {
		o.Logins = NewLoginLimiter(5, time.Minute)
	}
	cat, err := locale.NewCatalog(files, "messages")
	if err != nil {
		return nil, err
	}
	c := &Console{Options: o, cat: cat, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	funcs := template.FuncMap{
		"time": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04:05")
		},
		"atLeast": func(role, need string) bool { return httpapi.RoleRank(role) >= httpapi.RoleRank(need) },
	}
	if c.pages, err = web.ParsePages(files, funcs); err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	c.routes()
	return c, nil
}

func (c *Console) routes() {
	m := c.mux
	m.HandleFunc("GET /console/console.css", c.handleCSS)
	m.HandleFunc("GET /console/login", c.handleLoginPage)
	m.HandleFunc("POST /console/login", c.handleLogin)
	m.HandleFunc("POST /console/logout", c.signedIn(httpapi.RoleViewer, c.handleLogout))
	m.HandleFunc("GET /console/{$}", c.signedIn(httpapi.RoleViewer, c.handleDashboard))
	m.HandleFunc("GET /console/sessions", c.signedIn(httpapi.RoleViewer, c.handleSessions))
	m.HandleFunc("GET /console/sessions/{id}", c.signedIn(httpapi.RoleViewer, c.handleSession))
	m.HandleFunc("POST /console/sessions/{id}/{action}", c.signedIn(httpapi.RoleOperator, c.handleAction))
	m.HandleFunc("GET /console/plugins", c.signedIn(httpapi.RoleViewer, c.handlePlugins))
	if c.Reload != nil {
		m.HandleFunc("POST /console/reload", c.signedIn(httpapi.RoleAdmin, c.handleReload))
	}
	m.HandleFunc("GET /console/sites", c.signedIn(httpapi.RoleViewer, c.handleSites))
	m.HandleFunc("POST /console/sites/{site}/modes/{mode}", c.signedIn(httpapi.RoleAdmin, c.handleSwitch))
	m.HandleFunc("GET /console/audit", c.signedIn(httpapi.RoleAdmin, c.handleAudit))
	m.HandleFunc("GET /console/audit.jsonl", c.signedIn(httpapi.RoleAdmin, c.handleAuditExport))
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	c.mux.ServeHTTP(w, r)
}

func (c *Console) handleCSS(w http.ResponseWriter, r *http.Request) {
	b, _ := files.ReadFile("console.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Write(b)
}

// operator is the signed-in person of a request.
type operator struct {
	Name, Role, CSRF string
	tokenHash        string
}

type ctxKey struct{}

func (c *Console) printer(r *http.Request) *locale.Printer {
	return c.cat.Printer(locale.Match("", r.Header.Get("Accept-Language")))
}

// signedIn requires a console login of at least role need; a POST must
// also carry the login's CSRF token. Refusals of actions are audited.
func (c *Console) signedIn(need string, h func(http.ResponseWriter, *http.Request, *operator)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(cookieName)
		if err != nil {
			c.toLogin(w, r)
			return
		}
		sum := sha256.Sum256([]byte(ck.Value))
		l, err := c.Store.Login(r.Context(), hex.EncodeToString(sum[:]), c.Now())
		if err != nil {
			c.toLogin(w, r)
			return
		}
		op := &operator{Name: l.Operator, Role: c.Access.Role(l.Operator), CSRF: l.CSRF, tokenHash: l.TokenHash}
		if op.Role == "" {
			c.toLogin(w, r)
			return
		}
		if r.Method == http.MethodPost {
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(l.CSRF)) != 1 {
				c.audit(r, op, "csrf_refused", r.URL.Path, "", "denied")
				c.fail(w, r, op, http.StatusForbidden, "err.csrf")
				return
			}
		}
		if httpapi.RoleRank(op.Role) < httpapi.RoleRank(need) {
			if r.Method == http.MethodPost {
				c.audit(r, op, "forbidden", r.URL.Path, "", "denied")
			}
			c.fail(w, r, op, http.StatusForbidden, "err.role")
			return
		}
		h(w, r, op)
	}
}

func (c *Console) toLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "sign in first", http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

func (c *Console) audit(r *http.Request, op *operator, action, target, detail, outcome string) {
	e := session.AuditEntry{At: c.Now().UTC(), Actor: op.Name, Role: op.Role, Via: "console", Action: action, Target: target,
		Detail: detail, Remote: httpapi.RemoteIP(r), Outcome: outcome}
	if err := c.Store.AppendAudit(context.WithoutCancel(r.Context()), e); err != nil {
		c.Logger.Error("audit log", "error", err)
	}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (c *Console) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/console/", MaxAge: maxAge, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteStrictMode}
}

type loginPage struct {
	page
	Token, Name string
}

func (c *Console) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	c.renderLogin(w, r, http.StatusOK, "", "")
}

// renderLogin shows the form with a fresh pre-login CSRF token, given
// both in a cookie and in the form (double submit).
func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, name, errKey string) {
	tok := randomToken()
	http.SetCookie(w, c.cookie(preCookie, tok, 600))
	p := loginPage{page: c.base(r, nil, "login"), Token: tok, Name: name}
	if errKey != "" {
		p.Error = p.P.T(errKey)
	}
	c.render(w, status, "login", p)
}

func (c *Console) handleLogin(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	pre, err := r.Cookie(preCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(pre.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		c.renderLogin(w, r, http.StatusForbidden, name, "err.csrf")
		return
	}
	ip, at := httpapi.RemoteIP(r), c.Now()
	// Checked before the password: while limited, even the right one is
	// refused, so guessing on does not tell which was right.
	if wait := c.Logins.Attempt(ip, at); wait > 0 {
		c.audit(r, &operator{Name: name}, "login", name, "", "rate_limited")
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		c.renderLogin(w, r, http.StatusTooManyRequests, name, "err.ratelimit")
		return
	}
	role, ok := c.Access.Password(name, r.PostFormValue("password"))
	if !ok {
		c.audit(r, &operator{Name: name}, "login", name, "", "denied")
		c.renderLogin(w, r, http.StatusUnauthorized, name, "err.login")
		return
	}
	c.Logins.Succeeded(ip, at)
	tok := randomToken()
	sum := sha256.Sum256([]byte(tok))
	now := c.Now().UTC()
	l := session.ConsoleLogin{TokenHash: hex.EncodeToString(sum[:]), Operator: name, CSRF: randomToken(), CreatedAt: now, ExpiresAt: now.Add(loginTTL)}
	if err := c.Store.CreateLogin(r.Context(), l); err != nil {
		c.Logger.Error("console login", "error", err)
		c.renderLogin(w, r, http.StatusServiceUnavailable, name, "err.internal")
		return
	}
	c.audit(r, &operator{Name: name, Role: role}, "login", name, "", "ok")
	http.SetCookie(w, c.cookie(preCookie, "", -1))
	http.SetCookie(w, c.cookie(cookieName, tok, int(loginTTL.Seconds())))
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

func (c *Console) handleLogout(w http.ResponseWriter, r *http.Request, op *operator) {
	if err := c.Store.DeleteLogin(r.Context(), op.tokenHash); err != nil {
		c.Logger.Error("console logout", "error", err)
	}
	c.audit(r, op, "logout", op.Name, "", "ok")
	http.SetCookie(w, c.cookie(cookieName, "", -1))
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// page is what every page's data carries.
type page struct {
	P       *locale.Printer
	Op      *operator
	Nav     string
	Error   string
	Notice  string
	Lang    string
	Content string
}

func (c *Console) base(r *http.Request, op *operator, nav string) page {
	p := c.printer(r)
	pg := page{P: p, Op: op, Nav: nav, Lang: p.Lang()}
	switch r.URL.Query().Get("done") {
	case "":
	default:
		pg.Notice = p.T("done." + r.URL.Query().Get("done"))
	}
	return pg
}

func (c *Console) render(w http.ResponseWriter, status int, name string, data any) {
	t, ok := c.pages[name]
	if !ok {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		c.Logger.Error("console page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// fail shows an error page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, op *operator, status int, key string, args ...any) {
	pg := c.base(r, op, "")
	pg.Error = pg.P.T(key, args...)
	c.render(w, status, "error", pg)
}

// failErr shows a service error: its message is meant for operators.
func (c *Console) failErr(w http.ResponseWriter, r *http.Request, op *operator, err error) {
	var se *session.Error
	if errors.As(err, &se) {
		status := http.StatusUnprocessableEntity
		if se.Code == session.CodeNotFound {
			status = http.StatusNotFound
		}
		c.fail(w, r, op, status, "err.service", se.Message)
		return
	}
	c.Logger.Error("console", "path", r.URL.Path, "error", err)
	c.fail(w, r, op, http.StatusInternalServerError, "err.internal")
}

// LoginLimiter limits failed sign-ins per client address: after max
// failures within window, every sign-in from that address is refused until
// the oldest of them is window old.
type LoginLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	failed map[string][]time.Time
}

// NewLoginLimiter allows max failed sign-ins per address within window.
func NewLoginLimiter(max int, window time.Duration) *LoginLimiter {
	return &LoginLimiter{max: max, window: window, failed: map[string][]time.Time{}}
}

// Attempt records a sign-in attempt from ip, counted as failed until
// Succeeded says otherwise (so that attempts still checking their
// password count: a burst in parallel gets max tries, not one per
// request), or returns how long the address stays refused (0: go on).
func (l *LoginLimiter) Attempt(ip string, now time.Time) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.recent(ip, now)
	if len(recent) >= l.max {
		return l.window - now.Sub(recent[len(recent)-l.max])
	}
	if len(l.failed) > 10000 { // bounded memory under a spray of addresses
		clear(l.failed)
	}
	l.failed[ip] = append(recent, now)
	return 0
}

// Succeeded forgets the attempt from ip recorded at at: its password was
// right. (The address's failures stay: signing in to one account does not
// earn more guesses at another.)
func (l *LoginLimiter) Succeeded(ip string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	list := l.failed[ip]
	if i := slices.IndexFunc(list, func(t time.Time) bool { return t.Equal(at) }); i >= 0 {
		l.failed[ip] = slices.Delete(list, i, i+1)
	}
}

// recent drops ip's failures older than the window; l.mu is held.
func (l *LoginLimiter) recent(ip string, now time.Time) []time.Time {
	kept := l.failed[ip][:0]
	for _, t := range l.failed[ip] {
		if now.Sub(t) < l.window {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(l.failed, ip)
		return nil
	}
	l.failed[ip] = kept
	return kept
}
