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

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-v"} {
		code, out, _ := runCLI(t, arg)
		if code != 0 || !strings.HasPrefix(out, "payhost dev (built unknown, go") {
			t.Errorf("%s: %d %q", arg, code, out)
		}
	}
}

// TestHelpNeedsNoConfiguration runs every command's --help with no
// configuration file anywhere: each prints its flags and the environment it
// reads.
func TestHelpNeedsNoConfiguration(t *testing.T) {
	t.Setenv("PAYHOST_CONFIG", filepath.Join(t.TempDir(), "missing.yaml"))
	for name, cmd := range commands() {
		args := append(strings.Fields(name), "--help")
		code, out, errOut := runCLI(t, args...)
		if name == "health" { // reads no configuration: its help must not offer --config
			if code != 0 || strings.Contains(out, "config") || !strings.Contains(out, "--url") || !strings.Contains(out, cmd.summary) {
				t.Errorf("%s --help: %d\n%s%s", name, code, out, errOut)
			}
			continue
		}
		if code != 0 || !strings.Contains(out, "--config") || !strings.Contains(out, "PAYHOST_CONFIG") || !strings.Contains(out, cmd.summary) {
			t.Errorf("%s --help: %d\n%s%s", name, code, out, errOut)
		}
	}
	if code, _, _ := runCLI(t, "health", "--config", "payhost.yaml"); code != 2 {
		t.Errorf("health --config: exit %d, want 2 (no such flag)", code)
	}
	if _, out, _ := runCLI(t, "serve", "--help"); !strings.Contains(out, "PAYHOST_LISTEN") || !strings.Contains(out, "PAYHOST_SHUTDOWN_DRAIN_TIMEOUT") {
		t.Errorf("serve --help does not list the overrides:\n%s", out)
	}
	for _, group := range []string{"plugins", "config"} {
		if code, out, _ := runCLI(t, group, "--help"); code != 0 || !strings.Contains(out, group+" ") {
			t.Errorf("%s --help: %d %s", group, code, out)
		}
	}
	if code, _, _ := runCLI(t, "plugins"); code != 2 {
		t.Errorf("plugins without a subcommand: %d", code)
	}
}

// TestPluginsNeedOnlyThePluginsSection lists plugins with a configuration
// whose sites reference secrets that are not set.
func TestPluginsNeedOnlyThePluginsSection(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plugins")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "payhost.yaml")
	body := "plugins: {dir: \"" + dir + "\", verify: strict}\nsites:\n  - id: shop\n    api_key: env:NOT_SET_ANYWHERE\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"list", "pin", "verify"} {
		if code, out, errOut := runCLI(t, "plugins", sub, "--config", cfg); code != 0 {
			t.Errorf("plugins %s: %d\n%s%s", sub, code, out, errOut)
		}
	}
	code, _, errOut := runCLI(t, "serve", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "NOT_SET_ANYWHERE") {
		t.Errorf("serve with the same file: %d %s", code, errOut)
	}
}

// TestConfigCheckWarnsWhenInvalid: an unknown PAYHOST_* variable (a typo)
// is reported by config check whether or not the file is valid, while a
// variable an env: reference reads is not.
func TestConfigCheckWarnsWhenInvalid(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "payhost.yaml")
	body := "plugins: {dir: \"" + t.TempDir() + "\"}\nadmin: {api_key: env:PAYHOST_MY_ADMIN_KEY}\nsites: []\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PAYHOST_LISTN", "typo")
	t.Setenv("PAYHOST_MY_ADMIN_KEY", "admin_key_0123456789abcdef")
	code, _, errOut := runCLI(t, "config", "check", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "sites: at least one site") {
		t.Fatalf("check of an invalid file: %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "unknown environment variable PAYHOST_LISTN") {
		t.Errorf("no warning about PAYHOST_LISTN:\n%s", errOut)
	}
	if strings.Contains(errOut, "PAYHOST_MY_ADMIN_KEY ignored") {
		t.Errorf("a variable read by an env: reference is called unknown:\n%s", errOut)
	}
}
