package offline

import (
	"errors"
	"fmt"
	"strings"
)

// ibanLengths is the IBAN length of the SEPA countries and their neighbours
// (ISO 13616 registry).
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
	"ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
	"IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
	"PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22, "MA": 28, "TN": 24, "TR": 26,
}

// NormaliseIBAN removes spaces, upper-cases and checks the country length
// and the ISO 7064 mod-97 checksum.
func NormaliseIBAN(raw string) (string, error) {
	iban := strings.ToUpper(strings.Join(strings.Fields(raw), ""))
	if len(iban) < 15 || len(iban) > 34 {
		return "", errors.New("an IBAN has 15 to 34 characters")
	}
	for i := 0; i < len(iban); i++ {
		c := iban[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') || (i < 2 && !(c >= 'A' && c <= 'Z')) || (i >= 2 && i < 4 && !(c >= '0' && c <= '9')) {
			return "", errors.New("an IBAN is a country code, two check digits and letters or digits")
		}
	}
	if n, ok := ibanLengths[iban[:2]]; ok && len(iban) != n {
		return "", fmt.Errorf("a %s IBAN has %d characters, not %d", iban[:2], n, len(iban))
	}
	// Move the first four characters to the end, letters become 10..35,
	// and the number must be 1 modulo 97; computed piecewise.
	rem := 0
	for _, c := range iban[4:] + iban[:4] {
		if c >= 'A' {
			rem = (rem*100 + int(c-'A'+10)) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	if rem != 1 {
		return "", errors.New("the IBAN checksum is wrong (a typo?)")
	}
	return iban, nil
}

// FormatIBAN groups an IBAN by four characters, as printed on bank details.
func FormatIBAN(iban string) string {
	var b strings.Builder
	for i := 0; i < len(iban); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(iban[i:min(i+4, len(iban))])
	}
	return b.String()
}

func normaliseBIC(raw string) string {
	return strings.ToUpper(strings.Join(strings.Fields(raw), ""))
}

// CheckBIC checks the ISO 9362 shape: 4 letters (bank), 2 letters
// (country), 2 letters or digits (location), optionally 3 more (branch).
func CheckBIC(raw string) error {
	bic := normaliseBIC(raw)
	if len(bic) != 8 && len(bic) != 11 {
		return errors.New("a BIC has 8 or 11 characters")
	}
	for i := 0; i < len(bic); i++ {
		c := bic[i]
		letter, digit := c >= 'A' && c <= 'Z', c >= '0' && c <= '9'
		if (i < 6 && !letter) || (i >= 6 && !letter && !digit) {
			return errors.New("a BIC is 6 letters then 2 or 5 letters or digits")
		}
	}
	return nil
}
