package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretValue is what every secret's variable and file holds in FuzzLoad;
// it must never show in an error or a printed configuration.
const secretValue = "zq9-fuzz-secret-value"

// FuzzLoad feeds arbitrary YAML to the configuration loader, every env:
// reference resolving and every file: reference under the test's directory
// readable: nothing panics, and the secret value never appears in an
// error, nor in the loaded configuration printed with %+v or as JSON
// (modes' plugin configurations aside).
func FuzzLoad(f *testing.F) {
	withRefs := strings.Replace(minimal, `"shop_key_0123456789abcdef"`, `"env:SHOP_KEY"`, 1)
	withRefs = strings.Replace(withRefs, `"webhook_secret_0123456789"`, `"file:{{DIR}}/secret"`, 1)
	for _, s := range []string{
		minimal, withRefs,
		strings.Replace(withRefs, `payee: "Shop"`, `payee: "env:PAYEE"`, 1),
		strings.Replace(withRefs, "cheque:", "nope:", 1),
		strings.Replace(withRefs, "public_url", "public_ur", 1),
		withRefs + "admin: {api_key: \"env:ADMIN\"}\nenvironment: production\n",
		"sites: [{id: a, api_key: \"env:K\", webhook: {secret: \"env:K\"}}]\n",
		"a: &a [*a]\n", "{", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, yaml string) {
		if strings.Contains(yaml, secretValue) {
			return
		}
		dir := t.TempDir()
		// file: references outside the test directory could name a device
		// that never ends (/dev/zero): only the test's own file is read.
		yaml = strings.ReplaceAll(yaml, "{{DIR}}", dir)
		for rest := yaml; ; {
			i := strings.Index(rest, "file:")
			if i < 0 {
				break
			}
			if !strings.HasPrefix(rest[i+len("file:"):], dir+"/") || strings.Contains(rest[i:], "..") {
				return
			}
			rest = rest[i+len("file:"):]
		}
		if err := os.WriteFile(filepath.Join(dir, "secret"), []byte(secretValue+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "payhost.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		// Every variable a secret names holds the secret; PAYHOST_* overrides
		// of plain keys are unset (their values are not secret).
		getenv := func(name string) (string, bool) { return secretValue, !strings.HasPrefix(name, "PAYHOST_") }
		cfg, err := Load(path, getenv)
		if err != nil {
			if strings.Contains(err.Error(), secretValue) {
				t.Fatalf("the error shows the secret: %v", err)
			}
			return
		}
		// A mode's configuration is handed to its plugin as plain strings,
		// resolved secrets included: it is left out of the check.
		for i := range cfg.Sites {
			for id, m := range cfg.Sites[i].Modes {
				m.Config = nil
				cfg.Sites[i].Modes[id] = m
			}
		}
		if s := fmt.Sprintf("%+v %#v", cfg, cfg); strings.Contains(s, secretValue) {
			t.Fatalf("the printed configuration shows the secret: %s", s)
		}
		if b, err := json.Marshal(cfg); err == nil && strings.Contains(string(b), secretValue) {
			t.Fatalf("the JSON configuration shows the secret: %s", b)
		}
	})
}
