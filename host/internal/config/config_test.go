package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

const minimal = `
public_url: "http://localhost:8080/"
sites:
  - id: shop
    api_key: "shop_key_0123456789abcdef"
    webhook: {secret: "webhook_secret_0123456789"}
    modes:
      cheque:
        enabled: true
        eligibility: {max_amount: 100000, currencies: [eur], countries: [fr]}
        config: {payee: "Shop", merchant_id: 211223344551122, flag: true}
`

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "payhost.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsAndNormalisation(t *testing.T) {
	cfg, err := Load(write(t, minimal), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"environment", cfg.Environment, "development"},
		{"listen", cfg.Listen, "127.0.0.1:8080"},
		{"public_url", cfg.PublicURL, "http://localhost:8080"},
		{"database", cfg.Database, Database{Driver: "sqlite", DSN: "var/payhost.db"}},
		{"plugins.dir", cfg.Plugins.Dir, "plugins"},
		{"plugins.verify", cfg.Plugins.Verify, "warn"},
		{"start_timeout", cfg.Plugins.StartTimeout, 10 * time.Second},
		{"call_timeout", cfg.Plugins.CallTimeout, 15 * time.Second},
		{"log", cfg.Log, Log{Level: "info", Format: "text"}},
		{"max_body", cfg.Limits.MaxBodyBytes, int64(1 << 20)},
		{"cart_types", fmt.Sprint(cfg.Sites[0].CartTypes), "[web]"},
		{"session_lifetime", cfg.Sites[0].SessionLifetime, 24 * time.Hour},
		{"deferred_lifetime", cfg.Sites[0].DeferredLifetime, 720 * time.Hour},
		{"api key", cfg.Sites[0].APIKey.Value(), "shop_key_0123456789abcdef"},
		{"currencies upper", fmt.Sprint(cfg.Sites[0].Modes["cheque"].Eligibility.Currencies), "[EUR]"},
		{"countries upper", fmt.Sprint(cfg.Sites[0].Modes["cheque"].Eligibility.Countries), "[FR]"},
		{"max amount", cfg.Sites[0].Modes["cheque"].Eligibility.MaxAmount, int64(100000)},
		{"number as string", cfg.Sites[0].Modes["cheque"].Config["merchant_id"], "211223344551122"},
		{"bool as string", cfg.Sites[0].Modes["cheque"].Config["flag"], "true"},
		{"admin disabled", cfg.Admin.APIKey.IsZero(), true},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestEnvironmentOverridesAndSecrets(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "hook")
	os.WriteFile(secretFile, []byte("file_secret_0123456789\n"), 0o600)
	body := strings.Replace(minimal, `"webhook_secret_0123456789"`, `"file:`+secretFile+`"`, 1)
	body = strings.Replace(body, `"shop_key_0123456789abcdef"`, `"env:SHOP_KEY"`, 1)
	body = strings.Replace(body, `payee: "Shop"`, `payee: "env:PAYEE"`, 1)
	cfg, err := Load(write(t, body), env(map[string]string{
		"SHOP_KEY": "env_key_0123456789abcdef", "PAYEE": "From Env",
		"PAYHOST_LISTEN": "0.0.0.0:9999", "PAYHOST_PLUGINS_CALL_TIMEOUT": "3s", "PAYHOST_ADMIN_API_KEY": "admin_key_0123456789abcdef",
		"PAYHOST_LIMITS_MAX_BODY_BYTES": "4096",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "0.0.0.0:9999" || cfg.Plugins.CallTimeout != 3*time.Second || cfg.Limits.MaxBodyBytes != 4096 {
		t.Errorf("overrides not applied: %+v", cfg)
	}
	if cfg.Admin.APIKey.Value() != "admin_key_0123456789abcdef" || cfg.Sites[0].APIKey.Value() != "env_key_0123456789abcdef" {
		t.Error("env secrets not resolved")
	}
	if cfg.Sites[0].Webhook.Secret.Value() != "file_secret_0123456789" {
		t.Errorf("file secret = %q", cfg.Sites[0].Webhook.Secret.Value())
	}
	if cfg.Sites[0].Modes["cheque"].Config["payee"] != "From Env" {
		t.Error("mode config reference not resolved")
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(string) string
		env    map[string]string
		expect []string
	}{
		{"unknown top-level key", func(s string) string { return s + "\nlisten_addr: x\n" }, nil, []string{"listen_addr"}},
		{"unknown nested key", func(s string) string { return strings.Replace(s, "max_amount:", "max_amont:", 1) }, nil, []string{"max_amont"}},
		{"missing env secret", func(s string) string { return strings.Replace(s, `"shop_key_0123456789abcdef"`, `"env:NOPE"`, 1) }, nil, []string{"sites[0].api_key: environment variable NOPE is not set"}},
		{"unreadable secret file", func(s string) string {
			return strings.Replace(s, `"shop_key_0123456789abcdef"`, `"file:/nonexistent/key"`, 1)
		}, nil, []string{"sites[0].api_key: cannot read secret file /nonexistent/key"}},
		{"short key", func(s string) string { return strings.Replace(s, "shop_key_0123456789abcdef", "short", 1) }, nil, []string{"sites[0].api_key: must be at least 16 bytes"}},
		{"bad public url", func(s string) string { return strings.Replace(s, "http://localhost:8080/", "localhost", 1) }, nil, []string{"public_url:"}},
		{"production needs https and references", func(s string) string { return "environment: production\n" + s }, nil, []string{
			"public_url: must use https in production", "sites[0].api_key: in production", "sites[0].webhook.secret: in production"}},
		{"bad driver", func(s string) string { return s + "database: {driver: mysql}\n" }, nil, []string{"database.driver"}},
		{"bad verify", func(s string) string { return s + "plugins: {verify: maybe}\n" }, nil, []string{"plugins.verify"}},
		{"bad pin", func(s string) string { return s + "plugins: {pins: {offline: abc}}\n" }, nil, []string{"plugins.pins.offline"}},
		{"min above max", func(s string) string {
			return strings.Replace(s, "max_amount: 100000", "max_amount: 100, min_amount: 200", 1)
		}, nil, []string{"min_amount 200 is above max_amount 100"}},
		{"bad currency", func(s string) string { return strings.Replace(s, "[eur]", "[euro]", 1) }, nil, []string{"currencies: \"EURO\""}},
		{"bad country", func(s string) string { return strings.Replace(s, "[fr]", "[fra]", 1) }, nil, []string{"country \"FRA\""}},
		{"bad duration", func(s string) string { return s + "plugins: {call_timeout: soon}\n" }, nil, []string{"call_timeout"}},
		{"bad site id", func(s string) string { return strings.Replace(s, "id: shop", "id: Shop!", 1) }, nil, []string{"sites[0].id"}},
		{"no sites", func(string) string { return "public_url: http://x.test\n" }, nil, []string{"sites: at least one site"}},
		{"admin key reused", func(s string) string { return s + "admin: {api_key: shop_key_0123456789abcdef}\n" }, nil, []string{"the same key as admin.api_key"}},
		{"bad log level", func(s string) string { return s + "log: {level: loud}\n" }, nil, []string{"log.level"}},
		{"env override validated", func(s string) string { return s }, map[string]string{"PAYHOST_ENVIRONMENT": "staging"}, []string{"environment: \"staging\""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(write(t, tc.edit(minimal)), env(tc.env))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			for _, want := range tc.expect {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			if strings.Contains(err.Error(), "shop_key_0123456789abcdef") || strings.Contains(err.Error(), "webhook_secret_0123456789") {
				t.Errorf("error leaks a secret:\n%v", err)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.yaml"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "none.yaml") {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	s := Secret{ref: "env:X", value: "super-secret-value"}
	holder := struct{ Key Secret }{s}
	outs := []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, holder, holder, s, s), s.String(), s.GoString()}
	b, _ := json.Marshal(holder)
	outs = append(outs, string(b))
	for _, o := range outs {
		if strings.Contains(o, "super-secret") {
			t.Errorf("secret leaked: %s", o)
		}
	}
	if !strings.Contains(string(b), "[redacted]") {
		t.Errorf("json = %s", b)
	}
}

func TestExampleConfigLoads(t *testing.T) {
	cfg, err := Load("../../../payhost.example.yaml", env(map[string]string{
		"PAYHOST_ADMIN_KEY": "admin_key_0123456789abcdef", "SHOP_API_KEY": "shop_key_0123456789abcdef",
		"SHOP_WEBHOOK_SECRET": "webhook_secret_0123456789", "SHOP_TEST_SIGNING_KEY": "signing_key_0123456789",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Environment != "production" || cfg.Plugins.Verify != "strict" || len(cfg.Sites[0].Modes) != 4 {
		t.Errorf("example = %+v", cfg)
	}
}

func TestDevConfigLoads(t *testing.T) {
	cfg, err := Load("../../../dev/payhost.dev.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	// The README and make run give one console login per role: the
	// password is "demo-" + role.
	roles := map[string]bool{}
	for _, o := range cfg.Admin.Operators {
		if err := bcrypt.CompareHashAndPassword([]byte(o.PasswordHash), []byte("demo-"+o.Role)); err != nil {
			t.Errorf("operator %s: the password is not demo-%s: %v", o.Name, o.Role, err)
		}
		roles[o.Role] = true
	}
	if len(roles) != 3 {
		t.Errorf("demo logins cover roles %v, want viewer, operator and admin", roles)
	}
}
