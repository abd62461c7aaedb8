package hmacpay_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/payhost/payhost/sdk/plugincheck"
)

// TestConformance builds the plugin binary and runs the conformance
// checks on it over the wire, as the payhost host will run it.
func TestConformance(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "payhost-plugin-hmacpay")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/payhost-plugin-hmacpay")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	rep := plugincheck.Run(context.Background(), bin, plugincheck.Options{})
	var out bytes.Buffer
	_ = rep.WriteText(&out)
	if !rep.OK() {
		t.Fatalf("conformance:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}
