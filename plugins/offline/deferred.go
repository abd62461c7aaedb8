package offline

import (
	"fmt"
	"strconv"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

// formatAmount renders minor units in the currency's major units.
func formatAmount(amount int64, code string) string {
	if c, ok := currency.Lookup(code); ok {
		return c.FormatMinor(amount) + " " + code
	}
	return strconv.FormatInt(amount, 10) + " " + code + " (minor units)"
}

func chequeInstructions(s payment.Session, cfg payment.Config) *payment.Instructions {
	amount := formatAmount(s.Amount, s.Currency)
	return &payment.Instructions{
		Text: fmt.Sprintf("Send a cheque of %s made out to %s to %s, with the reference %s written on the back. "+
			"Your order is confirmed when the cheque is received.", amount, cfg["payee"], cfg["address"], s.Reference),
		Details: []payment.Field{
			{Name: "Payee", Value: cfg["payee"]},
			{Name: "Address", Value: cfg["address"]},
			{Name: "Amount", Value: amount},
			{Name: "Reference", Value: s.Reference},
		},
	}
}

func transferInstructions(s payment.Session, cfg payment.Config) (*payment.Instructions, error) {
	iban, err := NormaliseIBAN(cfg["iban"])
	if err != nil {
		return nil, payment.Errorf(payment.CodeInvalidConfig, "iban: %v", err)
	}
	amount := formatAmount(s.Amount, s.Currency)
	return &payment.Instructions{
		Text: fmt.Sprintf("Transfer %s to %s, IBAN %s, BIC %s, with the reference %s as the transfer label. "+
			"Your order is confirmed when the transfer is received.", amount, cfg["account_holder"], FormatIBAN(iban), normaliseBIC(cfg["bic"]), s.Reference),
		Details: []payment.Field{
			{Name: "Account holder", Value: cfg["account_holder"]},
			{Name: "IBAN", Value: FormatIBAN(iban)},
			{Name: "BIC", Value: normaliseBIC(cfg["bic"])},
			{Name: "Amount", Value: amount},
			{Name: "Reference", Value: s.Reference},
		},
	}, nil
}
