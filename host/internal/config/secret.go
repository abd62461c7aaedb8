package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Secret holds a secret value that never leaks through fmt, %v, %#v, JSON
// or text marshalling: only [Secret.Value] returns it.
type Secret struct {
	ref   string // as written: a literal, env:NAME or file:/path
	value string
}

// Value returns the resolved secret.
func (s Secret) Value() string { return s.value }

// IsZero reports whether no secret is set.
func (s Secret) IsZero() bool { return s.value == "" }

func (s Secret) redacted() string {
	if s.value == "" {
		return ""
	}
	return "[redacted]"
}

// String implements fmt.Stringer with the redacted form.
func (s Secret) String() string { return s.redacted() }

// GoString implements fmt.GoStringer with the redacted form.
func (s Secret) GoString() string { return `config.Secret("` + s.redacted() + `")` }

// Format makes every verb print the redacted form (%+v of a struct would
// otherwise print unexported fields).
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, s.redacted())
}

// MarshalText implements encoding.TextMarshaler with the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.redacted()), nil }

// isReference reports whether the value is an env: or file: reference.
func isReference(v string) bool {
	return strings.HasPrefix(v, "env:") || strings.HasPrefix(v, "file:")
}

// resolveValue reads an env:/file: reference; a literal is returned as is.
// Errors name the key and the variable or file, never a value.
func resolveValue(key, v string, getenv func(string) (string, bool)) (string, error) {
	switch {
	case strings.HasPrefix(v, "env:"):
		name := strings.TrimPrefix(v, "env:")
		val, ok := getenv(name)
		if !ok || val == "" {
			return "", fmt.Errorf("%s: environment variable %s is not set", key, name)
		}
		return val, nil
	case strings.HasPrefix(v, "file:"):
		path := strings.TrimPrefix(v, "file:")
		b, err := readSecretFile(path)
		if err != nil {
			return "", fmt.Errorf("%s: cannot read secret file %s: %v", key, path, unwrapPathError(err))
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return v, nil
}

// maxSecretFile bounds a secret file: a key or passphrase is short, and a
// path such as /dev/zero or a FIFO must not stall start-up reading forever.
const maxSecretFile = 64 << 10

func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSecretFile {
		return nil, fmt.Errorf("larger than %d bytes", maxSecretFile)
	}
	return b, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
