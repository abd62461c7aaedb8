package sandbox

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
)

// The sandbox's own reading of Lyra's form signature ("Computing the
// signature", vads_* form API), written apart from the plugin: the
// end-to-end tests pass only if both, each written from the specification,
// agree on every signature.

// Signature algorithms, as the back office names them.
const (
	algoHMACSHA256 = "HMAC-SHA-256"
	algoSHA1       = "SHA-1" // legacy
)

// vadsSignature signs every vads_* field present, empty ones included: the
// values in field-name order joined with '+', then '+' and the key of the
// context mode. HMAC-SHA-256 keyed with that key gives Base64; the legacy
// SHA-1 gives lowercase hex.
func vadsSignature(f url.Values, key, algorithm string) string {
	names := make([]string, 0, len(f))
	for name := range f {
		if strings.HasPrefix(name, "vads_") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	msg := make([]string, 0, len(names)+1)
	for _, name := range names {
		msg = append(msg, f.Get(name))
	}
	msg = append(msg, key)
	text := strings.Join(msg, "+")
	if algorithm == algoSHA1 {
		sum := sha1.Sum([]byte(text))
		return hex.EncodeToString(sum[:])
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(text))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// signatureMatches compares in constant time: Base64 exactly, legacy hex
// in either case. No key, no signature: no match.
func signatureMatches(f url.Values, key, algorithm string) bool {
	got := f.Get("signature")
	if got == "" || key == "" {
		return false
	}
	want := vadsSignature(f, key, algorithm)
	if algorithm == algoSHA1 {
		got = strings.ToLower(got)
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
