package cputime_test

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/cputime"
)

func TestSelfAndChildren(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("children are read from /proc")
	}
	// A child that burns CPU until killed: its time counts while it runs.
	child := exec.Command("sh", "-c", "while :; do :; done")
	if err := child.Start(); err != nil {
		t.Skip("no shell:", err)
	}
	defer child.Process.Kill()
	pid := strconv.Itoa(child.Process.Pid)
	deadline := time.Now().Add(10 * time.Second)
	for cputime.Process(pid) < 100*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("the child's CPU time stays at %v", cputime.Process(pid))
		}
		time.Sleep(20 * time.Millisecond)
	}
	self := cputime.Process(strconv.Itoa(os.Getpid()))
	if got := cputime.SelfAndChildren(); got < self+cputime.Process(pid)-50*time.Millisecond {
		t.Errorf("SelfAndChildren = %v, want at least this process's %v and the child's %v", got, self, cputime.Process(pid))
	}
	if got := cputime.Process("0"); got != 0 {
		t.Errorf("a process that does not exist: %v, want 0", got)
	}
}
