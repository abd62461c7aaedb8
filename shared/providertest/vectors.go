// Package providertest loads the published test vectors kept beside the
// repository (../shared/providers/vectors.json) for the plugins' tests.
package providertest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Vector is one published vector: inputs, key, algorithm and the expected
// output.
type Vector struct {
	Provider  string
	Name      string
	Algorithm string
	Key       string
	Expected  string
	// Inputs are name/value pairs in the published order.
	Inputs [][2]string
}

// Input returns the value of the first input with that name.
func (v Vector) Input(name string) string {
	for _, in := range v.Inputs {
		if in[0] == name {
			return in[1]
		}
	}
	return ""
}

// Path is where the vectors are expected: ../shared/providers/vectors.json
// relative to the repository root.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "providers", "vectors.json")
}

// Load returns the provider's vectors. The test is skipped when the file
// is absent (a checkout without the shared folder) and fails when it holds
// no vector for the provider.
func Load(t testing.TB, provider string) []Vector {
	t.Helper()
	b, err := os.ReadFile(Path())
	if err != nil {
		t.Skipf("published vectors not available at %s: %v", Path(), err)
	}
	var all []Vector
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatalf("vectors.json: %v", err)
	}
	var out []Vector
	for _, v := range all {
		if v.Provider == provider {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s vector in %s", provider, Path())
	}
	return out
}
