package pluginmgr_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/pluginmgr"
)

// TestCommitAfterShutdownStopsTheStage stages a new version of the plugin,
// then shuts the manager down (BeginShutdown, Close, as the host does on
// SIGTERM) before the reload commits. Close must wait for the stage, and
// Commit must refuse and stop the process it started: it used to install
// it after Close had stopped everything, leaving it running.
func TestCommitAfterShutdownStopsTheStage(t *testing.T) {
	dir, exe := fixture(t)
	m := pluginmgr.New(pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn, StartTimeout: 20 * time.Second,
		DrainTimeout: time.Second, Logger: hclog.New(&hclog.LoggerOptions{Output: io.Discard})})
	t.Cleanup(func() { m.Close() })
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	replaceBinary(t, dir, exe)
	st, err := m.Stage(context.Background(), pluginmgr.StageOptions{Dir: dir, Verify: pluginmgr.VerifyWarn})
	if err != nil {
		t.Fatal(err)
	}
	if pids := runningExe(t, exe); len(pids) != 1 {
		t.Fatalf("staged processes %v, want one", pids)
	}

	m.BeginShutdown()
	closed := make(chan struct{})
	go func() { m.Close(); close(closed) }()
	select {
	case <-closed: // without the fix Close does not wait for the stage
	case <-time.After(500 * time.Millisecond):
	}
	if err := st.Commit(); err == nil {
		t.Error("a stage committed during the shutdown")
	}
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close still waits after the stage was committed")
	}
	if pids := runningExe(t, exe); len(pids) != 0 {
		t.Errorf("the staged process %v still runs after Close", pids)
	}
	if _, err := m.Stage(context.Background(), pluginmgr.StageOptions{Dir: dir, Verify: pluginmgr.VerifyWarn}); err == nil {
		t.Error("a stage started after Close")
	}
}

// runningExe lists the live (not zombie) processes running exe.
func runningExe(t *testing.T, exe string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if target, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err != nil || target != exe {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if s := string(stat); err == nil && !strings.HasPrefix(s[strings.LastIndexByte(s, ')')+1:], " Z") {
			out = append(out, pid)
		}
	}
	return out
}
