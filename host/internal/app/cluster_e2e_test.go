package app_test

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/store/storetest"
	"github.com/payhost/payhost/sdk/shop"
)

// clusterConfig is shared by the instances; listen and public_url come
// from PAYHOST_LISTEN and PAYHOST_PUBLIC_URL.
const clusterConfig = `
environment: development
public_url: "http://placeholder.invalid"
database: {driver: postgres, dsn: "env:E2E_DSN"}
webhooks: {poll_interval: 50ms}
janitor: {interval: 1h, query_schedule: [1h]}
plugins: {dir: "{{DIR}}", verify: warn, start_timeout: 20s, call_timeout: 5s}
admin: {api_key: "env:E2E_ADMIN_KEY"}
log: {level: warn}
sites:
  - id: shop
    test_mode: true
    api_key: "env:E2E_SITE_KEY"
    webhook: {url: "{{HOOK}}", secret: "env:E2E_WEBHOOK_SECRET", retry_schedule: [100ms, 100ms, 100ms, 100ms, 100ms], timeout: 2s}
    modes:
      test: {enabled: true, config: {signing_key: "env:E2E_SIGNING_KEY"}}
`

// instance is a payhost process.
type instance struct {
	cmd  *exec.Cmd
	base string
	h    *host
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startInstance(t *testing.T, cfgPath, dsn, name string) *instance {
	t.Helper()
	addr := freePort(t)
	base := "http://" + addr
	cmd := exec.Command(hostBin, "serve", "--config", cfgPath)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PAYHOST_LISTEN=" + addr, "PAYHOST_PUBLIC_URL=" + base, "E2E_DSN=" + dsn,
		"E2E_ADMIN_KEY=" + adminKey, "E2E_SITE_KEY=" + siteKey, "E2E_WEBHOOK_SECRET=" + webhookSecret, "E2E_SIGNING_KEY=" + signingKey}
	logs, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { // keep the pipe drained; show the log on failure
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "[ERROR]") {
				t.Logf("%s: %s", name, sc.Text())
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	inst := &instance{cmd: cmd, base: base, h: &host{t: t, base: base, client: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if r, err := http.Get(base + "/readyz"); err == nil && r.StatusCode == 200 {
			r.Body.Close()
			return inst
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not become ready", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// countingReceiver counts verified webhooks per event id.
type countingReceiver struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *countingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	buf := make([]byte, 1<<16)
	for {
		n, err := r.Body.Read(buf)
		body = append(body, buf[:n]...)
		if err != nil {
			break
		}
	}
	if shop.VerifyWebhook(webhookSecret, r.Header.Get(shop.SignatureHeader), body, time.Now(), 5*time.Minute) != nil {
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.counts[r.Header.Get(shop.EventIDHeader)]++
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// TestTwoInstancesOnPostgres runs two payhost processes on one PostgreSQL
// database: sessions created on A are returned to and notified on B, a
// duplicate notification goes to each, A is killed mid-run; every session
// settles, every webhook reaches the shop exactly once, no reference twice.
func TestTwoInstancesOnPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	rcv := &countingReceiver{counts: map[string]int{}}
	hook := &http.Server{Handler: rcv}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hook.Serve(ln)
	defer hook.Close()
	cfgPath := filepath.Join(t.TempDir(), "payhost.yaml")
	cfg := strings.NewReplacer("{{DIR}}", pluginDir, "{{HOOK}}", "http://"+ln.Addr().String()+"/hook").Replace(clusterConfig)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startInstance(t, cfgPath, dsn, "A")
	b := startInstance(t, cfgPath, dsn, "B")

	const n = 24
	ids := make([]string, n)
	refs := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	settle := func(i int, creator, other *instance) {
		defer wg.Done()
		s := creator.h.create("test", int64(1000+i))
		forms := creator.h.payForms(s.ID)
		mu.Lock()
		ids[i] = s.ID
		if refs[s.Reference] {
			t.Errorf("reference %s issued twice", s.Reference)
		}
		refs[s.Reference] = true
		mu.Unlock()
		// The same notification to both instances at once, and the
		// browser back on the other one.
		var inner sync.WaitGroup
		for _, inst := range []*instance{creator, other} {
			inner.Add(1)
			go func() {
				defer inner.Done()
				inst.h.do("POST", "/notify/offline/"+s.ID, "", forms["paid"].fields)
			}()
		}
		inner.Wait()
		other.h.do("POST", pathOf(t, forms["paid"].action), "", forms["paid"].fields)
	}
	for i := range n / 2 {
		wg.Add(1)
		go settle(i, a, b)
	}
	wg.Wait()
	// A dies without warning while the second half runs on B alone.
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for i := n / 2; i < n; i++ {
		wg.Add(1)
		go settle(i, b, b)
	}
	wg.Wait()

	for _, id := range ids {
		if got := b.h.get(id); got.Status != "paid" {
			t.Errorf("session %s: %s", id, got.Status)
		}
	}
	want := 2 * n // pending and paid for each session
	eventually(t, 30*time.Second, "all webhooks", func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return len(rcv.counts) == want
	})
	time.Sleep(500 * time.Millisecond) // a duplicate would come now
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	// Delivery is at least once: a batch A had claimed and sent when it
	// was killed, but not yet recorded, is sent again by B after the lease
	// (the shop dedupes on Payhost-Event-Id). Nothing else may repeat: at
	// most one claimed batch (4 per parallel delivery, 4 by default), each
	// event at most twice.
	dup := 0
	for _, id := range ids {
		for _, st := range []string{"pending", "paid"} {
			switch c := rcv.counts[id+":"+st]; {
			case c == 2:
				dup++
			case c != 1:
				t.Errorf("event %s:%s delivered %d times", id, st, c)
			}
		}
	}
	if dup > 16 {
		t.Errorf("%d events delivered twice: more than the batch the killed instance held", dup)
	}
	if len(refs) != n {
		t.Errorf("%d distinct references for %d sessions", len(refs), n)
	}
}
