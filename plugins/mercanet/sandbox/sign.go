package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
)

// The sandbox's own reading of the Sips 2.0 rules (Mercanet Paypage POST
// documentation, "Seal", and the Office JSON seal), written apart from the
// plugin: the end-to-end tests pass only if the plugin and the sandbox,
// each written from the specification, agree on every seal.

// Seal algorithms and capture modes, as the protocol spells them.
const (
	sealSHA256        = "SHA-256"      // no SealAlgorithm field
	sealHMACSHA256    = "HMAC-SHA-256" // SealAlgorithm=HMAC-SHA-256
	captureValidation = "VALIDATION"
)

// sipsPair is one key=value of a Data string.
type sipsPair struct{ Key, Value string }

// sipsData joins pairs as Sips writes Data: key=value separated by '|'.
func sipsData(pairs []sipsPair) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(p.Value)
	}
	return b.String()
}

// sipsFields reads Data: pairs split on '|', each on its first '=' (values
// such as returnContext may hold '='). A repeated key or a pair without
// '=' is the format error Sips answers with code 30.
func sipsFields(data string) (map[string]string, error) {
	if data == "" {
		return nil, errors.New("empty Data")
	}
	out := map[string]string{}
	for _, pair := range strings.Split(data, "|") {
		i := strings.IndexByte(pair, '=')
		if i <= 0 {
			return nil, errors.New("a pair is not key=value")
		}
		if _, dup := out[pair[:i]]; dup {
			return nil, errors.New("repeated key " + pair[:i])
		}
		out[pair[:i]] = pair[i+1:]
	}
	return out, nil
}

// paypageSeal is the Paypage POST seal over Data exactly as posted:
// SHA-256 of Data then the secret key, or HMAC-SHA-256 keyed with the
// secret key, in lowercase hex.
func paypageSeal(data, secret, algorithm string) string {
	var sum []byte
	if algorithm == sealHMACSHA256 {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(data))
		sum = m.Sum(nil)
	} else {
		h := sha256.New()
		h.Write([]byte(data))
		h.Write([]byte(secret))
		sum = h.Sum(nil)
	}
	return hex.EncodeToString(sum)
}

// officeJSONSeal is the JSON interfaces' seal: HMAC-SHA-256 keyed with the
// secret key over the values of every field but keyVersion, sealAlgorithm
// and seal, in field-name order, concatenated; lowercase hex.
func officeJSONSeal(fields map[string]string, secret string) string {
	var names []string
	for name := range fields {
		if name != "keyVersion" && name != "sealAlgorithm" && name != "seal" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	m := hmac.New(sha256.New, []byte(secret))
	for _, name := range names {
		m.Write([]byte(fields[name]))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// sealMatches compares a received hex seal in constant time, ignoring hex
// case; an empty seal or secret never matches.
func sealMatches(want, got, secret string) bool {
	if got == "" || secret == "" || len(want) != len(got) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(got))) == 1
}
