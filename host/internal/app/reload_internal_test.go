package app

import (
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/config"
)

// TestRestartOnly: a reload refuses, naming it, every change it cannot
// apply, the shutdown settings included (the plugin manager's drain timeout
// is fixed at start); changes it applies pass.
func TestRestartOnly(t *testing.T) {
	base := func() *config.Config {
		return &config.Config{Environment: "development", Listen: ":8080",
			Database: config.Database{Driver: "sqlite", DSN: "payhost.db"},
			Plugins:  config.Plugins{StartTimeout: 10 * time.Second, CallTimeout: 15 * time.Second},
			Log:      config.Log{Level: "info", Format: "text"},
			Shutdown: config.Shutdown{Delay: time.Second, DrainTimeout: 20 * time.Second}}
	}
	tests := []struct {
		name   string
		change func(*config.Config)
		want   string // "" when the reload may apply it
	}{
		{"listen", func(c *config.Config) { c.Listen = ":9" }, "listen"},
		{"database", func(c *config.Config) { c.Database.DSN = "other.db" }, "database"},
		{"call timeout", func(c *config.Config) { c.Plugins.CallTimeout = time.Second }, "plugins.start_timeout/call_timeout"},
		{"environment", func(c *config.Config) { c.Environment = "production" }, "environment"},
		{"log", func(c *config.Config) { c.Log.Level = "debug" }, "log"},
		{"drain timeout", func(c *config.Config) { c.Shutdown.DrainTimeout = time.Minute }, "shutdown"},
		{"shutdown delay", func(c *config.Config) { c.Shutdown.Delay = 5 * time.Second }, "shutdown"},
		{"pins", func(c *config.Config) { c.Plugins.Pins = map[string]string{"offline": "sha256:00"} }, ""},
		{"public url", func(c *config.Config) { c.PublicURL = "https://pay.example.com" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base()
			tc.change(cfg)
			err := restartOnly(base(), cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want+" changed")):
				t.Errorf("err = %v, want it to name %s", err, tc.want)
			}
		})
	}
}
