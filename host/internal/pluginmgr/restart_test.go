package pluginmgr_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/sdk/payment"
)

// TestRestartSurvivesFailedStarts runs the fixture behind a wrapper that,
// once the first process was killed, exits before any handshake on its next
// few starts, then execs the plugin again. The supervisor must keep trying
// and the plugin come back healthy: a plugin that dies before its handshake
// ("Failed to read any lines from plugin's stdout") used to be marked
// permanently failed and never retried.
func TestRestartSurvivesFailedStarts(t *testing.T) {
	dir, exe := fixture(t)
	real := filepath.Join(t.TempDir(), "real-fixture")
	if err := os.Rename(exe, real); err != nil {
		t.Fatal(err)
	}
	const failures = 3
	counter := filepath.Join(t.TempDir(), "starts")
	script := "#!/bin/sh\n" +
		"n=$(cat " + counter + " 2>/dev/null || echo 0)\n" +
		"echo $((n+1)) > " + counter + "\n" +
		"if [ \"$n\" -ge 1 ] && [ \"$n\" -le " + strconv.Itoa(failures) + " ]; then exit 1; fi\n" +
		"exec " + real + "\n"
	if err := os.WriteFile(exe, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 400 * time.Millisecond, StableAfter: time.Minute})
	if info := m.Plugins()[0]; !info.Healthy {
		t.Fatalf("not started: %+v", info)
	}
	syscall.Kill(pidOf(t, real), syscall.SIGKILL)

	deadline := time.Now().Add(15 * time.Second)
	for {
		info := m.Plugins()[0]
		if info.Permanent {
			t.Fatalf("a plugin that failed to start on a restart is reported permanently failed: %+v", info)
		}
		if info.Healthy && info.Restarts > failures {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy again: %+v", info)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p, _ := m.Provider("fixture")
	if _, err := p.Describe(context.Background(), payment.DescribeRequest{}); err != nil {
		t.Fatalf("call after the recovery: %v", err)
	}
	if b, _ := os.ReadFile(counter); strings.TrimSpace(string(b)) != strconv.Itoa(failures+2) {
		t.Errorf("wrapper ran %s times, want %d", b, failures+2)
	}
}

// pidOf finds the running process whose executable is exe.
func pidOf(t *testing.T, exe string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if target, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && target == exe {
			return pid
		}
	}
	t.Fatalf("no process for %s", exe)
	return 0
}
