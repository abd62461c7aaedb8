package systempay

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/providertest"
)

// signatureByRule recomputes the vads_* signature from the documented rule,
// apart from Sign.
func signatureByRule(f url.Values, k, algorithm string) string {
	var names []string
	for n := range f {
		if strings.HasPrefix(n, "vads_") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var vals []string
	for _, n := range names {
		vals = append(vals, f.Get(n))
	}
	msg := strings.Join(append(vals, k), "+")
	if algorithm == SHA1 {
		sum := sha1.Sum([]byte(msg))
		return hex.EncodeToString(sum[:])
	}
	m := hmac.New(sha256.New, []byte(k))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// FuzzIPN feeds arbitrary form bodies to the IPN and the return: nothing
// panics; an IPN outcome is verified only when every field is present once
// and the signature follows the documented rule with the key of the
// configured context mode, for this shop and transaction; a return is
// never verified.
func FuzzIPN(f *testing.F) {
	for _, algo := range []string{HMACSHA256, SHA1} {
		good := ipn("AUTHORISED", "00", "TEST", keyTest, algo)
		f.Add(good.Encode(), algo == SHA1)
		bad := ipn("AUTHORISED", "00", "TEST", keyTest, algo)
		bad.Set("vads_amount", "1")
		f.Add(bad.Encode(), algo == SHA1)
		f.Add(ipn("AUTHORISED", "00", "PRODUCTION", keyProd, algo).Encode(), algo == SHA1)
		f.Add(good.Encode()+"&vads_amount=1524", algo == SHA1)
	}
	for _, v := range providertest.Load(f, "systempay") {
		q := url.Values{}
		for _, in := range v.Inputs {
			q.Set(in[0], in[1])
		}
		q.Set("signature", v.Expected)
		f.Add(q.Encode(), strings.Contains(v.Name, "sha1"))
	}
	f.Fuzz(func(t *testing.T, body string, legacy bool) {
		algo := HMACSHA256
		if legacy {
			algo = SHA1
		}
		cfg := config("TEST", algo)
		req := payment.CallbackRequest{Session: session(), Config: cfg,
			Request: payment.HTTPRequest{Method: "POST", Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(body)}}
		if ret, err := New().HandleReturn(context.Background(), req); err == nil && ret.Outcome != nil && ret.Outcome.Verified {
			t.Fatalf("a verified return from %q", body)
		}
		out, err := New().HandleNotification(context.Background(), req)
		if err != nil {
			return
		}
		q, perr := url.ParseQuery(body)
		if perr != nil || out.Outcome == nil || !out.Outcome.Verified {
			t.Fatalf("IPN answered with %+v from %q (%v)", out.Outcome, body, perr)
		}
		for k, vs := range q {
			if len(vs) != 1 {
				t.Fatalf("verified a repeated %s", k)
			}
		}
		want := signatureByRule(q, keyTest, algo)
		got := q.Get("signature")
		if algo == SHA1 {
			got = strings.ToLower(got)
		}
		if got != want || q.Get("vads_ctx_mode") != "TEST" || q.Get("vads_site_id") != site || q.Get("vads_trans_id") != session().Reference {
			t.Fatalf("verified %q", body)
		}
	})
}
