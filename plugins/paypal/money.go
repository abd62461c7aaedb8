package paypal

import (
	"github.com/payhost/payhost/sdk/currency"
)

// noDecimals are the currencies PayPal accepts only in whole units although
// ISO 4217 gives them minor units.
var noDecimals = map[string]bool{"HUF": true, "TWD": true}

// currencies PayPal supports for payments.
var currencies = []string{"AUD", "BRL", "CAD", "CNY", "CZK", "DKK", "EUR", "HKD", "HUF", "ILS", "JPY", "MYR", "MXN",
	"TWD", "NZD", "NOK", "PHP", "PLN", "GBP", "SGD", "SEK", "CHF", "THB", "USD"}

// formatValue writes minor units as PayPal's decimal string; ok is false
// when PayPal cannot express the amount (HUF 12.34).
func formatValue(minor int64, code string) (string, bool) {
	c, found := currency.Lookup(code)
	if !found {
		return "", false
	}
	if noDecimals[code] {
		if minor%100 != 0 {
			return "", false
		}
		return currency.Currency{Code: code, Exponent: 0}.FormatMinor(minor / 100), true
	}
	return c.FormatMinor(minor), true
}

// parseValue reads PayPal's decimal string back into minor units, exactly.
func parseValue(value, code string) (int64, error) {
	c, found := currency.Lookup(code)
	if !found {
		return 0, currency.ErrInvalidAmount
	}
	return c.ParseMajor(value)
}
