package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/app"
)

// operateConfig is a host on SQLite with the test mode of the offline
// plugin; {{DIR}} and {{DB}} are replaced, {{EXTRA}} adds top-level keys.
const operateConfig = `
environment: development
public_url: "http://placeholder.invalid"
database: {driver: sqlite, dsn: "{{DB}}"}
janitor: {interval: 1h, query_schedule: [1h]}
plugins: {dir: "{{DIR}}", verify: warn, start_timeout: 20s, call_timeout: 5s}
admin: {api_key: "env:E2E_ADMIN_KEY"}
log: {level: info}
{{EXTRA}}
sites:
  - id: shop
    test_mode: true
    api_key: "env:E2E_SITE_KEY"
    webhook: {url: "http://127.0.0.1:1/hook", secret: "env:E2E_WEBHOOK_SECRET", retry_schedule: [1h], timeout: 2s}
    modes:
      test: {enabled: true, config: {signing_key: "env:E2E_SIGNING_KEY"}}
`

// hostProc is a payhost process started from the built binary in a process
// group of its own, so tests can signal the group as systemd does.
type hostProc struct {
	*instance
	mu   sync.Mutex
	logs bytes.Buffer
	done chan struct{}
}

func (p *hostProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func writeOperateConfig(t *testing.T, dir, extra string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "payhost.yaml")
	cfg := strings.NewReplacer("{{DIR}}", dir, "{{DB}}", filepath.Join(t.TempDir(), "payhost.db"), "{{EXTRA}}", extra).Replace(operateConfig)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func startHostProc(t *testing.T, cfgPath string) *hostProc {
	t.Helper()
	addr := freePort(t)
	base := "http://" + addr
	cmd := exec.Command(hostBin, "serve", "--config", cfgPath)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PAYHOST_LISTEN=" + addr, "PAYHOST_PUBLIC_URL=" + base,
		"E2E_ADMIN_KEY=" + adminKey, "E2E_SITE_KEY=" + siteKey, "E2E_WEBHOOK_SECRET=" + webhookSecret, "E2E_SIGNING_KEY=" + signingKey}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logs, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &hostProc{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		cmd.Wait()
	})
	p.instance = &instance{cmd: cmd, base: base, h: &host{t: t, base: base, client: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if r, err := http.Get(base + "/readyz"); err == nil && r.StatusCode == 200 {
			r.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("host did not become ready:\n%s", p.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// procStat is the state letter and parent of a process, ok=false once the
// process is gone.
func procStat(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	ppid, _ = strconv.Atoi(f[1])
	return f[0][0], ppid, true
}

// processes lists the pids of /proc that match (skipping the test where
// there is no /proc).
func processes(t *testing.T, match func(pid int) bool) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && match(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// children lists the processes whose parent is pid.
func children(t *testing.T, pid int) []int {
	t.Helper()
	return processes(t, func(c int) bool {
		_, ppid, ok := procStat(c)
		return ok && ppid == pid
	})
}

// running reports whether pid runs (a zombie nobody reaped does not).
func running(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state != 'Z'
}

// TestHostKilledLeavesNoPlugin SIGKILLs a host running every plugin: no
// plugin process may be left 2 s later.
func TestHostKilledLeavesNoPlugin(t *testing.T) {
	p := startHostProc(t, writeOperateConfig(t, providerDir, ""))
	plugins := children(t, p.cmd.Process.Pid)
	if len(plugins) != 5 {
		t.Fatalf("host runs %d child processes, want the 5 plugins", len(plugins))
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	time.Sleep(2 * time.Second)
	for _, pid := range plugins {
		if running(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("plugin process %d still runs 2 s after the host was killed", pid)
		}
	}
}

// waitExit waits for the host process to end and returns its exit code.
func (p *hostProc) waitExit(t *testing.T, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		<-p.done
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("host still running %s later:\n%s", within, p.log())
		return -1
	}
}

// readyz returns the status and body of /readyz.
func readyz(base string) (int, string) {
	r, err := http.Get(base + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// TestGracefulShutdownOnGroupSignal sends SIGTERM to the host's whole
// process group, as systemd and Ctrl-C do, while a request is in flight:
// /readyz turns 503, the request (a session creation calling the plugin's
// Begin after the signal) completes, no plugin is restarted or reported
// failed, and the host exits 0.
func TestGracefulShutdownOnGroupSignal(t *testing.T) {
	p := startHostProc(t, writeOperateConfig(t, pluginDir, "shutdown: {delay: 1s, drain_timeout: 10s}"))
	plugins := children(t, p.cmd.Process.Pid)

	body, err := json.Marshal(createReq("test", 1500))
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", p.base+"/v1/sessions", pr)
	req.Header.Set("Authorization", "Bearer "+siteKey)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = int64(len(body))
	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		res <- result{status: resp.StatusCode, body: string(b)}
	}()
	pw.Write(body[:len(body)/2]) // the request is now in flight
	time.Sleep(200 * time.Millisecond)

	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(900 * time.Millisecond)
	for {
		status, b := readyz(p.base)
		if status == http.StatusServiceUnavailable && strings.Contains(b, "shutting down") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz while draining: %d %s", status, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // past the delay: the listener is closed
	if _, err := http.Get(p.base + "/healthz"); err == nil {
		t.Error("a new connection was accepted after the shutdown delay")
	}
	for _, pid := range plugins {
		if !running(pid) {
			t.Errorf("plugin %d stopped by the group's SIGTERM before the host drained", pid)
		}
	}
	pw.Write(body[len(body)/2:])
	pw.Close()
	r := <-res
	if r.err != nil || r.status != http.StatusCreated {
		t.Fatalf("request in flight during the shutdown: %d %s %v", r.status, r.body, r.err)
	}
	if code := p.waitExit(t, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, p.log())
	}
	logs := p.log()
	for _, bad := range []string{"[ERROR]", "restarting"} {
		if strings.Contains(logs, bad) {
			t.Errorf("log has %q during a clean shutdown:\n%s", bad, logs)
		}
	}
	time.Sleep(100 * time.Millisecond)
	for _, pid := range plugins {
		if running(pid) {
			t.Errorf("plugin %d still runs after the host exited", pid)
		}
	}
}

// copyPlugins makes a private plugins directory holding the named plugins
// of providerDir; extra bytes appended to a binary make it a different
// version of the same program.
func copyPlugins(t *testing.T, names ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "plugins")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		installPlugin(t, dir, n, "")
	}
	return dir
}

// installPlugin writes plugin name into dir as an operator should: a
// complete file renamed into place.
func installPlugin(t *testing.T, dir, name, suffix string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(providerDir, "payhost-plugin-"+name))
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, ".tmp-"+name)
	if err := os.WriteFile(tmp, append(b, suffix...), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "payhost-plugin-"+name)); err != nil {
		t.Fatal(err)
	}
}

// TestPermanentFailureThenReload swaps the running plugin's binary and
// crashes its process: the restart refuses the unverified file and the
// failure is reported as permanent (admin API, /readyz, the 503 answer to
// the shop) instead of "retry shortly"; a reload then verifies the new
// binary, starts it, and the host is ready again. SIGHUP reloads too and no
// longer kills the host.
func TestPermanentFailureThenReload(t *testing.T) {
	dir := copyPlugins(t, "offline")
	p := startHostProc(t, writeOperateConfig(t, dir, ""))
	h := p.h
	plugins := children(t, p.cmd.Process.Pid)
	if len(plugins) != 1 {
		t.Fatalf("children %v", plugins)
	}
	installPlugin(t, dir, "offline", "v2")
	syscall.Kill(plugins[0], syscall.SIGKILL)

	deadline := time.Now().Add(10 * time.Second)
	for {
		status, b := readyz(p.base)
		if status == http.StatusServiceUnavailable && strings.Contains(b, `"component":"site shop, mode test"`) && strings.Contains(b, `"permanent":true`) && strings.Contains(b, "checksum") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz after the binary changed: %d %s", status, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var list struct {
		Plugins []struct {
			Name      string
			Healthy   bool
			Permanent bool
			Error     string
		}
	}
	h.expect(h.do("GET", "/admin/v1/plugins", adminKey, nil), http.StatusOK).json(t, &list)
	if len(list.Plugins) != 1 || list.Plugins[0].Healthy || !list.Plugins[0].Permanent {
		t.Errorf("admin plugins: %+v", list)
	}
	r := h.do("POST", "/v1/sessions", siteKey, createReq("test", 1500))
	if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "permanent") {
		t.Errorf("creation while the plugin failed permanently: %d %s", r.status, r.body)
	}
	if ra := r.header.Get("Retry-After"); ra != "" {
		t.Errorf("Retry-After %q on a permanent failure that retrying will not fix", ra)
	}
	time.Sleep(time.Second)
	if n := strings.Count(p.log(), "restart failed"); n != 1 {
		t.Errorf("%d restart attempts of a permanently failed plugin, want 1", n)
	}

	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		if status, _ := readyz(p.base); status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after SIGHUP reloaded the new binary:\n%s", p.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(p.log(), "reloaded") {
		t.Errorf("no reload logged:\n%s", p.log())
	}
	h.create("test", 1500)
}

// payStream runs payments (create, pay page, the provider's notification)
// from several workers until stop is closed, and counts them.
func payStream(t *testing.T, base string, stop <-chan struct{}) (paid, failed *atomic.Int64, wait func()) {
	paid, failed = new(atomic.Int64), new(atomic.Int64)
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	var logged sync.Once
	fail := func(format string, args ...any) {
		failed.Add(1)
		logged.Do(func() { t.Errorf("first failure: "+format, args...) })
	}
	pay := func() {
		body, _ := json.Marshal(createReq("test", 1500))
		req, _ := http.NewRequest("POST", base+"/v1/sessions", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+siteKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			fail("create: %v", err)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var s sessionJSON
		if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &s) != nil {
			fail("create: %d %s", resp.StatusCode, b)
			return
		}
		resp, err = client.Get(base + "/pay/" + s.ID)
		if err != nil {
			fail("pay page: %v", err)
			return
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fail("pay page: %d %s", resp.StatusCode, page)
			return
		}
		var paidForm url.Values
		for _, f := range parseForms(t, page) {
			if f.fields.Get("status") == "paid" {
				paidForm = f.fields
			}
		}
		resp, err = client.PostForm(base+"/notify/offline/"+s.ID, paidForm)
		if err != nil {
			fail("notify: %v", err)
			return
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fail("notify: %d %s", resp.StatusCode, b)
			return
		}
		paid.Add(1)
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					pay()
				}
			}
		}()
	}
	return paid, failed, wg.Wait
}

// TestReloadDuringPayments adds a plugin, replaces another and changes the
// configuration while payments stream through the replaced plugin: no
// request fails, the old process drains and stops, and a broken reload
// changes nothing.
func TestReloadDuringPayments(t *testing.T) {
	dir := copyPlugins(t, "offline")
	cfgPath := writeOperateConfig(t, dir, "")
	p := startHostProc(t, cfgPath)
	h := p.h
	old := children(t, p.cmd.Process.Pid)

	stop := make(chan struct{})
	paid, failed, wait := payStream(t, p.base, stop)
	time.Sleep(time.Second)
	before := paid.Load()

	installPlugin(t, dir, "paypal", "")
	installPlugin(t, dir, "offline", "v2")
	cfg, _ := os.ReadFile(cfgPath)
	cfg = bytes.Replace(cfg, []byte("      test: {enabled: true"), []byte("      cheque: {enabled: true, config: {payee: \"Shop\", address: \"1 rue du Test\"}}\n      test: {enabled: true"), 1)
	writeFileAtomic(t, cfgPath, cfg)
	var res struct {
		Applied bool
		Plugins map[string]string
	}
	h.expect(h.do("POST", "/admin/v1/reload", adminKey, nil), http.StatusOK).json(t, &res)
	if !res.Applied || res.Plugins["offline"] != "replaced" || res.Plugins["paypal"] != "added" {
		t.Fatalf("reload: %+v", res)
	}
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wait()
	t.Logf("%d payments went through (%d before the reload, %d during and after it), %d failed", paid.Load(), before, paid.Load()-before, failed.Load())
	if failed.Load() != 0 || paid.Load() == before {
		t.Fatalf("%d failed, %d paid after the reload started", failed.Load(), paid.Load()-before)
	}
	for _, pid := range old {
		if running(pid) {
			t.Errorf("replaced plugin process %d still runs", pid)
		}
	}
	if now := children(t, p.cmd.Process.Pid); len(now) != 2 {
		t.Errorf("host runs %d plugin processes after the reload, want 2", len(now))
	}
	var elig struct {
		Modes []struct{ ID string }
	}
	h.expect(h.do("POST", "/v1/eligibility", siteKey, map[string]any{"cart": cart(1500, "EUR", "FR")}), http.StatusOK).json(t, &elig)
	if !strings.Contains(fmt.Sprint(elig), "cheque") {
		t.Errorf("the mode enabled by the reload is not offered: %+v", elig)
	}

	// A broken configuration and a broken plugin: refused, nothing changes.
	writeFileAtomic(t, cfgPath, bytes.Replace(cfg, []byte("cheque: {enabled: true,"), []byte("cheque: {eligibility: {max_amuont: 5}, enabled: true,"), 1))
	r := h.expect(h.do("POST", "/admin/v1/reload", adminKey, nil), http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), "max_amuont") {
		t.Errorf("refused reload does not say why: %s", r.body)
	}
	writeFileAtomic(t, cfgPath, cfg)
	if err := os.WriteFile(filepath.Join(dir, "payhost-plugin-broken"), []byte("#!/bin/sh\necho not a plugin\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r = h.expect(h.do("POST", "/admin/v1/reload", adminKey, nil), http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), "broken") {
		t.Errorf("refused reload does not name the plugin: %s", r.body)
	}
	if now := children(t, p.cmd.Process.Pid); len(now) != 2 {
		t.Errorf("host runs %d plugin processes after refused reloads, want 2", len(now))
	}
	h.create("test", 1500)
	var metrics string
	if resp, err := http.Get(p.base + "/metrics"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(b)
	}
	for _, want := range []string{`payhost_reloads_total{outcome="applied"} 1`, `payhost_reloads_total{outcome="failed"} 2`,
		`payhost_plugin_up{plugin="paypal"} 1`, `payhost_http_requests_total{route="POST /v1/sessions",status="201"}`, `payhost_build_info{`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func writeFileAtomic(t *testing.T, path string, b []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestConfigCheck runs `payhost config check`: a mode configuration the
// plugin refuses is found (through the plugin), named by its path, and the
// exit status is non-zero; the fixed file passes.
func TestConfigCheck(t *testing.T) {
	good := writeOperateConfig(t, pluginDir, "")
	b, _ := os.ReadFile(good)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, bytes.Replace(b, []byte("      test: {enabled: true"),
		[]byte("      cheque: {enabled: true, config: {payee: \"Shop\", adress: \"typo\"}}\n      test: {enabled: true"), 1), 0o600)
	env := []string{"PATH=" + os.Getenv("PATH"), "E2E_ADMIN_KEY=" + adminKey, "E2E_SITE_KEY=" + siteKey,
		"E2E_WEBHOOK_SECRET=" + webhookSecret, "E2E_SIGNING_KEY=" + signingKey}
	cmd := exec.Command(hostBin, "config", "check", "--config", bad)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "sites[0].modes.cheque.config.adress: unknown key") {
		t.Errorf("check of a bad mode configuration: %v\n%s", err, out)
	}
	cmd = exec.Command(hostBin, "config", "check", "--config", good)
	cmd.Env = append(env, "PAYHOST_LISTN=typo")
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "is valid") || !strings.Contains(string(out), "unknown environment variable PAYHOST_LISTN") {
		t.Errorf("check of a good configuration: %v\n%s", err, out)
	}
}

// TestProductionRefusesUnpinnedPlugins opens a production host whose
// plugins directory holds a binary without a pin: it must not start.
func TestProductionRefusesUnpinnedPlugins(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "payhost.yaml")
	body := strings.NewReplacer("{{DIR}}", pluginDir, "{{DB}}", filepath.Join(t.TempDir(), "payhost.db")).Replace(`
environment: production
public_url: "https://pay.example.com"
database: {driver: sqlite, dsn: "{{DB}}"}
plugins: {dir: "{{DIR}}", verify: strict}
sites:
  - id: shop
    api_key: "env:E2E_SITE_KEY"
    webhook: {secret: "env:E2E_WEBHOOK_SECRET"}
    modes:
      cheque: {enabled: true, config: {payee: "Shop", address: "1 rue du Test"}}
`)
	os.WriteFile(cfg, []byte(body), 0o600)
	env := map[string]string{"E2E_SITE_KEY": siteKey, "E2E_WEBHOOK_SECRET": webhookSecret}
	m := &app.Main{ConfigPath: cfg, LogOutput: io.Discard, Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	err := m.Open(context.Background())
	if err == nil {
		m.Close()
		t.Fatal("production host started with an unpinned plugin")
	}
	if !strings.Contains(err.Error(), "production requires a matching pin") || !strings.Contains(err.Error(), "offline") {
		t.Errorf("err = %v", err)
	}
}

// TestLivemode checks sessions say whether money moves: false on the
// test-mode site, true on the other.
func TestLivemode(t *testing.T) {
	h := startHost(t, hostOptions{})
	var test, live map[string]any
	h.expect(h.do("POST", "/v1/sessions", siteKey, createReq("cheque", 1500)), http.StatusCreated).json(t, &test)
	h.expect(h.do("POST", "/v1/sessions", otherSiteKey, createReq("cheque", 1500)), http.StatusCreated).json(t, &live)
	if test["livemode"] != false || live["livemode"] != true {
		t.Errorf("livemode: test site %v, live site %v", test["livemode"], live["livemode"])
	}
}

// TestReadyzNamesTheDatabase closes the store under a running host:
// /readyz answers 503 naming the database, /healthz stays 200.
func TestReadyzNamesTheDatabase(t *testing.T) {
	h := startHost(t, hostOptions{})
	if status, b := readyz(h.base); status != http.StatusOK {
		t.Fatalf("ready host: %d %s", status, b)
	}
	h.main.Store.Close()
	status, b := readyz(h.base)
	if status != http.StatusServiceUnavailable || !strings.Contains(b, `"component":"database"`) {
		t.Errorf("/readyz without a database: %d %s", status, b)
	}
	h.expect(h.do("GET", "/healthz", "", nil), http.StatusOK)
}
