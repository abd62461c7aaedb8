// Package currency is the ISO 4217 table for the host and every plugin:
// alphabetic and numeric codes, minor-unit exponents, and exact conversions
// between minor units and decimal strings. Money is never a float anywhere
// in payhost. It is part of the SDK so a third-party plugin can use it.
package currency

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Currency is one ISO 4217 currency.
type Currency struct {
	Code     string // alphabetic, e.g. "EUR"
	Numeric  string // three digits, e.g. "978"
	Exponent int    // digits of the minor unit: 2 for EUR, 0 for JPY, 3 for KWD
	Name     string
}

// ErrInvalidAmount is wrapped by every [Currency.ParseMajor] error.
var ErrInvalidAmount = errors.New("invalid amount")

// Lookup finds a currency by its alphabetic code, which must be upper case.
func Lookup(code string) (Currency, bool) {
	for _, c := range table {
		if c.Code == code {
			return c, true
		}
	}
	return Currency{}, false
}

// ByNumeric finds a currency by its three-digit numeric code.
func ByNumeric(numeric string) (Currency, bool) {
	for _, c := range table {
		if c.Numeric == numeric {
			return c, true
		}
	}
	return Currency{}, false
}

// FormatMinor renders an amount in minor units as a decimal string in major
// units: EUR 1999 → "19.99", JPY 500 → "500", KWD 1234 → "1.234".
func (c Currency) FormatMinor(amount int64) string {
	neg := amount < 0
	var digits string
	if amount == math.MinInt64 {
		digits = "9223372036854775808"
	} else {
		if neg {
			amount = -amount
		}
		digits = strconv.FormatInt(amount, 10)
	}
	if c.Exponent > 0 {
		if len(digits) <= c.Exponent {
			digits = strings.Repeat("0", c.Exponent-len(digits)+1) + digits
		}
		cut := len(digits) - c.Exponent
		digits = digits[:cut] + "." + digits[cut:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// ParseMajor parses a decimal amount in major units into minor units:
// for EUR "19.99" → 1999, "15" → 1500, "0.5" → 50. More fraction digits than
// the currency has are refused unless they are zeros; signs other than a
// leading '-', exponents, spaces and overflow are refused.
func (c Currency) ParseMajor(s string) (int64, error) {
	in := s
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || !allDigits(frac) || (hasDot && frac == "") {
		return 0, fmt.Errorf("%w: %q is not a decimal number", ErrInvalidAmount, in)
	}
	if len(frac) > c.Exponent {
		if strings.Trim(frac[c.Exponent:], "0") != "" {
			return 0, fmt.Errorf("%w: %q has more than %d decimals for %s", ErrInvalidAmount, in, c.Exponent, c.Code)
		}
		frac = frac[:c.Exponent]
	}
	frac += strings.Repeat("0", c.Exponent-len(frac))
	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return 0, nil
	}
	if neg {
		digits = "-" + digits // parsed signed so that the most negative amount fits
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is out of range", ErrInvalidAmount, in)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
