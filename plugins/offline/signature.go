package offline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"

	"github.com/payhost/payhost/sdk/payment"
)

// signedFields are the fields a test-mode message must carry, sig aside.
var signedFields = []string{"amount", "currency", "reference", "session", "status", "t", "txn"}

// sign computes the test-mode signature over every field but sig (see the
// package documentation for the rule).
func sign(key string, fields url.Values) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		if name != "sig" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = name + "=" + fields.Get(name)
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(strings.Join(parts, "&")))
	return hex.EncodeToString(m.Sum(nil))
}

// verify checks that every expected field is present exactly once, that
// no unexpected field is signed along, and that sig matches in constant time.
func verify(key string, fields url.Values) error {
	if key == "" {
		// Anyone can compute an HMAC with an empty key.
		return payment.Errorf(payment.CodeInvalidSignature, "no signing_key configured")
	}
	for _, name := range append(signedFields, "sig") {
		if len(fields[name]) != 1 {
			return payment.Errorf(payment.CodeInvalidSignature, "field %s missing or repeated", name)
		}
	}
	if len(fields) != len(signedFields)+1 {
		return payment.Errorf(payment.CodeInvalidSignature, "unexpected fields in a signed message")
	}
	if !payment.ConstantTimeEqualHex(sign(key, fields), fields.Get("sig")) {
		return payment.Errorf(payment.CodeInvalidSignature, "signature does not match")
	}
	return nil
}
