package sandbox

import (
	"encoding/hex"
	"sort"
	"strings"
)

// The sandbox's own reading of Ogone's SHA-IN / SHA-OUT rule (e-Commerce
// guide, "SHA signature"), written apart from the plugin: the end-to-end
// tests pass only if both, each written from the specification, agree.

// Values as the protocol spells them.
const (
	hashSHA512   = "SHA-512"
	pageUTF8     = "UTF-8"
	pageLatin1   = "ISO-8859-1"
	operationRES = "RES" // authorisation only
)

// shaList is one of the signed parameter lists.
type shaList struct {
	names    map[string]bool
	prefixes []string // NAME*XX*: NAME then one or more digits
}

func newSHAList(names []string) shaList {
	l := shaList{names: map[string]bool{}}
	for _, n := range names {
		if p, ok := strings.CutSuffix(n, "*XX*"); ok {
			l.prefixes = append(l.prefixes, p)
		} else {
			l.names[n] = true
		}
	}
	return l
}

// signs reports whether the list covers an upper-case parameter name.
func (l shaList) signs(name string) bool {
	if l.names[name] {
		return true
	}
	for _, p := range l.prefixes {
		digits, ok := strings.CutPrefix(name, p)
		if ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
			return true
		}
	}
	return false
}

var (
	shaInList  = newSHAList(shaInNames)
	shaOutList = newSHAList(shaOutNames)
)

// shaSign is SHASIGN over params (name → value, values as the bytes sent):
// the listed parameters with a non-empty value, names in upper case,
// sorted, each written NAME=value immediately followed by the passphrase,
// hashed with the merchant's algorithm, in upper-case hex.
func shaSign(params map[string]string, passphrase, algorithm string, list shaList) string {
	var parts []string
	for name, value := range params {
		upper := strings.ToUpper(name)
		if value != "" && upper != "SHASIGN" && list.signs(upper) {
			parts = append(parts, upper+"="+value+passphrase)
		}
	}
	sort.Strings(parts)
	h := dlHash(algorithm)
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// fromLatin1 reads ISO-8859-1 bytes as text: each byte is the code point.
func fromLatin1(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// latin1 writes text as the ISO-8859-1 page would send it: '?' for what
// the charset lacks.
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return string(b)
}
