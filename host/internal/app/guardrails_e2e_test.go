package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/app"
	"github.com/payhost/payhost/host/internal/pluginmgr"
)

// openConfig opens an in-process host on a loopback port with the given
// configuration ({{DB}} is replaced by a fresh SQLite file); the host is
// closed when the test ends.
func openConfig(t *testing.T, yaml string, env map[string]string) (*app.Main, string, error) {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "payhost.yaml")
	yaml = strings.ReplaceAll(yaml, "{{DB}}", filepath.Join(t.TempDir(), "payhost.db"))
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &app.Main{ConfigPath: cfgPath, Listener: ln, LogOutput: io.Discard,
		Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := m.Open(ctx); err != nil {
		ln.Close()
		return nil, cfgPath, err
	}
	go m.Serve()
	t.Cleanup(func() { _ = m.Close() })
	return m, cfgPath, nil
}

// pinsOf pins every binary of a plugins directory, as YAML flow mapping.
func pinsOf(t *testing.T, dir string) string {
	t.Helper()
	bins, err := pluginmgr.Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	var pins []string
	for _, b := range bins {
		pins = append(pins, fmt.Sprintf("%s: \"sha256:%s\"", b.Name, b.SHA256))
	}
	sort.Strings(pins)
	return "{" + strings.Join(pins, ", ") + "}"
}

// prodConfig is a production host on the plugins of dir, all pinned, with
// one site whose modes are given (YAML indented six spaces).
func prodConfig(dir, pins, modes string) string {
	return strings.NewReplacer("{{DIR}}", dir, "{{PINS}}", pins, "{{MODES}}", modes).Replace(`
environment: production
public_url: "https://pay.example.com"
database: {driver: sqlite, dsn: "{{DB}}"}
janitor: {interval: 1h, query_schedule: [1h]}
plugins: {dir: "{{DIR}}", verify: strict, start_timeout: 20s, call_timeout: 5s, pins: {{PINS}}}
log: {level: warn}
sites:
  - id: shop
    api_key: "env:E2E_SITE_KEY"
    webhook: {secret: "env:E2E_WEBHOOK_SECRET"}
    modes:
      cheque: {enabled: true, config: {payee: "Shop", address: "1 rue du Test"}}
{{MODES}}`)
}

var prodEnv = map[string]string{"E2E_SITE_KEY": siteKey, "E2E_WEBHOOK_SECRET": webhookSecret, "E2E_SIGNING_KEY": signingKey}

// TestProductionRefusesLiteralModeSecrets: in production a mode key its
// plugin's schema declares secret (here the offline test mode's
// signing_key) must come from env: or file:, never from the file itself;
// the same key given by reference opens.
func TestProductionRefusesLiteralModeSecrets(t *testing.T) {
	dir := copyPlugins(t, "offline")
	pins := pinsOf(t, dir)
	keyFile := filepath.Join(t.TempDir(), "signing_key")
	if err := os.WriteFile(keyFile, []byte(signingKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key string
		refused   bool
	}{
		{"literal", `"` + signingKey + `"`, true},
		{"env", `"env:E2E_SIGNING_KEY"`, false},
		{"file", `"file:` + keyFile + `"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := prodConfig(dir, pins, "      test: {enabled: true, config: {signing_key: "+tc.key+"}}\n")
			_, _, err := openConfig(t, cfg, prodEnv)
			if !tc.refused {
				if err != nil {
					t.Fatalf("a secret given by reference is refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("production host started with a literal mode secret")
			}
			if msg := err.Error(); !strings.Contains(msg, "sites[0].modes.test") || !strings.Contains(msg, "signing_key") ||
				!strings.Contains(msg, "in production give it as env:NAME or file:/path") {
				t.Errorf("err = %v", err)
			}
			if strings.Contains(err.Error(), signingKey) {
				t.Errorf("the refusal repeats the secret: %v", err)
			}
		})
	}
}

// TestProductionReloadRefusesUnpinnedBinary drops a new, unpinned plugin
// into a production host's directory: the reload is refused as production
// requires, nothing is started and the running set stays; once pinned, the
// same binary is added.
func TestProductionReloadRefusesUnpinnedBinary(t *testing.T) {
	dir := copyPlugins(t, "offline")
	m, cfgPath, err := openConfig(t, prodConfig(dir, pinsOf(t, dir), ""), prodEnv)
	if err != nil {
		t.Fatal(err)
	}
	installPlugin(t, dir, "paypal", "")
	res, err := m.Reload(context.Background())
	if err == nil || res.Applied {
		t.Fatalf("reload with an unpinned binary in production: %+v %v", res, err)
	}
	if !strings.Contains(err.Error(), "production requires a matching pin") || !strings.Contains(err.Error(), "paypal") {
		t.Errorf("err = %v", err)
	}
	if got := m.Plugins.Plugins(); len(got) != 1 || got[0].Name != "offline" || !got[0].Healthy {
		t.Errorf("running set after the refused reload: %+v", got)
	}
	paypal := filepath.Join(dir, "payhost-plugin-paypal")
	if pids := pidsOf(t, paypal); len(pids) != 0 {
		t.Errorf("the refused binary runs: %v", pids)
	}

	writeFileAtomic(t, cfgPath, []byte(strings.ReplaceAll(prodConfig(dir, pinsOf(t, dir), ""), "{{DB}}", m.Config.Database.DSN)))
	res, err = m.Reload(context.Background())
	if err != nil || res.Plugins["paypal"] != pluginmgr.Add {
		t.Fatalf("reload once pinned: %+v %v", res, err)
	}
}

// pidsOf lists the running processes whose executable is exe.
func pidsOf(t *testing.T, exe string) []int {
	t.Helper()
	return processes(t, func(pid int) bool {
		target, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
		return err == nil && target == exe && running(pid)
	})
}

// TestWebhookLivemode checks webhooks say whether money moved: false for a
// session of a test-mode site, true for the other.
func TestWebhookLivemode(t *testing.T) {
	var mu sync.Mutex
	got := map[string]map[string]any{} // session id -> last payload
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id, _ := body["id"].(string)
		mu.Lock()
		got[id] = body
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	cfg := strings.NewReplacer("{{DIR}}", pluginDir, "{{HOOK}}", rcv.URL+"/hook").Replace(`
environment: development
public_url: "http://placeholder.invalid"
database: {driver: sqlite, dsn: "{{DB}}"}
webhooks: {poll_interval: 50ms}
janitor: {interval: 1h, query_schedule: [1h]}
plugins: {dir: "{{DIR}}", verify: warn, start_timeout: 20s, call_timeout: 5s}
log: {level: warn}
sites:
  - id: shop
    test_mode: true
    api_key: "env:E2E_SITE_KEY"
    webhook: {url: "{{HOOK}}", secret: "env:E2E_WEBHOOK_SECRET", retry_schedule: [100ms]}
    modes:
      cheque: {enabled: true, config: {payee: "Shop", address: "1 rue du Test"}}
  - id: other
    api_key: "env:E2E_OTHER_KEY"
    webhook: {url: "{{HOOK}}", secret: "env:E2E_WEBHOOK_SECRET", retry_schedule: [100ms]}
    modes:
      cheque: {enabled: true, config: {payee: "Other", address: "2 rue Ailleurs"}}
`)
	m, _, err := openConfig(t, cfg, map[string]string{"E2E_SITE_KEY": siteKey, "E2E_OTHER_KEY": otherSiteKey, "E2E_WEBHOOK_SECRET": webhookSecret})
	if err != nil {
		t.Fatal(err)
	}
	h := &host{noSpec: true, t: t, main: m, base: "http://" + m.Addr().String(), client: &http.Client{Timeout: 30 * time.Second}}
	var test, live sessionJSON
	h.expect(h.do("POST", "/v1/sessions", siteKey, createReq("cheque", 1500)), http.StatusCreated).json(t, &test)
	h.expect(h.do("POST", "/v1/sessions", otherSiteKey, createReq("cheque", 1500)), http.StatusCreated).json(t, &live)
	payload := func(id string) map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return got[id]
	}
	eventually(t, 20*time.Second, "both webhooks", func() bool { return payload(test.ID) != nil && payload(live.ID) != nil })
	if lm, ok := payload(test.ID)["livemode"]; !ok || lm != false {
		t.Errorf("webhook of the test-mode site: livemode %v (present %v)", lm, ok)
	}
	if lm, ok := payload(live.ID)["livemode"]; !ok || lm != true {
		t.Errorf("webhook of the live site: livemode %v (present %v)", lm, ok)
	}
}
