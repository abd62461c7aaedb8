package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/app"
)

// TestOnePassWithModeSecrets: a production configuration with a static
// problem (an unknown log level) and a literal mode secret, which only the
// plugin's schema reveals. Open and Check list both at once; the secret
// used to show only once the rest was fixed.
func TestOnePassWithModeSecrets(t *testing.T) {
	dir := copyPlugins(t, "offline")
	cfg := prodConfig(dir, pinsOf(t, dir), "      test: {enabled: true, config: {signing_key: \""+signingKey+"\"}}\n")
	cfg = strings.Replace(cfg, "log: {level: warn}", "log: {level: loud}", 1)
	want := []string{`log.level: "loud"`, "sites[0].modes.test.config.signing_key: a secret; in production give it as env:NAME or file:/path"}

	_, path, err := openConfig(t, cfg, prodEnv)
	if err == nil {
		t.Fatal("an invalid configuration opened")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Open: no %q in:\n%v", w, err)
		}
	}
	// The same file through config check (openConfig wrote it at path).
	if b, _ := os.ReadFile(path); len(b) == 0 {
		t.Fatal("no configuration file")
	}
	err = app.Check(context.Background(), path, func(k string) (string, bool) { v, ok := prodEnv[k]; return v, ok }, hclog.NewNullLogger())
	for _, w := range want {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Check: no %q in:\n%v", w, err)
		}
	}

	// A problem of the plugins section itself: the plugins are not started,
	// the static problems are reported alone.
	bad := filepath.Join(t.TempDir(), "payhost.yaml")
	b, _ := os.ReadFile(path)
	os.WriteFile(bad, []byte(strings.Replace(string(b), "verify: strict", "verify: sometimes", 1)), 0o600)
	err = app.Check(context.Background(), bad, func(k string) (string, bool) { v, ok := prodEnv[k]; return v, ok }, hclog.NewNullLogger())
	if err == nil || !strings.Contains(err.Error(), "plugins.verify") || strings.Contains(err.Error(), "signing_key") {
		t.Errorf("Check with a bad plugins section: %v", err)
	}
}
