package app_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHostCrashWhileNotificationsArrive kills the host process (SIGKILL) in
// the middle of a burst of notifications on SQLite, restarts it on the same
// database, and lets the "provider" retry every notification that did not
// get its 200 — as providers do. Every session ends paid exactly once:
// nothing committed is lost, nothing is applied twice.
func TestHostCrashWhileNotificationsArrive(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "payhost.yaml")
	cfg := strings.NewReplacer(`{driver: postgres, dsn: "env:E2E_DSN"}`, `{driver: sqlite, dsn: "`+filepath.Join(dir, "payhost.db")+`"}`,
		"{{DIR}}", pluginDir, "{{HOOK}}", "http://127.0.0.1:1/hook").Replace(clusterConfig)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startInstance(t, cfgPath, "", "first")

	const n = 40
	type pay struct {
		id   string
		form form
	}
	sessions := make([]pay, n)
	for i := range sessions {
		s := a.h.create("test", int64(500+i))
		sessions[i] = pay{s.ID, a.h.payForms(s.ID)["paid"]}
	}
	// The burst: the host is killed while it runs.
	acked := make([]bool, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	nacked := 0
	var once sync.Once
	client := &http.Client{Timeout: 5 * time.Second}
	for i, p := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.PostForm(a.base+"/notify/offline/"+p.id, p.form.fields)
			if err != nil {
				return
			}
			resp.Body.Close()
			mu.Lock()
			acked[i] = resp.StatusCode == http.StatusOK
			if acked[i] {
				nacked++
			}
			kill := nacked >= n/4
			mu.Unlock()
			if kill { // a quarter through: the host dies under load
				once.Do(func() { a.cmd.Process.Kill() })
			}
		}()
		time.Sleep(3 * time.Millisecond)
	}
	wg.Wait()
	once.Do(func() { a.cmd.Process.Kill() })
	a.cmd.Wait()

	b := startInstance(t, cfgPath, "", "restarted")
	retried := 0
	for i, p := range sessions {
		if !acked[i] { // the provider retries what was not acknowledged
			retried++
			b.h.expect(b.h.do("POST", "/notify/offline/"+p.id, "", p.form.fields), http.StatusOK)
		}
	}
	t.Logf("%d notifications acknowledged before the crash, %d retried after the restart", n-retried, retried)
	for _, p := range sessions {
		got := b.h.get(p.id)
		applied := 0
		for _, e := range got.Events {
			if e.Source == "notification" && e.Result == "applied" {
				applied++
			}
		}
		if got.Status != "paid" || applied != 1 {
			t.Errorf("session %s: %s with %d applied notifications: %v", p.id, got.Status, applied, timeline(got))
		}
	}
}
