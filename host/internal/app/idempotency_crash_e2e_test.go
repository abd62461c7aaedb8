package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashConfig runs one host with PayPal through the sandbox; {{DB}} is
// its database setting.
const crashConfig = `
environment: development
public_url: "http://placeholder.invalid"
database: {{DB}}
webhooks: {poll_interval: 50ms}
janitor: {interval: 200ms, query_schedule: [1h], stranded_after: 25s}
plugins: {dir: "{{DIR}}", verify: warn, start_timeout: 20s, call_timeout: 5s}
admin: {api_key: "env:E2E_ADMIN_KEY"}
log: {level: warn}
sites:
  - id: shop
    test_mode: true
    api_key: "env:E2E_SITE_KEY"
    webhook: {url: "http://127.0.0.1:1/hook", secret: "env:E2E_WEBHOOK_SECRET"}
    modes:
`

// TestHostKilledMidCreation kills the host (SIGKILL) while two idempotent
// creations wait for PayPal's answer to Begin, then restarts it on the
// same database. The shop's retry of the first is refused while the dead
// request's lease runs (bounded by the call timeout), then resumes the
// session the dead request stored: one session, one PayPal order. The
// second, never retried, is expired by the janitor instead of staying
// created for the whole session lifetime.
func TestHostKilledMidCreation(t *testing.T) {
	engines(t, func(t *testing.T, o hostOptions) {
		sandbox := startSandbox(t)
		sandboxPost(t, sandbox+"/paypal/backoffice/apps", map[string]string{"client_id": "e2e-client", "client_secret": "e2e-client-secret",
			"webhook_url": "http://127.0.0.1:1/notify/paypal", "webhook_id": "E2E-WEBHOOK"})
		dir := t.TempDir()
		cfgPath := filepath.Join(dir, "payhost.yaml")
		mode := strings.ReplaceAll(strings.ReplaceAll(paypalMode, "%s", sandbox), "VERIFICATION", "offline")
		db := `{driver: sqlite, dsn: "` + filepath.Join(dir, "payhost.db") + `"}`
		if o.postgres != "" {
			db = `{driver: postgres, dsn: "env:E2E_DSN"}`
		}
		cfg := strings.NewReplacer("{{DB}}", db, "{{DIR}}", providerDir).Replace(crashConfig) + mode
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		a := startInstance(t, cfgPath, o.postgres, "first")

		// Begin hangs at PayPal (within the call timeout) while the host dies.
		sandboxPost(t, sandbox+"/paypal/backoffice/settings", map[string]int64{"create_delay_ms": 4000})
		var wg sync.WaitGroup
		for _, key := range []string{"crash-1", "crash-2"} {
			wg.Add(1)
			body, _ := json.Marshal(createReq("paypal", 2599))
			req, _ := http.NewRequest("POST", a.base+"/v1/sessions", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+siteKey)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", key)
			go func() {
				defer wg.Done()
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
					t.Errorf("%s answered %d before the crash", key, resp.StatusCode)
				}
			}()
		}
		var stored []sessionJSON
		eventually(t, 3*time.Second, "two sessions stored before Begin answers", func() bool {
			stored = listSessions(t, a.h, "")
			return len(stored) == 2
		})
		if err := a.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		a.cmd.Wait()
		wg.Wait()
		sandboxPost(t, sandbox+"/paypal/backoffice/settings", map[string]int64{"create_delay_ms": 0})

		b := startInstance(t, cfgPath, o.postgres, "restarted")
		// The dead request's lease has not lapsed yet.
		r := b.h.do("POST", "/v1/sessions", siteKey, createReq("paypal", 2599), "Idempotency-Key", "crash-1")
		if r.status != http.StatusConflict || r.errorCode(t) != "idempotency_in_progress" {
			t.Fatalf("retry during the lease: %d %s", r.status, r.body)
		}
		var resumed sessionJSON
		eventually(t, 20*time.Second, "the retry resumes the session", func() bool {
			r := b.h.do("POST", "/v1/sessions", siteKey, createReq("paypal", 2599), "Idempotency-Key", "crash-1")
			if r.status != http.StatusCreated {
				return false
			}
			r.json(t, &resumed)
			return true
		})
		if resumed.ID != stored[0].ID && resumed.ID != stored[1].ID {
			t.Errorf("the retry answered %s, not one of the sessions stored before the crash (%s, %s)", resumed.ID, stored[0].ID, stored[1].ID)
		}
		if resumed.Status != "pending" || resumed.RedirectURL == "" {
			t.Errorf("resumed session: %s, redirect %q", resumed.Status, resumed.RedirectURL)
		}
		var orders []map[string]string
		resp, err := http.Get(sandbox + "/paypal/backoffice/orders?reference=" + resumed.Reference)
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&orders)
		resp.Body.Close()
		if len(orders) != 1 {
			t.Errorf("%d PayPal orders for the resumed session, want 1", len(orders))
		}
		// A replay answers the same session; still two sessions in all.
		again := b.h.expect(b.h.do("POST", "/v1/sessions", siteKey, createReq("paypal", 2599), "Idempotency-Key", "crash-1"), http.StatusCreated)
		var replayed sessionJSON
		again.json(t, &replayed)
		if replayed.ID != resumed.ID {
			t.Errorf("replay answered %s, want %s", replayed.ID, resumed.ID)
		}
		// The other one, never retried, is expired by the janitor.
		var other string
		for _, s := range stored {
			if s.ID != resumed.ID {
				other = s.ID
			}
		}
		eventually(t, 30*time.Second, "the stranded session expires", func() bool { return b.h.get(other).Status == "expired" })
		if tl := timeline(b.h.get(other)); !strings.Contains(fmt.Sprint(tl), "janitor:applied:created>expired") {
			t.Errorf("stranded session timeline: %v", tl)
		}
		if all := listSessions(t, b.h, ""); len(all) != 2 {
			t.Errorf("%d sessions after the retries, want the 2 created before the crash", len(all))
		}
	})
}

// listSessions lists sessions through the admin API; query is appended
// to the URL.
func listSessions(t *testing.T, h *host, query string) []sessionJSON {
	t.Helper()
	var out struct {
		Sessions []sessionJSON `json:"sessions"`
	}
	h.expect(h.do("GET", "/admin/v1/sessions"+query, adminKey, nil), http.StatusOK).json(t, &out)
	return out.Sessions
}
