package plugincheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/plugincheck"
)

func build(t *testing.T, pkg, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("building %s: %v", pkg, err)
	}
	return bin
}

// TestBrokenPluginFails runs the suite on a plugin that breaks the contract
// in known ways and checks each breach is caught by its check, and only
// there.
func TestBrokenPluginFails(t *testing.T) {
	bin := build(t, "./testdata/brokenplugin", "payhost-plugin-broken")
	rep := plugincheck.Run(context.Background(), bin, plugincheck.Options{})
	want := map[string]plugincheck.Status{
		"handshake":                    plugincheck.Pass,
		"describe":                     plugincheck.Fail, // no label
		"validate_config/unknown_mode": plugincheck.Fail, // a plain error
		"validate_config/broken":       plugincheck.Fail, // echoes the value
		"begin/broken":                 plugincheck.Fail, // relative redirect
		"callbacks/broken":             plugincheck.Fail, // forged notification paid
		"deadline":                     plugincheck.Fail, // context dropped
		"secrets":                      plugincheck.Fail, // secret in an error
		"concurrency":                  plugincheck.Pass,
		"typed_errors":                 plugincheck.Pass,
		"shutdown":                     plugincheck.Pass,
		"host_gone":                    plugincheck.Pass,
	}
	for check, st := range want {
		if got := rep.Status(check); got != st {
			t.Errorf("%s: %s, want %s", check, got, st)
		}
	}
	if rep.OK() || rep.Failed != 7 {
		t.Errorf("report: %d failed, want 7", rep.Failed)
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		t.Log(out.String())
	}
}

// TestMainExitStatus runs the command line on the broken plugin: exit 1,
// one line per check, and --json for CI.
func TestMainExitStatus(t *testing.T) {
	bin := build(t, "./testdata/brokenplugin", "payhost-plugin-broken")
	var stdout, stderr bytes.Buffer
	if code := plugincheck.Main(context.Background(), "payhost-plugin-check", []string{"--json", bin}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr.String())
	}
	var rep plugincheck.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout.String())
	}
	if rep.Plugin != "broken" || rep.Failed == 0 || len(rep.Results) != rep.Passed+rep.Failed+rep.Skipped {
		t.Errorf("report = %+v", rep)
	}
	if code := plugincheck.Main(context.Background(), "payhost-plugin-check", nil, &stdout, &stderr); code != 2 {
		t.Errorf("no argument: exit %d, want 2", code)
	}
	stdout.Reset()
	if code := plugincheck.Main(context.Background(), "payhost-plugin-check", []string{filepath.Join(t.TempDir(), "missing")}, &stdout, &stderr); code != 1 || !strings.Contains(stdout.String(), "FAIL handshake") {
		t.Errorf("missing binary: exit %d, output %s", code, stdout.String())
	}
}
