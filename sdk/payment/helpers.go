package payment

import (
	"crypto/subtle"
	"mime"
	"strings"
)

// ConstantTimeEqual compares two signatures without leaking timing.
func ConstantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// ConstantTimeEqualHex compares two hex strings case-insensitively in
// constant time (for a given length).
func ConstantTimeEqualHex(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(a)), []byte(strings.ToLower(b))) == 1
}

// Redact returns a copy of fields without the named keys (case-insensitive),
// for Outcome.Payload.
func Redact(fields map[string]string, secretKeys ...string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		secret := false
		for _, s := range secretKeys {
			if equalFold(k, s) {
				secret = true
				break
			}
		}
		if !secret {
			out[k] = v
		}
	}
	return out
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

func isFormContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/x-www-form-urlencoded"
}
