//go:build !unix

package plugin

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
