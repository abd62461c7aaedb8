package app_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/payhost/payhost/host/internal/app"
	"github.com/payhost/payhost/host/internal/store/storetest"
)

// The real binaries, built once for the package: pluginDir holds the
// offline plugin alone, providerDir every plugin, sandboxBin the provider
// simulators.
var pluginDir, providerDir, sandboxBin, hostBin, shopBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "payhost-e2e-plugins-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// pluginDir: the offline plugin alone; providerDir: every plugin; the
	// sandbox binary beside them.
	providers := filepath.Join(dir, "all")
	builds := []struct{ out, pkg string }{
		{filepath.Join(dir, "payhost-plugin-offline"), "./plugins/offline/cmd/payhost-plugin-offline"},
		{filepath.Join(providers, "payhost-plugin-offline"), "./plugins/offline/cmd/payhost-plugin-offline"},
		{filepath.Join(providers, "payhost-plugin-mercanet"), "./plugins/mercanet/cmd/payhost-plugin-mercanet"},
		{filepath.Join(providers, "payhost-plugin-ogone"), "./plugins/ogone/cmd/payhost-plugin-ogone"},
		{filepath.Join(providers, "payhost-plugin-paypal"), "./plugins/paypal/cmd/payhost-plugin-paypal"},
		{filepath.Join(providers, "payhost-plugin-systempay"), "./plugins/systempay/cmd/payhost-plugin-systempay"},
		{filepath.Join(dir, "sandbox", "payhost-sandbox"), "./cmd/payhost-sandbox"},
		{filepath.Join(dir, "sandbox", "payhost"), "./host/cmd/payhost"},
		{filepath.Join(dir, "sandbox", "payhost-demo-shop"), "./cmd/payhost-demo-shop"},
	}
	for _, b := range builds {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Dir = moduleRoot()
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building", b.pkg+":", err)
			return 1
		}
		if err := os.Chmod(b.out, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if err := os.Chmod(providers, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	pluginDir, providerDir = dir, providers
	sandboxBin, hostBin = filepath.Join(dir, "sandbox", "payhost-sandbox"), filepath.Join(dir, "sandbox", "payhost")
	shopBin = filepath.Join(dir, "sandbox", "payhost-demo-shop")
	return m.Run()
}

// moduleRoot is the repository root, three levels above this package.
func moduleRoot() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..", "..")
}

const (
	siteKey       = "site_key_for_e2e_tests_000001"
	otherSiteKey  = "site_key_for_e2e_tests_000002"
	adminKey      = "admin_key_for_e2e_tests_00001"
	webhookSecret = "webhook_secret_for_e2e_tests"
	signingKey    = "test_mode_signing_key_e2e_0001"
)

// hostConfig is a configuration with two sites; the {{...}} markers are
// replaced by openHost.
const hostConfig = `
environment: development
listen: "127.0.0.1:0"
public_url: "http://placeholder.invalid"
database: {driver: {{DRIVER}}, dsn: "{{DB}}"}
webhooks: {poll_interval: 50ms}
janitor: {{JANITOR}}
plugins:
  dir: "{{DIR}}"
  verify: {{VERIFY}}
  start_timeout: 20s
  call_timeout: 5s
{{PINS}}
admin: {api_key: "env:E2E_ADMIN_KEY"{{OPERATORS}}}
log: {level: warn}
{{EXTRA}}
sites:
  - id: shop
    test_mode: true
    api_key: "env:E2E_SITE_KEY"
    webhook: {url: "{{HOOK}}", secret: "env:E2E_WEBHOOK_SECRET", retry_schedule: [100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms, 100ms], timeout: 500ms}
    session_lifetime: {{LIFETIME}}
    cart_types: [web, click_and_collect]
    modes:
      test: {enabled: true, order: 1, config: {signing_key: "env:E2E_SIGNING_KEY"}}
      free: {enabled: true, order: 2}
      cheque:
        enabled: true
        order: 3
        eligibility: {max_amount: 100000, currencies: [EUR], countries: [FR, BE]}
        config: {payee: "E2E Shop", address: "1 rue du Test, Paris"}
      transfer:
        enabled: true
        order: 4
        eligibility: {min_amount: 1000}
        config: {account_holder: "E2E Shop", iban: "FR1420041010050500013M02606", bic: "PSSTFRPPPAR"}
{{MODES}}  - id: other
    test_mode: false
    api_key: "env:E2E_OTHER_KEY"
    webhook: {secret: "other_webhook_secret_0123"}
    modes:
      cheque:
        enabled: true
        config: {payee: "Other Shop", address: "2 rue Ailleurs"}
`

type host struct {
	noSpec bool
	t      testing.TB
	main   *app.Main
	base   string
	dbPath string
	client *http.Client
}

type hostOptions struct {
	verify string            // "warn" (default) or "strict"
	pins   map[string]string // plugin -> "sha256:..."
	dir    string            // plugins directory (default: the built one)
	dbPath string            // default: a new file under t.TempDir()
	// postgres, when set, is the DSN of a PostgreSQL database the host
	// uses instead of SQLite (see engines).
	postgres string
	modes    string // YAML of extra modes for the site "shop", indented six spaces
	hook     string // the shop's webhook URL (default: a closed port)
	// janitor is the janitor's YAML (default: runs rarely, never queries
	// during a test); lifetime the shop's session lifetime (default 24h).
	janitor, lifetime string
	// noSpec skips the OpenAPI check of each exchange (benchmarks measure
	// the host, not the validator).
	noSpec bool
	// publicURL replaces the host's own address in the URLs it gives out
	// (a proxy in front of it).
	publicURL string
	// logs receives the host's log (default: discarded).
	logs io.Writer
	// operators is YAML appended to the admin mapping, e.g.
	// ", operators: [...]".
	operators string
	// extra is YAML of top-level keys added to the configuration.
	extra string
}

// with returns the host bound to t, so that a failure inside a subtest
// fails that subtest.
func (h *host) with(t testing.TB) *host {
	c := *h
	c.t = t
	return &c
}

func startHost(t testing.TB, o hostOptions) *host {
	t.Helper()
	h, err := openHost(t, o)
	if err != nil {
		t.Fatalf("starting host: %v", err)
	}
	return h
}

// openHost starts a host in-process on a loopback port with the real plugin
// binaries and an SQLite file.
func openHost(t testing.TB, o hostOptions) (*host, error) {
	t.Helper()
	if o.verify == "" {
		o.verify = "warn"
	}
	if o.dir == "" {
		o.dir = pluginDir
	}
	if o.dbPath == "" {
		o.dbPath = filepath.Join(t.TempDir(), "payhost.db")
	}
	pins := ""
	if len(o.pins) > 0 {
		pins = "  pins:\n"
		for k, v := range o.pins {
			pins += fmt.Sprintf("    %s: %q\n", k, v)
		}
	}
	cfgPath := filepath.Join(t.TempDir(), "payhost.yaml")
	if o.hook == "" {
		o.hook = "http://127.0.0.1:1/hook"
	}
	if o.janitor == "" {
		o.janitor = "{interval: 1h, query_schedule: [1h]}"
	}
	if o.lifetime == "" {
		o.lifetime = "24h"
	}
	driver, dsn := "sqlite", o.dbPath
	if o.postgres != "" {
		driver, dsn = "postgres", o.postgres
	}
	cfg := strings.NewReplacer("{{DRIVER}}", driver, "{{DB}}", dsn, "{{DIR}}", o.dir, "{{VERIFY}}", o.verify, "{{PINS}}", strings.TrimSuffix(pins, "\n"),
		"{{MODES}}", o.modes, "{{HOOK}}", o.hook, "{{JANITOR}}", o.janitor, "{{LIFETIME}}", o.lifetime, "{{OPERATORS}}", o.operators, "{{EXTRA}}", o.extra).Replace(hostConfig)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	public := base
	if o.publicURL != "" {
		public = o.publicURL
	}
	env := map[string]string{
		"E2E_ADMIN_KEY": adminKey, "E2E_SITE_KEY": siteKey, "E2E_OTHER_KEY": otherSiteKey,
		"E2E_WEBHOOK_SECRET": webhookSecret, "E2E_SIGNING_KEY": signingKey,
		"PAYHOST_PUBLIC_URL": public,
	}
	m := &app.Main{
		ConfigPath: cfgPath,
		Getenv:     func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Listener:   ln,
		LogOutput:  o.logs,
	}
	if m.LogOutput == nil {
		m.LogOutput = io.Discard
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := m.Open(ctx); err != nil {
		ln.Close()
		return nil, err
	}
	go m.Serve()
	h := &host{noSpec: o.noSpec, t: t, main: m, base: base, dbPath: o.dbPath, client: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	t.Cleanup(func() { _ = m.Close() })
	return h, nil
}

// engines runs fn on SQLite, and on PostgreSQL when PAYHOST_TEST_POSTGRES
// names a server (a fresh schema each time), each as a subtest.
func engines(t *testing.T, fn func(t *testing.T, o hostOptions)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, hostOptions{}) })
	t.Run("postgres", func(t *testing.T) { fn(t, hostOptions{postgres: storetest.PostgresDSN(t)}) })
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

func (r response) errorCode(t testing.TB) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	r.json(t, &e)
	if e.Error.Message == "" {
		t.Errorf("error %q has no message", e.Error.Code)
	}
	return e.Error.Code
}

func (h *host) do(method, path, key string, body any, headers ...string) response {
	h.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case url.Values:
		raw = []byte(b.Encode())
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		raw = buf
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.base+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	// The harness navigates like a browser (Sec-Fetch-Dest: document on
	// a GET); a test of another kind of fetch overrides it.
	if method == "GET" {
		req.Header.Set("Sec-Fetch-Dest", "document")
	}
	if _, ok := body.(url.Values); ok {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !h.noSpec {
		checkAgainstSpec(h.t, req, raw, resp.StatusCode, resp.Header, b)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (h *host) expect(r response, status int) response {
	h.t.Helper()
	if r.status != status {
		h.t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

type sessionJSON struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Mode         string `json:"mode"`
	Amount       int64  `json:"amount"`
	Currency     string `json:"currency"`
	Reference    string `json:"reference"`
	OrderRef     string `json:"order_ref"`
	RedirectURL  string `json:"redirect_url"`
	Instructions *struct {
		Text    string `json:"text"`
		Details []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"details"`
	} `json:"instructions"`
	Events []struct {
		Source string `json:"source"`
		Result string `json:"result"`
		From   string `json:"from"`
		To     string `json:"to"`
		Reason string `json:"reason"`
	} `json:"events"`
}

func cart(total int64, currency, country string) map[string]any {
	lines := []map[string]any{}
	if total > 0 {
		lines = append(lines, map[string]any{"sku": "SKU-1", "label": "Thing", "quantity": 1, "unit_amount": total, "tax_rate": 2000})
	}
	return map[string]any{"type": "web", "currency": currency, "country": country, "lines": lines, "shipping_amount": 0, "total_amount": total}
}

func createReq(mode string, total int64) map[string]any {
	return map[string]any{
		"mode": mode, "order_ref": "order-42", "cart": cart(total, "EUR", "FR"),
		"customer":   map[string]any{"email": "ada@example.com", "name": "Ada", "locale": "fr-FR"},
		"return_url": "https://shop.example/return?order=42", "cancel_url": "https://shop.example/cancel",
	}
}

func (h *host) create(mode string, total int64) sessionJSON {
	h.t.Helper()
	var s sessionJSON
	h.expect(h.do("POST", "/v1/sessions", siteKey, createReq(mode, total)), http.StatusCreated).json(h.t, &s)
	return s
}

func (h *host) get(id string) sessionJSON {
	h.t.Helper()
	var s sessionJSON
	h.expect(h.do("GET", "/v1/sessions/"+id, siteKey, nil), http.StatusOK).json(h.t, &s)
	return s
}

// payForms reads the /pay page as a browser would and returns its forms,
// keyed by the value of their "status" field.
func (h *host) payForms(id string) map[string]form {
	h.t.Helper()
	r := h.expect(h.do("GET", "/pay/"+id, "", nil), http.StatusOK)
	forms := map[string]form{}
	for _, f := range parseForms(h.t, r.body) {
		forms[f.fields.Get("status")] = f
	}
	return forms
}

// parseForms returns the forms of an HTML page with their hidden inputs.
func parseForms(t testing.TB, page []byte) []form {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var forms []form
	var walk func(n *html.Node, cur *form)
	walk = func(n *html.Node, cur *form) {
		if n.Type == html.ElementNode && n.Data == "form" {
			f := form{fields: url.Values{}}
			for _, a := range n.Attr {
				switch a.Key {
				case "action":
					f.action = a.Val
				case "method":
					f.method = strings.ToUpper(a.Val)
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, &f)
			}
			forms = append(forms, f)
			return
		}
		if n.Type == html.ElementNode && n.Data == "input" && cur != nil {
			var name, value string
			for _, a := range n.Attr {
				switch a.Key {
				case "name":
					name = a.Val
				case "value":
					value = a.Val
				}
			}
			cur.fields.Add(name, value)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, cur)
		}
	}
	walk(doc, nil)
	return forms
}

type form struct {
	action, method string
	fields         url.Values
}

// resign recomputes the test mode's signature over the fields (the rule
// documented in plugins/offline: hex HMAC-SHA256 of the sorted name=value
// pairs of every field but sig, joined with &).
func resign(fields url.Values, key string) url.Values {
	out := url.Values{}
	var names []string
	for k, v := range fields {
		if k == "sig" {
			continue
		}
		out[k] = append([]string(nil), v...)
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + out.Get(n)
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(strings.Join(parts, "&")))
	out.Set("sig", hex.EncodeToString(m.Sum(nil)))
	return out
}

func pathOf(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
