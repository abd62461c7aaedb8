package ogone

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/providertest"
)

// shaOutByRule recomputes SHA-512 SHA-OUT from the documented rule, apart
// from Sign: listed parameters with a value, names upper-cased and sorted,
// NAME=value followed by the passphrase, upper-case hex.
func shaOutByRule(q url.Values, pass string) string {
	var parts []string
	for name, vs := range q {
		u := strings.ToUpper(name)
		if vs[0] != "" && u != "SHASIGN" && shaOut.has(u) {
			parts = append(parts, u+"="+vs[0]+pass)
		}
	}
	sort.Strings(parts)
	h := sha512.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// shasignOf finds SHASIGN whatever the case of its name, as the plugin
// does: Ogone treats parameter names case-insensitively.
func shasignOf(q url.Values) string {
	for name, vs := range q {
		if strings.EqualFold(name, "SHASIGN") {
			return vs[0]
		}
	}
	return ""
}

// FuzzFeedback feeds arbitrary query strings to the post-sale request and
// the redirection, in both page charsets: nothing panics, every verified
// outcome carries a SHASIGN that matches the documented rule with the
// SHA-OUT passphrase and names this session's order, and its payload is
// valid UTF-8 whatever bytes came in.
func FuzzFeedback(f *testing.F) {
	for _, charset := range []string{CharsetUTF8, CharsetLatin1} {
		good := feedback(baseFeedback("9", "19.08", "EUR"), passOut, SHA512, charset)
		f.Add(good.Encode(), charset == CharsetLatin1)
		tampered := url.Values{}
		for k, v := range good {
			tampered[k] = v
		}
		tampered.Set("amount", "1908")
		f.Add(tampered.Encode(), charset == CharsetLatin1)
		tampered.Del("SHASIGN")
		f.Add(tampered.Encode(), charset == CharsetLatin1)
	}
	for _, v := range providertest.Load(f, "ogone") {
		q := url.Values{}
		for _, in := range v.Inputs {
			q.Set(in[0], in[1])
		}
		q.Set("SHASIGN", v.Expected)
		f.Add(q.Encode(), false)
	}
	f.Add("SHASIGN=&STATUS=9", false)
	f.Add("orderID=ORDER0001&orderid=ORDER0001", true)
	f.Add("orderID=%E9&COMPLUS=ps_%FF", true)
	f.Fuzz(func(t *testing.T, query string, latin1 bool) {
		charset := CharsetUTF8
		if latin1 {
			charset = CharsetLatin1
		}
		req := payment.CallbackRequest{Session: session(), Config: config(charset),
			Request: payment.HTTPRequest{Method: "GET", URL: "/notify/ogone?" + query}}
		p := New()
		// What IdentifyCallback answers goes back over protobuf: UTF-8 only.
		if id, err := p.IdentifyCallback(context.Background(), payment.IdentifyCallbackRequest{Request: req.Request}); err == nil &&
			(!utf8.ValidString(id.SessionID) || !utf8.ValidString(id.Reference)) {
			t.Fatalf("identify %q = %+v: not UTF-8", query, id)
		}
		for _, call := range []func(context.Context, payment.CallbackRequest) (payment.CallbackResponse, error){p.HandleNotification, p.HandleReturn} {
			out, err := call(context.Background(), req)
			if err != nil || out.Outcome == nil {
				continue
			}
			q, perr := url.ParseQuery(query)
			if perr != nil || !out.Outcome.Verified {
				t.Fatalf("outcome %+v from %q (%v)", out.Outcome, query, perr)
			}
			if !strings.EqualFold(shasignOf(q), shaOutByRule(q, EncodeCharset(passOut, charset))) {
				t.Fatalf("verified %q, whose SHASIGN does not follow the rule", query)
			}
			if out.Outcome.Reference != session().Reference {
				t.Fatalf("verified an outcome about %q", out.Outcome.Reference)
			}
			for k, v := range out.Outcome.Payload {
				if !utf8.ValidString(k) || !utf8.ValidString(v) {
					t.Fatalf("payload %q=%q is not UTF-8", k, v)
				}
			}
		}
	})
}

// FuzzCharset checks the page charset conversions: decoding always gives
// UTF-8 (one character per byte for ISO-8859-1), and text survives the
// round trip through the ISO-8859-1 page except what that charset lacks,
// which becomes '?'.
func FuzzCharset(f *testing.F) {
	for _, s := range []string{"Zoë Müller", "Łukasiewicz", "€100", "plain", "\xff\xfe", "ÿ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, cs := range []string{CharsetUTF8, CharsetLatin1} {
			if d := DecodeCharset(s, cs); !utf8.ValidString(d) {
				t.Fatalf("DecodeCharset(%q, %s) = %q", s, cs, d)
			}
		}
		if n := utf8.RuneCountInString(DecodeCharset(s, CharsetLatin1)); n != len(s) {
			t.Fatalf("%q: %d bytes read as %d characters", s, len(s), n)
		}
		var want strings.Builder
		for _, r := range s { // an invalid byte is one U+FFFD
			if r > 0xFF {
				r = '?'
			}
			want.WriteRune(r)
		}
		if got := DecodeCharset(EncodeCharset(s, CharsetLatin1), CharsetLatin1); got != want.String() {
			t.Fatalf("%q through ISO-8859-1 = %q, want %q", s, got, want.String())
		}
		if got := EncodeCharset(s, CharsetUTF8); got != s {
			t.Fatalf("UTF-8 page changed %q into %q", s, got)
		}
	})
}
