//go:build unix && !linux

package plugin

import "syscall"

// sysProcAttr puts the plugin in a process group of its own (see the Linux
// version); without a parent-death signal, [Serve]'s watch of its parent
// stops an orphaned plugin.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
