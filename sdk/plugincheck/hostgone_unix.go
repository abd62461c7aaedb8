//go:build unix

package plugincheck

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/payhost/payhost/sdk/plugin"
)

// checkHostGone starts the plugin from a shell that plays a host and exits
// at once without stopping it (no shutdown request, no parent-death
// signal), then checks that the plugin notices and exits.
func (c *checker) checkHostGone(ctx context.Context) {
	hs := plugin.Handshake()
	sh := exec.CommandContext(ctx, "sh", "-c", `"$0" </dev/null >/dev/null 2>&1 & echo $!; sleep 0.5`, c.path)
	sh.Env = []string{hs.MagicCookieKey + "=" + hs.MagicCookieValue}
	var out bytes.Buffer
	sh.Stdout = &out
	if err := sh.Run(); err != nil {
		c.rep.add("host_gone", Skip, "cannot start the plugin from sh: %v", err)
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out.String()))
	if err != nil || pid <= 0 {
		c.rep.add("host_gone", Skip, "cannot read the plugin's pid %q", out.String())
		return
	}
	start := time.Now()
	for !processGone(pid) {
		if time.Since(start) > 5*time.Second {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			c.rep.add("host_gone", Fail, "the plugin still ran 5s after its host died (watch the parent process id and exit when it changes)")
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.rep.add("host_gone", Pass, "exited %s after its host died", time.Since(start).Round(time.Millisecond))
}

// processGone reports whether pid no longer runs (absent, or a zombie its
// new parent has not reaped yet).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false // no /proc (macOS): kill(0) said it runs
	}
	s := string(b)
	return strings.Contains(s[strings.LastIndexByte(s, ')'):], ") Z")
}
