package systempay

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"

	"github.com/payhost/payhost/sdk/payment"
)

// Signature algorithms.
const (
	HMACSHA256 = "HMAC-SHA-256"
	SHA1       = "SHA-1" // legacy, "deprecated but maintained"
)

// Sign computes the signature over every vads_* field present (empty ones
// included): values sorted by field name, joined with '+', then '+' and
// the key. HMAC-SHA-256 (keyed with the same key) gives Base64; SHA-1
// gives lowercase hex.
func Sign(fields url.Values, key, algorithm string) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		if strings.HasPrefix(name, "vads_") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(fields.Get(n))
		b.WriteByte('+')
	}
	b.WriteString(key)
	if algorithm == SHA1 {
		sum := sha1.Sum([]byte(b.String()))
		return hex.EncodeToString(sum[:])
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks a received signature in constant time: Base64 exactly,
// legacy hex case-insensitively.
func Verify(fields url.Values, signature, key, algorithm string) bool {
	if signature == "" || key == "" {
		return false
	}
	want := Sign(fields, key, algorithm)
	if algorithm == SHA1 {
		return payment.ConstantTimeEqualHex(want, signature)
	}
	return payment.ConstantTimeEqual(want, signature)
}
