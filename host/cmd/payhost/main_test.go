package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
		if code != 0 || !strings.Contains(out, "--config") || !strings.Contains(out, "PAYHOST_CONFIG") || !strings.Contains(out, cmd.summary) {
			t.Errorf("%s --help: %d\n%s%s", name, code, out, errOut)
		}
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
