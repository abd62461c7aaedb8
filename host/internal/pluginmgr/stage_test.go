package pluginmgr_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/sdk/payment"
)

// TestStageReplaceUnderLoad replaces the fixture plugin's binary while
// calls run: the new process is started beside the old, calls switch to it
// without one failing, and the old process drains and stops.
func TestStageReplaceUnderLoad(t *testing.T) {
	dir, exe := fixture(t)
	m := start(t, pluginmgr.Options{Dir: dir, Verify: pluginmgr.VerifyWarn, DrainTimeout: 5 * time.Second})
	p, _ := m.Provider("fixture")
	oldPID, oldSHA := pluginPID(t, m), m.Plugins()[0].SHA256

	var calls, failures atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := p.Describe(context.Background(), payment.DescribeRequest{}); err != nil {
					failures.Add(1)
					t.Errorf("call during the reload: %v", err)
				}
				calls.Add(1)
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)

	replaceBinary(t, dir, exe)
	st, err := m.Stage(context.Background(), pluginmgr.StageOptions{Dir: dir, Verify: pluginmgr.VerifyWarn})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Changes()["fixture"]; got != pluginmgr.Replace {
		t.Fatalf("change = %s", got)
	}
	if _, ok := st.Provider("fixture"); !ok || len(st.Modes()) != 1 {
		t.Fatalf("staged view: %+v", st.Modes())
	}
	if err := st.Commit(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failures.Load() > 0 || calls.Load() == 0 {
		t.Fatalf("%d of %d calls failed", failures.Load(), calls.Load())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		stat, err := os.ReadFile(filepath.Join("/proc", itoa(oldPID), "stat"))
		if err != nil || strings.Contains(string(stat), ") Z") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the replaced process still runs")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if info := m.Plugins()[0]; !info.Healthy || info.SHA256 == oldSHA {
		t.Errorf("after the switch: %+v", info)
	}

	// A stage that fails changes nothing.
	os.WriteFile(filepath.Join(dir, pluginmgr.Prefix+"junk"), []byte("#!/bin/sh\necho junk\n"), 0o755)
	if _, err := m.Stage(context.Background(), pluginmgr.StageOptions{Dir: dir, Verify: pluginmgr.VerifyWarn}); err == nil || !strings.Contains(err.Error(), "junk") {
		t.Fatalf("stage with a broken plugin: %v", err)
	}
	if _, err := p.Describe(context.Background(), payment.DescribeRequest{}); err != nil {
		t.Fatalf("after a failed stage: %v", err)
	}
	// Removal: the plugin's calls fail, saying why.
	os.Remove(filepath.Join(dir, pluginmgr.Prefix+"junk"))
	os.Remove(exe)
	st, err = m.Stage(context.Background(), pluginmgr.StageOptions{Dir: dir, Verify: pluginmgr.VerifyWarn})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Describe(context.Background(), payment.DescribeRequest{}); payment.ErrorCode(err) != payment.CodePluginUnavailable || !strings.Contains(err.Error(), "removed") {
		t.Errorf("call to a removed plugin: %v", err)
	}
	if _, ok := m.Provider("fixture"); ok || len(m.Plugins()) != 0 {
		t.Errorf("removed plugin still listed: %+v", m.Plugins())
	}
}

// replaceBinary swaps exe for a changed copy of itself (another checksum)
// with an atomic rename, as an operator upgrading a plugin does.
func replaceBinary(t *testing.T, dir, exe string) {
	t.Helper()
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, ".new")
	if err := os.WriteFile(tmp, append(b, "v2"...), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, exe); err != nil {
		t.Fatal(err)
	}
}
