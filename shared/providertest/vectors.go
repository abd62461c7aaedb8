// Package providertest loads the published test vectors a plugin keeps in
// its testdata/vectors.json (copied from the provider's documentation or an
// independent library's tests, each with its source), for that plugin's
// tests, its sandbox's tests and their fuzz seeds.
package providertest

import (
	"encoding/json"
	"os"
	"path/filepath"
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
	// Source says where the vector was published; Notes anything
	// particular about it.
	Source string
	Notes  string
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

// File is the vectors file of the package under test: go test runs in the
// package's directory.
const File = "testdata/vectors.json"

// Load returns the provider's vectors from the package's testdata. A
// missing file, or one without a vector of the provider, fails the test:
// the vectors are part of the repository.
func Load(t testing.TB, provider string) []Vector {
	t.Helper()
	return LoadFrom(t, "", provider)
}

// LoadFrom is Load for the package in dir, relative to the package under
// test (a sandbox reads its plugin's vectors from "..").
func LoadFrom(t testing.TB, dir, provider string) []Vector {
	t.Helper()
	path := filepath.Join(dir, File)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("published vectors: %v", err)
	}
	var all []Vector
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []Vector
	for _, v := range all {
		if v.Provider == provider {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s vector in %s", provider, path)
	}
	return out
}
