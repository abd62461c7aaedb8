package sandbox

import (
	"strings"
	"testing"

	"github.com/payhost/payhost/shared/providertest"
)

// TestSHASignReproducesPublishedVectors: the sandbox's own SHA-IN/SHA-OUT
// code, not the plugin's, reproduces every published Ogone vector; a
// changed value, an unlisted parameter and the passphrase all matter as the
// rule says.
func TestSHASignReproducesPublishedVectors(t *testing.T) {
	for _, v := range providertest.LoadFrom(t, "..", "ogone") {
		t.Run(v.Name, func(t *testing.T) {
			algo := "SHA-1"
			switch {
			case strings.Contains(v.Algorithm, "SHA256"), strings.Contains(v.Algorithm, "SHA-256"):
				algo = "SHA-256"
			case strings.Contains(v.Algorithm, "SHA512"), strings.Contains(v.Algorithm, "SHA-512"):
				algo = hashSHA512
			}
			list := shaInList
			if strings.Contains(v.Name, "sha_out") {
				list = shaOutList
			}
			params := map[string]string{}
			for _, in := range v.Inputs {
				params[in[0]] = in[1]
			}
			got := shaSign(params, v.Key, algo, list)
			if got != v.Expected {
				t.Fatalf("%s = %s, want %s", algo, got, v.Expected)
			}
			params["NOT_A_SIGNED_PARAMETER"] = "x"
			if shaSign(params, v.Key, algo, list) != got {
				t.Error("an unlisted parameter changed SHASIGN")
			}
			if shaSign(params, v.Key+"x", algo, list) == got {
				t.Error("another passphrase gives the same SHASIGN")
			}
			for name, value := range params {
				if list.signs(strings.ToUpper(name)) {
					params[name] = value + "1"
					if shaSign(params, v.Key, algo, list) == got {
						t.Errorf("changing %s leaves SHASIGN unchanged", name)
					}
					break
				}
			}
		})
	}
}

func TestLatin1RoundTrip(t *testing.T) {
	for _, s := range []string{"Zoë Müller", "plain", "ÿ€"} {
		enc := latin1(s)
		want := strings.ReplaceAll(s, "€", "?")
		if got := fromLatin1(enc); got != want {
			t.Errorf("%q → %q → %q, want %q", s, enc, got, want)
		}
	}
}
