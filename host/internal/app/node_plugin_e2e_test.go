package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/plugincheck"
)

const hmacnodeMode = `      hmacnode:
        enabled: true
        order: 9
        config:
          payment_url: "https://pay.hmacnode.example/pay"
          merchant_id: "m-2002"
          secret_key: "e2e-hmacnode-key"
`

// nodeExample returns examples/node-plugin once its dependencies are
// installed (npm ci), and with onDefaultPath node where the entry script
// finds it when the host runs it; otherwise the test skips, unless
// PAYHOST_REQUIRE_NODE=1 (CI) makes it fail.
func nodeExample(t *testing.T, onDefaultPath bool) string {
	t.Helper()
	dir := filepath.Join(moduleRoot(), "examples", "node-plugin")
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		missing = "examples/node-plugin/node_modules is missing (npm ci there)"
	} else if onDefaultPath && !fileExists("/usr/bin/node") && !fileExists("/bin/node") {
		// The host's environment is empty: #!/usr/bin/env node looks in
		// the default path only.
		missing = "node is neither /usr/bin/node nor /bin/node, where the entry script's /usr/bin/env finds it without PATH"
	}
	if missing != "" {
		if os.Getenv("PAYHOST_REQUIRE_NODE") == "1" {
			t.Fatalf("PAYHOST_REQUIRE_NODE=1 but %s", missing)
		}
		t.Skip(missing)
	}
	return dir
}

// TestExampleNodePluginConformance runs the conformance runner on the Node
// example's entry script, as its README tells an author to: every check
// must pass, none skipped.
func TestExampleNodePluginConformance(t *testing.T) {
	dir := nodeExample(t, true)
	rep := plugincheck.Run(context.Background(), filepath.Join(dir, "payhost-plugin-hmacnode"), plugincheck.Options{})
	var out bytes.Buffer
	_ = rep.WriteText(&out)
	if !rep.OK() || rep.Skipped > 0 {
		t.Fatalf("conformance of the Node example, want every check passed:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}

// TestExampleNodePluginPays installs the Node example as its README says
// (scripts/install.sh: the files in a directory of their own, a wrapper
// in the plugins directory that checks their SHA-256), pins the wrapper
// with verify: strict, and takes one session to paid through the real
// host: the redirect the plugin signs, a forged notification refused with
// the plugin's typed invalid_signature error, then the provider's signed
// notification. Last, an added or a changed file makes the wrapper refuse
// to run.
func TestExampleNodePluginPays(t *testing.T) {
	example := nodeExample(t, false) // the wrapper names node by its absolute path
	root := t.TempDir()
	plugins, installed := filepath.Join(root, "plugins"), filepath.Join(root, "opt", "hmacnode")
	install := exec.Command("sh", filepath.Join(example, "scripts", "install.sh"), installed, plugins)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("scripts/install.sh: %v\n%s", err, out)
	}
	offline, err := os.ReadFile(filepath.Join(pluginDir, "payhost-plugin-offline"))
	if err == nil {
		err = os.WriteFile(filepath.Join(plugins, "payhost-plugin-offline"), offline, 0o755)
	}
	if err == nil {
		err = os.Chmod(plugins, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(plugins, "payhost-plugin-hmacnode")
	pins := map[string]string{"offline": "sha256:" + fileSHA256(t, filepath.Join(plugins, "payhost-plugin-offline")), "hmacnode": "sha256:" + fileSHA256(t, wrapper)}
	h := startHost(t, hostOptions{dir: plugins, verify: "strict", pins: pins, modes: hmacnodeMode})
	payHMAC(t, h, hmacJourney{plugin: "hmacnode", merchant: "m-2002", key: "e2e-hmacnode-key", amount: 2500})

	// A file added to the installation (this one would shadow the package
	// long), then a file changed: the wrapper refuses to start either.
	refuses := func(why string) {
		t.Helper()
		run := exec.Command(wrapper)
		run.Env = []string{"PAYHOST_PLUGIN=5b1c2f0e-payhost-provider-v1"}
		out, err := run.CombinedOutput()
		if err == nil || !strings.Contains(string(out), why) {
			t.Errorf("the wrapper ran an installation whose %s: %v\n%s", why, err, out)
		}
	}
	added := filepath.Join(installed, "node_modules", "long.js")
	if err := os.WriteFile(added, []byte("module.exports = {};\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	refuses("files were added")
	if err := os.Remove(added); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(installed, "src", "provider.js")
	if err := os.WriteFile(f, append(readFile(t, f), "\n// changed\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	refuses("changed since the wrapper was written")
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	sum := sha256.Sum256(readFile(t, path))
	return hex.EncodeToString(sum[:])
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
