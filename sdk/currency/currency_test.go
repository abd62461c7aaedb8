package currency

import (
	"errors"
	"math"
	"testing"
)

func TestTableIsConsistent(t *testing.T) {
	codes, numerics := map[string]bool{}, map[string]bool{}
	for _, c := range table {
		if len(c.Code) != 3 || c.Code[0] < 'A' || c.Code[0] > 'Z' || !isUpper(c.Code) {
			t.Errorf("bad code %q", c.Code)
		}
		if len(c.Numeric) != 3 || !allDigits(c.Numeric) {
			t.Errorf("%s: bad numeric %q", c.Code, c.Numeric)
		}
		if c.Exponent < 0 || c.Exponent > 4 || c.Name == "" {
			t.Errorf("%s: exponent %d name %q", c.Code, c.Exponent, c.Name)
		}
		if codes[c.Code] || numerics[c.Numeric] {
			t.Errorf("%s/%s repeated", c.Code, c.Numeric)
		}
		codes[c.Code], numerics[c.Numeric] = true, true
	}
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func TestLookup(t *testing.T) {
	tests := []struct {
		code, numeric string
		exponent      int
	}{
		{"EUR", "978", 2}, {"USD", "840", 2}, {"GBP", "826", 2}, {"CHF", "756", 2}, {"JPY", "392", 0},
		{"KRW", "410", 0}, {"XOF", "952", 0}, {"XPF", "953", 0}, {"KWD", "414", 3}, {"BHD", "048", 3},
		{"TND", "788", 3}, {"CAD", "124", 2}, {"AUD", "036", 2}, {"SEK", "752", 2}, {"PLN", "985", 2},
	}
	for _, tc := range tests {
		c, ok := Lookup(tc.code)
		if !ok || c.Numeric != tc.numeric || c.Exponent != tc.exponent {
			t.Errorf("Lookup(%s) = %+v, %v", tc.code, c, ok)
		}
		if n, ok := ByNumeric(tc.numeric); !ok || n.Code != tc.code {
			t.Errorf("ByNumeric(%s) = %+v, %v", tc.numeric, n, ok)
		}
	}
	for _, bad := range []string{"eur", "EU", "EURO", "XXX", ""} {
		if _, ok := Lookup(bad); ok {
			t.Errorf("Lookup(%q) found a currency", bad)
		}
	}
	if _, ok := ByNumeric("000"); ok {
		t.Error("ByNumeric(000) found a currency")
	}
}

func TestFormatAndParse(t *testing.T) {
	eur, _ := Lookup("EUR")
	jpy, _ := Lookup("JPY")
	kwd, _ := Lookup("KWD")
	tests := []struct {
		c     Currency
		minor int64
		major string
	}{
		{eur, 1999, "19.99"}, {eur, 5, "0.05"}, {eur, -5, "-0.05"}, {eur, 0, "0.00"}, {eur, 1500, "15.00"},
		{eur, math.MaxInt64, "92233720368547758.07"}, {eur, math.MinInt64, "-92233720368547758.08"},
		{jpy, 500, "500"}, {jpy, 0, "0"}, {kwd, 1234, "1.234"}, {kwd, 1, "0.001"},
	}
	for _, tc := range tests {
		if got := tc.c.FormatMinor(tc.minor); got != tc.major {
			t.Errorf("%s FormatMinor(%d) = %q, want %q", tc.c.Code, tc.minor, got, tc.major)
		}
		if got, err := tc.c.ParseMajor(tc.major); err != nil || got != tc.minor {
			t.Errorf("%s ParseMajor(%q) = %d, %v, want %d", tc.c.Code, tc.major, got, err, tc.minor)
		}
	}
	parses := []struct {
		c    Currency
		in   string
		want int64
	}{
		{eur, "15", 1500}, {eur, "0.5", 50}, {eur, "19.9", 1990}, {eur, "19.990", 1999}, {eur, "007.10", 710},
		{jpy, "500.00", 500}, {kwd, "1.2", 1200},
	}
	for _, tc := range parses {
		if got, err := tc.c.ParseMajor(tc.in); err != nil || got != tc.want {
			t.Errorf("%s ParseMajor(%q) = %d, %v, want %d", tc.c.Code, tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []struct {
		c  Currency
		in string
	}{
		{eur, ""}, {eur, "-"}, {eur, "1."}, {eur, ".5"}, {eur, "+1"}, {eur, "1e3"}, {eur, " 1"}, {eur, "1,5"},
		{eur, "19.999"}, {jpy, "500.5"}, {eur, "1.2.3"}, {eur, "92233720368547758.08"}, {eur, "--1"}, {eur, "0x10"},
	} {
		if v, err := bad.c.ParseMajor(bad.in); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("%s ParseMajor(%q) = %d, %v; want ErrInvalidAmount", bad.c.Code, bad.in, v, err)
		}
	}
}
