package app_test

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
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

// children lists the processes whose parent is pid.
func children(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var out []int
	for _, e := range entries {
		c, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ppid, ok := procStat(c); ok && ppid == pid {
			out = append(out, c)
		}
	}
	return out
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
