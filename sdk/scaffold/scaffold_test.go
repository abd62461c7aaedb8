package scaffold_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/scaffold"
)

func goCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	// Outside the repository's workspace, as an author's module; the
	// SDK's own requirements come from the module cache (or the proxy once).
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestGeneratedPluginWorks generates a plugin, then builds it, vets it and
// runs its tests, which include the conformance runner on its binary.
func TestGeneratedPluginWorks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a generated module")
	}
	sdk, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "payhost-plugin-acme")
	files, err := scaffold.Generate(scaffold.Options{Name: "acme", Dir: dir, SDKDir: sdk})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go.mod", "go.sum", "provider.go", "provider_test.go", "conformance_test.go", "sim/sim.go", "cmd/payhost-plugin-acme/main.go", "Makefile"} {
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			t.Errorf("%s not generated (wrote %v)", want, files)
		}
	}
	goCmd(t, dir, "build", "./...")
	goCmd(t, dir, "vet", "./...")
	out := goCmd(t, dir, "test", "-count=1", "-v", "./...")
	for _, want := range []string{"--- PASS: TestContract", "--- PASS: TestPayment", "--- PASS: TestConformance", "PASS begin/acme", "PASS callbacks/acme", "PASS secrets"} {
		if !strings.Contains(out, want) {
			t.Errorf("go test output lacks %q:\n%s", want, out)
		}
	}
}

func TestGenerateRefuses(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, dir, sdk string }{
		{"Acme", filepath.Join(dir, "a"), ""},
		{"ac-me", filepath.Join(dir, "b"), ""},
		{"acme", dir, ""},                              // not empty
		{"acme", filepath.Join(dir, "c"), t.TempDir()}, // no SDK there
	} {
		if _, err := scaffold.Generate(scaffold.Options{Name: tt.name, Dir: tt.dir, SDKDir: tt.sdk}); err == nil {
			t.Errorf("Generate(%q into %s, sdk %q) succeeded", tt.name, tt.dir, tt.sdk)
		}
	}
}

// TestExampleIsTheScaffold keeps examples/go-plugin what the scaffold
// generates for "hmacpay", so the README's path and the example agree.
func TestExampleIsTheScaffold(t *testing.T) {
	example := filepath.Join("..", "..", "examples", "go-plugin")
	if _, err := os.Stat(example); err != nil {
		t.Skip("not in the payhost repository")
	}
	dir := filepath.Join(t.TempDir(), "gen")
	files, err := scaffold.Generate(scaffold.Options{Name: "hmacpay", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f == "go.mod" || f == "go.sum" {
			continue // written against the repository's SDK path
		}
		got, err := os.ReadFile(filepath.Join(example, f))
		want, _ := os.ReadFile(filepath.Join(dir, f))
		if err != nil || string(got) != string(want) {
			t.Errorf("examples/go-plugin/%s differs from the scaffold's output (regenerate: payhost plugins new hmacpay)", f)
		}
	}
}
