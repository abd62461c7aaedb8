//go:build unix

package pluginmgr

import (
	"os/exec"
	"syscall"
)

// killGroup kills the plugin's process group (the SDK starts every plugin
// as the leader of a group of its own), reaching whatever the plugin
// started.
func killGroup(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil || cmd.SysProcAttr == nil || !cmd.SysProcAttr.Setpgid {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
