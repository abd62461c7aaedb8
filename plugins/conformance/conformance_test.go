package conformance_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/sdk/plugincheck"
)

// configs are the values a plugin's own rules need beyond what the schema
// says (formats of merchant ids, IBANs), laid over the runner's fixtures.
var configs = map[string]map[string]payment.Config{
	"offline":  {"transfer": {"iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"}},
	"mercanet": {"mercanet": {"merchant_id": "211000021310001"}},
	"systempay": {"systempay": {"site_id": "12345678", "payment_cards": "CB;VISA",
		"rest_password_test": "testpassword_conformance"}},
}

func TestBuiltinPluginsPassTheRunner(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every plugin")
	}
	dir := t.TempDir()
	for _, name := range []string{"offline", "paypal", "mercanet", "systempay", "ogone"} {
		t.Run(name, func(t *testing.T) {
			bin := filepath.Join(dir, "payhost-plugin-"+name)
			cmd := exec.Command("go", "build", "-o", bin, "../"+name+"/cmd/payhost-plugin-"+name)
			cmd.Stderr = os.Stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("build: %v", err)
			}
			rep := plugincheck.Run(context.Background(), bin, plugincheck.Options{Configs: configs[name]})
			var out bytes.Buffer
			_ = rep.WriteText(&out)
			if !rep.OK() {
				t.Fatalf("conformance:\n%s", out.String())
			}
			for _, r := range rep.Results {
				if r.Status == plugincheck.Skip && r.Check != "secrets" && r.Check != "typed_errors" {
					t.Errorf("%s skipped: %s", r.Check, r.Detail)
				}
			}
			t.Logf("\n%s", out.String())
		})
	}
}
