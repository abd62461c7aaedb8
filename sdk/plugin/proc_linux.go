package plugin

import "syscall"

// sysProcAttr puts the plugin in a process group of its own, so a signal
// sent to the host's group (Ctrl-C, systemd) does not reach it and the host
// can kill the plugin with everything it started, and asks the kernel to
// kill it when the host dies, so a crashed host leaves no orphan.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
