package app_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// privatePlugins copies the built plugins into a directory of the test's
// own, so the test can find, kill or alter its plugin process alone.
func privatePlugins(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "plugins")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(pluginDir, "payhost-plugin-offline")
	dst := filepath.Join(dir, "payhost-plugin-offline")
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func checksum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// pluginPIDs finds the running processes of an executable by its path.
func pluginPIDs(t *testing.T, exe string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc on this system")
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && strings.TrimSuffix(target, " (deleted)") == exe {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestPluginCrashRecovery kills the plugin process while the host runs:
// calls fail fast with plugin_unavailable or succeed, the plugin serves again
// within seconds, and nothing stored is lost.
func TestPluginCrashRecovery(t *testing.T) {
	dir := privatePlugins(t)
	exe := filepath.Join(dir, "payhost-plugin-offline")
	h := startHost(t, hostOptions{dir: dir})

	before := h.create("test", 1000)
	forms := h.payForms(before.ID)
	pids := pluginPIDs(t, exe)
	if len(pids) != 1 {
		t.Fatalf("plugin processes = %v, want one", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}

	served := false
	deadline := time.Now().Add(15 * time.Second)
	for !served && time.Now().Before(deadline) {
		start := time.Now()
		r := h.do("POST", "/v1/sessions", siteKey, createReq("test", 1000))
		if took := time.Since(start); took > 6*time.Second {
			t.Fatalf("a call during the restart took %s: it must fail fast", took)
		}
		switch r.status {
		case http.StatusCreated:
			served = true
		case http.StatusServiceUnavailable:
			if code := r.errorCode(t); code != "plugin_unavailable" {
				t.Fatalf("503 with code %q", code)
			}
			time.Sleep(50 * time.Millisecond)
		default:
			t.Fatalf("during restart: %d %s", r.status, r.body)
		}
	}
	if !served {
		t.Fatal("the plugin did not serve again within 15s")
	}
	if now := pluginPIDs(t, exe); len(now) != 1 || now[0] == pids[0] {
		t.Errorf("plugin processes after restart = %v (killed %d)", now, pids[0])
	}
	// The session created before the crash is intact and settles normally.
	if got := h.get(before.ID); got.Status != "pending" || got.Amount != 1000 {
		t.Fatalf("session after crash = %+v", got)
	}
	h.expect(h.do("POST", "/notify/offline/"+before.ID, "", forms["paid"].fields), http.StatusOK)
	if got := h.get(before.ID).Status; got != "paid" {
		t.Errorf("status = %s", got)
	}
}

// TestStrictVerify: pinned binaries load; a changed binary is refused and the
// host does not start with modes it cannot trust.
func TestStrictVerify(t *testing.T) {
	dir := privatePlugins(t)
	exe := filepath.Join(dir, "payhost-plugin-offline")
	pins := map[string]string{"offline": checksum(t, exe)}
	db := filepath.Join(t.TempDir(), "payhost.db")

	h := startHost(t, hostOptions{dir: dir, verify: "strict", pins: pins, dbPath: db})
	s := h.create("test", 700)
	if err := h.main.Close(); err != nil {
		t.Fatal(err)
	}

	// Alter the binary: it still runs, but it is not the pinned one.
	f, err := os.OpenFile(exe, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("tampered")); err != nil {
		t.Fatal(err)
	}
	f.Close()

	err = tryStart(t, hostOptions{dir: dir, verify: "strict", pins: pins, dbPath: db})
	if err == nil || !strings.Contains(err.Error(), "offline") || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("start with a changed binary: %v, want a checksum refusal naming the plugin", err)
	}
	if n := len(pluginPIDs(t, exe)); n != 0 {
		t.Errorf("%d refused plugin processes running", n)
	}

	// Unpinned under strict is refused too; under warn it loads.
	if err := tryStart(t, hostOptions{dir: dir, verify: "strict", dbPath: db}); err == nil {
		t.Error("unpinned plugin loaded under strict")
	}
	h2 := startHost(t, hostOptions{dir: dir, verify: "warn", dbPath: db})
	if got := h2.get(s.ID); got.Status != "pending" {
		t.Errorf("session after restart = %+v", got)
	}
}

// tryStart starts a host that is expected to fail, and returns why.
func tryStart(t *testing.T, o hostOptions) error {
	t.Helper()
	h, err := openHost(t, o)
	if err == nil {
		_ = h.main.Close()
	}
	return err
}
