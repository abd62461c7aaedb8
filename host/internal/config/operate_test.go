package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestProblemsInOnePass checks the operator sees every problem at once,
// each named by its YAML path, with bare-number durations and invalid
// environment values refused.
func TestProblemsInOnePass(t *testing.T) {
	body := strings.Replace(minimal, "max_amount:", "max_amuont:", 1) +
		"plugins: {call_timeout: 15, start_timeout: soon}\nlisten_addr: x\n"
	body = strings.Replace(body, "shop_key_0123456789abcdef", "short", 1)
	_, err := Load(write(t, body), env(map[string]string{"PAYHOST_WEBHOOKS_PARALLEL": "abc"}))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"sites[0].modes.cheque.eligibility.max_amuont: unknown key",
		`plugins.call_timeout: 15 has no unit: write 15s`,
		`plugins.start_timeout: "soon" is not a duration`,
		"listen_addr: unknown key",
		"webhooks.parallel: must be a whole number (set by PAYHOST_WEBHOOKS_PARALLEL)",
		"sites[0].api_key: must be at least 16 bytes", // a validation problem, in the same pass
	}
	for _, w := range want {
		if !slices.ContainsFunc(ve.Problems, func(p string) bool { return strings.HasPrefix(p, w) }) {
			t.Errorf("no problem %q in:\n%s", w, err)
		}
	}
	for _, p := range ve.Problems {
		if strings.ContainsAny(p[:1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ'") || strings.Contains(p, "Modes[") {
			t.Errorf("problem not named by its YAML path: %q", p)
		}
	}
	if _, err := Load(write(t, minimal+"janitor: {query_schedule: [5m, 3600]}\n"), env(nil)); err == nil || !strings.Contains(err.Error(), "janitor.query_schedule") {
		t.Errorf("bare number in a duration list: %v", err)
	}
}

func TestProductionGuardrails(t *testing.T) {
	prod := "environment: production\n" + strings.NewReplacer(`"http://localhost:8080/"`, `"https://pay.example.com"`,
		`"shop_key_0123456789abcdef"`, `"env:SHOP_KEY"`, `"webhook_secret_0123456789"`, `"env:HOOK_SECRET"`).Replace(minimal)
	vars := env(map[string]string{"SHOP_KEY": "shop_key_0123456789abcdef", "HOOK_SECRET": "webhook_secret_0123456789"})
	cfg, err := Load(write(t, prod), vars)
	if err != nil {
		t.Fatalf("a valid production configuration: %v", err)
	}
	if cfg.Plugins.Verify != "strict" || !cfg.Sites[0].Modes["cheque"].Literal["payee"] {
		t.Errorf("verify %q, literal %v", cfg.Plugins.Verify, cfg.Sites[0].Modes["cheque"].Literal)
	}
	tests := []struct{ name, add, want string }{
		{"verify warn", "plugins: {verify: warn}\n", "plugins.verify: must be strict in production"},
		{"test mode", "", "sites[0].test_mode: refused in production"},
	}
	for _, tc := range tests {
		body := prod + tc.add
		if tc.name == "test mode" {
			body = strings.Replace(prod, "id: shop", "id: shop\n    test_mode: true", 1)
		}
		if _, err := Load(write(t, body), vars); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestUnknownEnv(t *testing.T) {
	cfg, err := Load(write(t, minimal+"admin: {api_key: env:PAYHOST_ADMIN_KEY}\n"), env(map[string]string{"PAYHOST_ADMIN_KEY": "admin_key_0123456789abcdef"}))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.UnknownEnv([]string{"PAYHOST_LISTEN=:1", "PAYHOST_WEBHOOK_PARALLEL=3", "HOME=/root", "PAYHOST_CONFIG=x", "PAYHOST_ADMIN_KEY=k"})
	if len(got) != 1 || got[0] != "PAYHOST_WEBHOOK_PARALLEL" {
		t.Errorf("unknown = %v", got)
	}
}

func TestTrustedProxies(t *testing.T) {
	cfg, err := Load(write(t, minimal+`trusted_proxies: ["127.0.0.1", "10.0.0.0/8", "2001:db8::/32", "::1"]`+"\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cfg.TrustedProxies {
		if _, err := ParseProxy(e); err != nil {
			t.Errorf("%q: %v", e, err)
		}
	}
	if p, _ := ParseProxy("10.1.2.3/8"); p.String() != "10.0.0.0/8" {
		t.Errorf("prefix not masked: %s", p)
	}
	_, err = Load(write(t, minimal+`trusted_proxies: ["10.0.0.0/8", "proxy.example", "10.0.0.0/33"]`+"\n"), env(nil))
	for _, want := range []string{`trusted_proxies[1]: "proxy.example" is neither`, `trusted_proxies[2]: "10.0.0.0/33" is neither`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("no problem %q in %v", want, err)
		}
	}
}
