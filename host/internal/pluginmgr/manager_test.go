package pluginmgr_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/sdk/payment"
)

var (
	buildOnce  sync.Once
	fixtureBin string
	buildErr   error
)

// fixture returns a private plugins directory holding the fixture plugin.
func fixture(t *testing.T) (dir, exe string) {
	t.Helper()
	buildOnce.Do(func() {
		out, err := os.MkdirTemp("", "pluginmgr-fixture-")
		if err != nil {
			buildErr = err
			return
		}
		fixtureBin = filepath.Join(out, "fixture")
		cmd := exec.Command("go", "build", "-o", fixtureBin, "./testdata/fixture")
		cmd.Stderr = os.Stderr
		buildErr = cmd.Run()
	})
	if buildErr != nil {
		t.Fatalf("building fixture plugin: %v", buildErr)
	}
	dir = filepath.Join(t.TempDir(), "plugins")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe = filepath.Join(dir, pluginmgr.Prefix+"fixture")
	b, err := os.ReadFile(fixtureBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, exe
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureBin != "" {
		os.RemoveAll(filepath.Dir(fixtureBin))
	}
	os.Exit(code)
}

func start(t *testing.T, o pluginmgr.Options) *pluginmgr.Manager {
	t.Helper()
	if o.Logger == nil {
		o.Logger = hclog.New(&hclog.LoggerOptions{Output: io.Discard})
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 20 * time.Second
	}
	m := pluginmgr.New(o)
	t.Cleanup(func() { m.Close() })
	if err := m.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	return m
}

func pin(t *testing.T, dir string) map[string]string {
	t.Helper()
	bins, err := pluginmgr.Discover(dir)
	if err != nil || len(bins) != 1 {
		t.Fatalf("discover: %v %v", bins, err)
	}
	return map[string]string{"fixture": "sha256:" + bins[0].SHA256}
}

func TestDiscoverChecks(t *testing.T) {
	dir, exe := fixture(t)
	for name, mode := range map[string]os.FileMode{"payhost-plugin-open": 0o777, "payhost-plugin-noexec": 0o644} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(dir, name), mode) // umask
	}
	os.WriteFile(filepath.Join(dir, "README"), []byte("ignored"), 0o644)
	os.Symlink(exe, filepath.Join(dir, "payhost-plugin-link"))

	bins, err := pluginmgr.Discover(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range bins {
		got[b.Name] = b.Problem
	}
	want := map[string]string{"fixture": "", "open": "writable by group or others", "noexec": "not executable", "link": "symlink"}
	if len(got) != len(want) {
		t.Fatalf("discovered %v", got)
	}
	for name, problem := range want {
		if p, ok := got[name]; !ok || (problem == "" && p != "") || !strings.Contains(p, problem) {
			t.Errorf("%s: problem %q, want %q", name, p, problem)
		}
	}

	link := filepath.Join(t.TempDir(), "linked")
	os.Symlink(dir, link)
	if _, err := pluginmgr.Discover(link); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("symlinked directory: %v", err)
	}
	os.Chmod(dir, 0o777)
	if _, err := pluginmgr.Discover(dir); err == nil || !strings.Contains(err.Error(), "writable") {
		t.Errorf("world-writable directory: %v", err)
	}
	if _, err := pluginmgr.Discover(filepath.Join(dir, "nope")); err == nil {
		t.Error("missing directory accepted")
	}
}

func TestVerifyAndPins(t *testing.T) {
	dir, exe := fixture(t)
	pins := pin(t, dir)
	bins, _ := pluginmgr.Discover(dir)
	r := pluginmgr.Verify(bins, map[string]string{"fixture": pins["fixture"], "gone": "sha256:00"})
	if len(r) != 2 || !r[0].OK || r[1].Status != pluginmgr.PinNoBinary {
		t.Fatalf("verify = %+v", r)
	}
	if y := pluginmgr.PinsYAML(bins); !strings.Contains(y, "fixture: \""+pins["fixture"]+"\"") {
		t.Errorf("pins yaml:\n%s", y)
	}

	tests := []struct {
		name     string
		verify   pluginmgr.VerifyMode
		pins     map[string]string
		tamper   bool
		loaded   bool
		errorHas string
	}{
		{"strict pinned", pluginmgr.VerifyStrict, pins, false, true, ""},
		{"strict unpinned", pluginmgr.VerifyStrict, nil, false, false, "not pinned"},
		{"strict changed", pluginmgr.VerifyStrict, pins, true, false, "checksum"},
		{"warn unpinned", pluginmgr.VerifyWarn, nil, false, true, ""},
		{"warn changed", pluginmgr.VerifyWarn, pins, true, true, ""},
		{"uppercase pin", pluginmgr.VerifyStrict, map[string]string{"fixture": strings.ToUpper(pins["fixture"][7:])}, false, false, "checksum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, exe := fixture(t)
			if tc.tamper {
				f, _ := os.OpenFile(exe, os.O_APPEND|os.O_WRONLY, 0)
				f.Write([]byte("tampered"))
				f.Close()
			}
			m := start(t, pluginmgr.Options{Dir: dir, Verify: tc.verify, Pins: tc.pins})
			_, loaded := m.Provider("fixture")
			info := m.Plugins()
			if loaded != tc.loaded || len(info) != 1 || !strings.Contains(info[0].Err, tc.errorHas) {
				t.Fatalf("loaded=%v info=%+v", loaded, info)
			}
			if got := len(m.Modes()); (got == 1) != tc.loaded {
				t.Errorf("modes = %d", got)
			}
		})
	}
	_ = exe
}

func TestPluginEnvironmentIsolated(t *testing.T) {
	dir, _ := fixture(t)
	t.Setenv("PAYHOST_ADMIN_API_KEY", "host-secret")
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn})
	p, ok := m.Provider("fixture")
	if !ok {
		t.Fatalf("not loaded: %+v", m.Plugins())
	}
	resp, err := p.ValidateConfig(context.Background(), payment.ValidateConfigRequest{Config: payment.Config{"env": "PAYHOST_ADMIN_API_KEY"}})
	if err != nil || len(resp.Problems) != 1 || resp.Problems[0].Message != "" {
		t.Fatalf("the plugin saw the host environment: %+v %v", resp, err)
	}
}

func TestNameMismatchRefused(t *testing.T) {
	dir, exe := fixture(t)
	other := filepath.Join(dir, pluginmgr.Prefix+"other")
	if err := os.Rename(exe, other); err != nil {
		t.Fatal(err)
	}
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn})
	if _, ok := m.Provider("other"); ok {
		t.Fatal("a plugin whose Describe name differs from its file name was loaded")
	}
	if info := m.Plugins(); !strings.Contains(info[0].Err, "describes itself as") {
		t.Errorf("info = %+v", info)
	}
}

func TestCallDeadline(t *testing.T) {
	dir, _ := fixture(t)
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn, CallTimeout: 300 * time.Millisecond})
	p, _ := m.Provider("fixture")
	_, err := p.ValidateConfig(context.Background(), payment.ValidateConfigRequest{Config: payment.Config{"hang": "1"}})
	if code := payment.ErrorCode(err); code != payment.CodeTimeout {
		t.Fatalf("hung call: %v (code %s)", err, code)
	}
	if _, err := p.Describe(context.Background(), payment.DescribeRequest{}); err != nil {
		t.Fatalf("plugin unusable after a timed-out call: %v", err)
	}
}

// A call cancelled by its caller leaves the plugin healthy for the others.
func TestCallerCancellationKeepsPluginUp(t *testing.T) {
	dir, _ := fixture(t)
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn, CallTimeout: 10 * time.Second})
	p, _ := m.Provider("fixture")
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel) // the client went away
		_, err := p.ValidateConfig(ctx, payment.ValidateConfigRequest{Config: payment.Config{"hang": "1"}})
		if err == nil {
			t.Fatal("cancelled call succeeded")
		}
		if info := m.Plugins()[0]; !info.Healthy {
			t.Fatalf("plugin marked down after a caller's cancellation: %+v", info)
		}
		if _, err := p.Describe(context.Background(), payment.DescribeRequest{}); err != nil {
			t.Fatalf("call after a cancelled one: %v", err)
		}
	}
}

func waitHealthy(t *testing.T, m *pluginmgr.Manager, within time.Duration) pluginmgr.Info {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if info := m.Plugins()[0]; info.Healthy {
			return info
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("plugin not healthy within %s: %+v", within, m.Plugins())
	return pluginmgr.Info{}
}

func TestRestartAfterCrash(t *testing.T) {
	dir, _ := fixture(t)
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn})
	p, _ := m.Provider("fixture")
	ctx := context.Background()

	// The plugin exits in the middle of a call.
	_, err := p.ValidateConfig(ctx, payment.ValidateConfigRequest{Config: payment.Config{"exit": "1"}})
	if code := payment.ErrorCode(err); code != payment.CodePluginUnavailable {
		t.Fatalf("crashing call: %v", err)
	}
	info := waitHealthy(t, m, 10*time.Second)
	if info.Restarts != 1 {
		t.Errorf("restarts = %d", info.Restarts)
	}
	if _, err := p.Describe(ctx, payment.DescribeRequest{}); err != nil {
		t.Fatalf("after restart: %v", err)
	}

	// Killed from outside, between calls.
	pid := pluginPID(t, m)
	syscall.Kill(pid, syscall.SIGKILL)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := p.Describe(ctx, payment.DescribeRequest{})
		if err == nil {
			break
		}
		if code := payment.ErrorCode(err); code != payment.CodePluginUnavailable {
			t.Fatalf("while down: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("not restarted after SIGKILL")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRestartRefusesSwappedBinary(t *testing.T) {
	dir, exe := fixture(t)
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyStrict, Pins: pin(t, dir), MaxBackoff: 100 * time.Millisecond})
	p, _ := m.Provider("fixture")
	// Replace the binary, then crash the process: the restart must not run
	// the new file.
	b, _ := os.ReadFile(exe)
	os.Remove(exe)
	os.WriteFile(exe, append(b, "swapped"...), 0o755)
	p.ValidateConfig(context.Background(), payment.ValidateConfigRequest{Config: payment.Config{"exit": "1"}})
	time.Sleep(time.Second)
	info := m.Plugins()[0]
	if info.Healthy || !strings.Contains(info.Err, "checksum") {
		t.Fatalf("after swap: %+v", info)
	}
	if _, err := p.Describe(context.Background(), payment.DescribeRequest{}); payment.ErrorCode(err) != payment.CodePluginUnavailable {
		t.Errorf("call to the refused plugin: %v", err)
	}
}

func TestCloseKillsProcesses(t *testing.T) {
	dir, _ := fixture(t)
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn})
	pid := pluginPID(t, m)
	m.Close()
	time.Sleep(100 * time.Millisecond)
	if err := syscall.Kill(pid, 0); err == nil {
		// It may be a zombie briefly; check its state.
		b, _ := os.ReadFile(filepath.Join("/proc", itoa(pid), "stat"))
		if !strings.Contains(string(b), ") Z") {
			t.Errorf("plugin process %d still running after Close", pid)
		}
	}
}
