package httpapi

import "github.com/payhost/payhost/shared/currency"

// formatAmount shows minor units in major units with the currency's decimals.
func formatAmount(amount int64, code string) string {
	if c, ok := currency.Lookup(code); ok {
		return c.FormatMinor(amount)
	}
	return "?"
}
