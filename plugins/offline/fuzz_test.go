package offline

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

// signedByRule recomputes the test-mode signature from the package
// documentation's rule, independently of sign: hex HMAC-SHA256 over the
// sorted name=value pairs of every field but sig, joined with '&'.
func signedByRule(k string, f url.Values) bool {
	var pairs []string
	for name, vs := range f {
		if name != "sig" {
			pairs = append(pairs, name+"="+vs[0])
		}
	}
	sort.Strings(pairs)
	m := hmac.New(sha256.New, []byte(k))
	m.Write([]byte(strings.Join(pairs, "&")))
	return hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(strings.ToLower(f.Get("sig"))))
}

// FuzzTestModeMessage feeds arbitrary form bodies to the test mode's return
// and notification: it never panics, and an outcome is verified only when
// the body carries exactly the signed fields, correctly signed with the
// configured key, for this session.
func FuzzTestModeMessage(f *testing.F) {
	p := newTestProvider()
	resp, err := p.Begin(context.Background(), payment.BeginRequest{Session: testSession(), Config: payment.Config{"signing_key": key}})
	if err != nil {
		f.Fatal(err)
	}
	for _, form := range resp.Choices {
		v := url.Values{}
		for _, fl := range form.Fields {
			v.Add(fl.Name, fl.Value)
		}
		f.Add(v.Encode(), true)
		f.Add(v.Encode(), false)
		amount := url.Values{}
		for k, vs := range v {
			amount[k] = vs
		}
		amount.Set("amount", "1")
		f.Add(amount.Encode(), true)
		f.Add(strings.Replace(v.Encode(), "sig=", "sig=0", 1), true)
		f.Add(v.Encode()+"&sig=00", true)
		f.Add(v.Encode()+"&extra=1", false)
	}
	f.Add("", false)
	f.Add("%zz=1", true)
	f.Fuzz(func(t *testing.T, body string, notification bool) {
		req := payment.CallbackRequest{Session: testSession(), Config: payment.Config{"signing_key": key},
			Request: payment.HTTPRequest{Method: "POST", Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(body)}}
		call := p.HandleReturn
		if notification {
			call = p.HandleNotification
		}
		out, err := call(context.Background(), req)
		if err != nil || out.Outcome == nil {
			return
		}
		if !out.Outcome.Verified {
			t.Fatalf("an unverified test-mode outcome: %+v", out.Outcome)
		}
		fields, perr := url.ParseQuery(body)
		if perr != nil {
			t.Fatalf("verified an unparsable body %q", body)
		}
		if len(fields) != len(signedFields)+1 || !signedByRule(key, fields) {
			t.Fatalf("verified a body that is not signed by the rule: %q", body)
		}
		for name, vs := range fields {
			if len(vs) != 1 {
				t.Fatalf("verified a repeated field %s", name)
			}
		}
		if fields.Get("session") != testSession().ID || out.Outcome.Reference != fields.Get("reference") {
			t.Fatalf("verified %+v from %q", out.Outcome, body)
		}
	})
}

// FuzzIBAN checks NormaliseIBAN: it never panics; what it accepts is 15 to
// 34 upper-case letters and digits whose ISO 7064 mod-97 value (computed
// here with big integers) is 1, and accepting it again in lower case or
// printed in groups of four gives the same IBAN.
func FuzzIBAN(f *testing.F) {
	for _, s := range []string{
		"FR1420041010050500013M02606", "FR76 3000 6000 0112 3456 7890 189", "GB82WEST12345698765432",
		"DE89 3704 0044 0532 0130 00", "be68539007547034", "NO9386011117947", "MT84MALT011000012345MTLCAST001S",
		"FR1420041010050500013M02607", "GB82WEST12345698765433", "XX00", "FR14 2004 1010 0505 0001 3M02 606 1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		iban, err := NormaliseIBAN(raw)
		if err != nil {
			return
		}
		if len(iban) < 15 || len(iban) > 34 {
			t.Fatalf("%q accepted as %q (%d characters)", raw, iban, len(iban))
		}
		var digits strings.Builder
		for i, c := range iban[4:] + iban[:4] {
			switch {
			case c >= '0' && c <= '9':
				digits.WriteRune(c)
			case c >= 'A' && c <= 'Z':
				digits.WriteString(strconv.Itoa(int(c-'A') + 10))
			default:
				t.Fatalf("%q accepted as %q, with %q at %d", raw, iban, c, i)
			}
		}
		n, _ := new(big.Int).SetString(digits.String(), 10)
		if new(big.Int).Mod(n, big.NewInt(97)).Int64() != 1 {
			t.Fatalf("%q accepted as %q, whose mod-97 is not 1", raw, iban)
		}
		for _, again := range []string{FormatIBAN(iban), strings.ToLower(iban)} {
			if back, err := NormaliseIBAN(again); err != nil || back != iban {
				t.Fatalf("%q → %q → %q → %q, %v", raw, iban, again, back, err)
			}
		}
	})
}
