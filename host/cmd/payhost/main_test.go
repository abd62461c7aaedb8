package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPluginsTest runs the SDK's conformance runner through the host's
// command line, without any host configuration.
func TestPluginsTest(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "payhost-plugin-offline")
	cmd := exec.Command("go", "build", "-o", bin, "../../../plugins/offline/cmd/payhost-plugin-offline")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"plugins", "test", bin}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "PASS handshake") || !strings.Contains(stdout.String(), "0 failed") {
		t.Errorf("output:\n%s", stdout.String())
	}
	if code := run([]string{"plugins", "test"}, &stdout, &stderr); code != 2 {
		t.Errorf("without a path: exit %d, want 2", code)
	}
}

func TestPluginsNew(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"plugins", "new", "acme", "--dir", dir, "--sdk", "../../../sdk"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || !strings.Contains(string(mod), "replace github.com/payhost/payhost/sdk => ") {
		t.Fatalf("go.mod: %v\n%s", err, mod)
	}
	if _, err := os.Stat(filepath.Join(dir, "cmd", "payhost-plugin-acme", "main.go")); err != nil {
		t.Error(err)
	}
	if code := run([]string{"plugins", "new", "acme", "--dir", dir}, &stdout, &stderr); code != 1 {
		t.Errorf("into a non-empty directory: exit %d, want 1", code)
	}
	if code := run([]string{"plugins", "new"}, &stdout, &stderr); code != 2 {
		t.Errorf("without a name: exit %d, want 2", code)
	}
}
