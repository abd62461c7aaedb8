package currency

import "testing"

// FuzzParseMajor: what ParseMajor accepts is written back by FormatMinor
// and read again to the same minor units.
func FuzzParseMajor(f *testing.F) {
	for _, s := range []string{"19.99", "0.5", "15", "-1.00", "92233720368547758.07"} {
		f.Add(s)
	}
	eur, _ := Lookup("EUR")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := eur.ParseMajor(s)
		if err != nil {
			return
		}
		back, err := eur.ParseMajor(eur.FormatMinor(v))
		if err != nil || back != v {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, v, eur.FormatMinor(v), back, err)
		}
	})
}
