package pluginmgr_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/pluginmgr"
)

// TestCrashLoopBacksOff runs a plugin that dies right after every
// handshake: the delay between launches must grow (it used to reset after
// each successful launch, relaunching every 250 ms), and a plugin that
// crashes is never reported as permanently failed.
func TestCrashLoopBacksOff(t *testing.T) {
	dir, exe := fixture(t)
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn,
		MinBackoff: 100 * time.Millisecond, MaxBackoff: 10 * time.Second, StableAfter: time.Minute})
	if err := os.WriteFile(exe+".crash", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The first process was started before the marker: kill it.
	syscall.Kill(pluginPID(t, m), syscall.SIGKILL)
	time.Sleep(4 * time.Second)
	info := m.Plugins()[0]
	// 100ms doubling with jitter in [d/2, d): at most ~6 launches in 4 s,
	// against ~14 with a fixed 250 ms (fewer on a loaded machine, where
	// each launch is slower).
	if info.Restarts < 1 || info.Restarts > 7 {
		t.Errorf("%d restarts in 4 s of a crash loop", info.Restarts)
	}
	if info.Permanent {
		t.Errorf("a crashing plugin is reported permanently failed: %+v", info)
	}
}

// TestStartTimeoutKillsGroup starts a "plugin" that never answers the
// handshake and whose child keeps the output pipe open: start-up must give
// up after start_timeout and kill the child too (it used to wait for the
// child to end).
func TestStartTimeoutKillsGroup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plugins")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	arg := "60." + strconv.Itoa(os.Getpid()) // marks the child among processes
	marker := "sleep\x00" + arg + "\x00"
	script := "#!/bin/sh\nsleep " + arg + " &\nsleep 60\n"
	if err := os.WriteFile(filepath.Join(dir, pluginmgr.Prefix+"wrapper"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn, StartTimeout: time.Second})
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("start-up took %s with a 1s start_timeout", took)
	}
	if info := m.Plugins()[0]; !strings.Contains(info.Err, "timeout") {
		t.Errorf("info = %+v", info)
	}
	time.Sleep(200 * time.Millisecond)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.HasSuffix(string(cmdline), marker) {
			if stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); !strings.Contains(string(stat), ") Z") {
				t.Errorf("the wrapper's child %s still runs", e.Name())
			}
		}
	}
}
