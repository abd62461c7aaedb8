package ogone

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/payhost/payhost/sdk/payment"
)

// Hash algorithms selectable in Ogone's back office.
const (
	SHA1   = "SHA-1"
	SHA256 = "SHA-256"
	SHA512 = "SHA-512"
)

// Character sets of the two payment pages.
const (
	CharsetUTF8   = "UTF-8"
	CharsetLatin1 = "ISO-8859-1"
)

// ParamList is a SHA-IN or SHA-OUT parameter list.
type ParamList struct {
	exact    map[string]bool
	prefixes []string // from NAME*XX*: NAME followed by digits
}

func newParamSet(names []string) ParamList {
	s := ParamList{exact: map[string]bool{}}
	for _, n := range names {
		if p, ok := strings.CutSuffix(n, "*XX*"); ok {
			s.prefixes = append(s.prefixes, p)
			continue
		}
		s.exact[n] = true
	}
	return s
}

// has reports whether an upper-case parameter name is signed.
func (s ParamList) has(name string) bool {
	if s.exact[name] {
		return true
	}
	for _, p := range s.prefixes {
		if rest, ok := strings.CutPrefix(name, p); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}

var (
	shaIn  = newParamSet(shaInParams)
	shaOut = newParamSet(shaOutParams)
)

// Param is one parameter as sent or received: Value holds the exact bytes
// (UTF-8 or ISO-8859-1, per the page used).
type Param struct{ Name, Value string }

// Sign computes SHASIGN for one parameter list (see SignIn, SignOut): the parameters of the list with a non-empty value,
// names upper-cased and sorted, each written NAME=value followed by the
// passphrase, hashed, as upper-case hex. Parameters outside the list are
// left out. passphrase must already be in the page's character set.
func Sign(params []Param, passphrase, algorithm string, list ParamList) string {
	type kv struct{ k, v string }
	var signed []kv
	for _, p := range params {
		name := strings.ToUpper(p.Name)
		if p.Value == "" || !list.has(name) {
			continue
		}
		signed = append(signed, kv{name, p.Value})
	}
	sort.Slice(signed, func(i, j int) bool { return signed[i].k < signed[j].k })
	h := newHash(algorithm)
	for _, p := range signed {
		h.Write([]byte(p.k + "=" + p.v + passphrase))
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

func newHash(algorithm string) hash.Hash {
	switch algorithm {
	case SHA1:
		return sha1.New()
	case SHA512:
		return sha512.New()
	}
	return sha256.New()
}

// verify checks a received SHASIGN in constant time (case-insensitive hex).
// Without a passphrase anyone could compute SHASIGN: nothing verifies.
func verify(params []Param, shasign, passphrase, algorithm string) bool {
	return shasign != "" && passphrase != "" && payment.ConstantTimeEqualHex(Sign(params, passphrase, algorithm, shaOut), shasign)
}

// EncodeCharset encodes a UTF-8 string in the page's character set; characters
// ISO-8859-1 lacks become '?', as a browser posting to that page would
// send them.
func EncodeCharset(s, charset string) string {
	if charset != CharsetLatin1 {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// DecodeCharset decodes received bytes to UTF-8 for display and storage.
func DecodeCharset(s, charset string) string {
	if charset != CharsetLatin1 {
		if utf8.ValidString(s) {
			return s
		}
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// SignIn computes the SHA-IN signature of a payment request.
func SignIn(params []Param, passphrase, algorithm string) string {
	return Sign(params, passphrase, algorithm, shaIn)
}

// SignOut computes the SHA-OUT signature of a redirection or post-sale
// request.
func SignOut(params []Param, passphrase, algorithm string) string {
	return Sign(params, passphrase, algorithm, shaOut)
}
