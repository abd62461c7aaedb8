package pluginmgr_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/payhost/payhost/host/internal/pluginmgr"
)

func itoa(i int) string { return strconv.Itoa(i) }

// pluginPID finds the process running the manager's only plugin.
func pluginPID(t *testing.T, m *pluginmgr.Manager) int {
	t.Helper()
	exe := m.Plugins()[0].Path
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if target, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && strings.TrimSuffix(target, " (deleted)") == exe {
			return pid
		}
	}
	t.Fatalf("no process for %s", exe)
	return 0
}
