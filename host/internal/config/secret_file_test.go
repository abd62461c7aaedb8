package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretFileBounded(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, []byte(strings.Repeat("k", maxSecretFile+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "ok")
	if err := os.WriteFile(ok, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(string) (string, bool) { return "", false }
	for _, tc := range []struct {
		name, ref, want, wantErr string
	}{
		{"regular file", "file:" + ok, "s3cret", ""},
		{"too large", "file:" + big, "", "larger than"},
		{"device never ends", "file:/dev/zero", "", "not a regular file"},
		{"directory", "file:" + dir, "", "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveValue("k", tc.ref, env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}
