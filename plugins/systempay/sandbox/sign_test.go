package sandbox

import (
	"net/url"
	"strings"
	"testing"

	"github.com/payhost/payhost/shared/providertest"
)

// TestSignatureReproducesPublishedVectors: the sandbox's own signature
// code, not the plugin's, reproduces every published SystemPay vector and
// refuses the same message changed, re-keyed or unsigned.
func TestSignatureReproducesPublishedVectors(t *testing.T) {
	for _, v := range providertest.LoadFrom(t, "..", "systempay") {
		t.Run(v.Name, func(t *testing.T) {
			algo := algoHMACSHA256
			if strings.Contains(v.Name, "sha1") {
				algo = algoSHA1
			}
			f := url.Values{}
			for _, in := range v.Inputs {
				f.Set(in[0], in[1])
			}
			if got := vadsSignature(f, v.Key, algo); got != v.Expected {
				t.Fatalf("%s = %s, want %s", algo, got, v.Expected)
			}
			f.Set("signature", v.Expected)
			if !signatureMatches(f, v.Key, algo) {
				t.Fatal("the published signature does not match")
			}
			if algo == algoSHA1 {
				f.Set("signature", strings.ToUpper(v.Expected))
				if !signatureMatches(f, v.Key, algo) {
					t.Error("legacy hex in upper case does not match")
				}
				f.Set("signature", v.Expected)
			}
			if signatureMatches(f, v.Key+"0", algo) || signatureMatches(f, "", algo) {
				t.Error("matches with another key or none")
			}
			f.Set("not_vads", "ignored")
			if !signatureMatches(f, v.Key, algo) {
				t.Error("a field outside vads_* changed the signature")
			}
			f.Set("vads_extra", "")
			if signatureMatches(f, v.Key, algo) {
				t.Error("an empty vads_* field is not signed")
			}
			f.Del("vads_extra")
			f.Del("signature")
			if signatureMatches(f, v.Key, algo) {
				t.Error("matches without a signature")
			}
		})
	}
}
