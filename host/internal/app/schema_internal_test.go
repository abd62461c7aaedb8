package app

import (
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

// TestApplySchemaEnforced: the host refuses what a mode's declared schema
// forbids before the plugin sees the configuration, and fills defaults.
func TestApplySchemaEnforced(t *testing.T) {
	ten := int64(10)
	m := payment.Mode{ID: "m", ConfigSchema: []payment.ConfigField{
		{Key: "merchant_id", Type: payment.FieldString, Required: true},
		{Key: "days", Type: payment.FieldInt, Max: &ten},
		{Key: "algo", Type: payment.FieldEnum, Enum: []string{"SHA-256", "SHA-512"}, Default: "SHA-512"},
	}}
	conf, problems := applySchema(m, map[string]string{"merchant_id": "x", "days": "11"}, true)
	if conf["algo"] != "SHA-512" {
		t.Errorf("default not applied: %v", conf)
	}
	if len(problems) != 1 || problems[0] != "config.days: must be at most 10" {
		t.Errorf("problems %q", problems)
	}
	_, problems = applySchema(m, map[string]string{"algo": "MD5", "adress": "x"}, true)
	got := strings.Join(problems, "\n")
	for _, want := range []string{"config.adress: unknown key (the mode accepts: algo, days, merchant_id)", "config.algo: must be one of SHA-256, SHA-512", "config.merchant_id: required"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	// A disabled mode may be half configured; its unknown keys are still refused.
	_, problems = applySchema(m, map[string]string{"adress": "x"}, false)
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "config.adress: unknown key") {
		t.Errorf("disabled mode: %q", problems)
	}
}
