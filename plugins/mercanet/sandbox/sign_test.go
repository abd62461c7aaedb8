package sandbox

import (
	"strings"
	"testing"

	"github.com/payhost/payhost/shared/providertest"
)

// TestSealsReproducePublishedVectors: the sandbox's own seal code, not the
// plugin's, reproduces every published Mercanet vector, and refuses a
// seal that is missing, keyless or off by one character.
func TestSealsReproducePublishedVectors(t *testing.T) {
	for _, v := range providertest.LoadFrom(t, "..", "mercanet") {
		t.Run(v.Name, func(t *testing.T) {
			var got string
			if strings.Contains(v.Name, "json") {
				fields := map[string]string{}
				for _, in := range v.Inputs {
					fields[in[0]] = in[1]
				}
				got = officeJSONSeal(fields, v.Key)
			} else {
				var pairs []sipsPair
				for _, in := range v.Inputs {
					pairs = append(pairs, sipsPair{in[0], in[1]})
				}
				data := sipsData(pairs)
				got = paypageSeal(data, v.Key, sealSHA256)
				back, err := sipsFields(data)
				if err != nil || len(back) != len(v.Inputs) {
					t.Errorf("Data %q reads back as %v, %v", data, back, err)
				}
			}
			if got != v.Expected {
				t.Fatalf("seal %s, want %s", got, v.Expected)
			}
			if !sealMatches(got, strings.ToUpper(v.Expected), v.Key) {
				t.Error("the published seal in upper case does not match")
			}
			for _, bad := range []string{"", v.Expected[:len(v.Expected)-1] + "0", v.Expected + "0"} {
				if bad != v.Expected && sealMatches(got, bad, v.Key) {
					t.Errorf("seal %q matches", bad)
				}
			}
			if sealMatches(got, v.Expected, "") {
				t.Error("a seal matches without a secret")
			}
		})
	}
}
