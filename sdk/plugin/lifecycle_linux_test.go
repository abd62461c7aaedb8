package plugin_test

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/plugin"
)

// gone reports whether pid no longer runs (absent, or a zombie nobody reaped).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	return strings.Contains(s[strings.LastIndexByte(s, ')'):], ") Z")
}

func waitGone(t *testing.T, pid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !gone(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d still running %s later", pid, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeExitsWhenHostIsGone starts the plugin from a shell that plays the
// host and exits without stopping it (no parent-death signal is set up this
// way): Serve notices its parent changed and exits.
func TestServeExitsWhenHostIsGone(t *testing.T) {
	bin := buildEcho(t)
	hs := plugin.Handshake()
	sh := exec.Command("sh", "-c", `"$0" >/dev/null 2>&1 & echo $!; sleep 1`, bin)
	sh.Env = append(os.Environ(), hs.MagicCookieKey+"="+hs.MagicCookieValue)
	var out bytes.Buffer
	sh.Stdout = &out
	if err := sh.Run(); err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("plugin pid %q: %v", out.String(), err)
	}
	waitGone(t, pid, 2*time.Second)
}

// TestPluginProcessGroup checks a launched plugin leads a process group of
// its own (a signal to the host's group does not reach it) and ignores
// SIGTERM: only the host stops it.
func TestPluginProcessGroup(t *testing.T) {
	bin := buildEcho(t)
	c, _ := launch(t, bin, sum(t, bin))
	pid := c.ReattachConfig().Pid
	pgid, err := syscall.Getpgid(pid)
	if err != nil || pgid != pid {
		t.Fatalf("plugin %d is in process group %d (%v), want its own", pid, pgid, err)
	}
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if c.Exited() {
		t.Fatal("SIGTERM to the plugin's group stopped it")
	}
	c.Kill()
	waitGone(t, pid, 2*time.Second)
}
