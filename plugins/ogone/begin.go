package ogone

import (
	"context"
	"strconv"
	"strings"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

// amountField is Ogone's AMOUNT: the amount in major units times 100,
// whatever the currency's decimals (JPY 500 → 50000).
func amountField(minor int64, c currency.Currency) (string, bool) {
	switch {
	case c.Exponent == 2:
		return strconv.FormatInt(minor, 10), true
	case c.Exponent < 2:
		m := int64(1)
		for range 2 - c.Exponent {
			m *= 10
		}
		return strconv.FormatInt(minor*m, 10), minor <= (1<<62)/m
	default:
		d := int64(1)
		for range c.Exponent - 2 {
			d *= 10
		}
		return strconv.FormatInt(minor/d, 10), minor%d == 0
	}
}

// Begin builds the hosted-page form signed with SHA-IN.
func (p *Provider) Begin(_ context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	s, cfg := req.Session, req.Config
	if problems := validate(cfg); len(problems) > 0 {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidConfig, "%s: %s", problems[0].Key, problems[0].Message)
	}
	cur, ok := currency.Lookup(s.Currency)
	if !ok {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown currency %q", s.Currency)
	}
	amount, ok := amountField(s.Amount, cur)
	if !ok || s.Amount <= 0 {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "%d %s cannot be expressed as Ogone's AMOUNT (major units × 100)", s.Amount, s.Currency)
	}
	if len(s.Reference) == 0 || len(s.Reference) > 30 || strings.Trim(s.Reference, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "ORDERID %q is not 1-30 letters, digits, _ or -", s.Reference)
	}
	charset := cfg[keyCharset]
	lang := cfg[keyLanguage]
	if l := strings.ReplaceAll(s.Customer.Locale, "-", "_"); languageRe.MatchString(l) {
		lang = l
	}
	params := []Param{
		{"PSPID", cfg[keyPSPID]},
		{"ORDERID", s.Reference},
		{"AMOUNT", amount},
		{"CURRENCY", cur.Code},
		{"LANGUAGE", lang},
		{"CN", s.Customer.Name},
		{"EMAIL", s.Customer.Email},
		{"ACCEPTURL", s.URLs.Return},
		{"DECLINEURL", s.URLs.Return},
		{"EXCEPTIONURL", s.URLs.Return},
		{"CANCELURL", s.URLs.Cancel},
		{"COMPLUS", s.ID},
		{"PARAMPLUS", "session=" + s.ID},
		{"OPERATION", cfg[keyOperation]},
	}
	// Signed and sent in the page's character set; what ISO-8859-1 cannot
	// hold becomes '?' on both sides, so the signature matches what the
	// browser posts.
	encoded := make([]Param, 0, len(params))
	for _, prm := range params {
		if prm.Value != "" {
			encoded = append(encoded, Param{prm.Name, EncodeCharset(prm.Value, charset)})
		}
	}
	sign := Sign(encoded, EncodeCharset(cfg[keySHAIn], charset), cfg[keyAlgorithm], shaIn)
	page, _ := pageURL(cfg)
	form := &payment.Form{Label: "Pay by card", URL: page, Method: "POST"}
	if charset == CharsetLatin1 {
		form.AcceptCharset = CharsetLatin1
	}
	for _, prm := range encoded {
		form.Fields = append(form.Fields, payment.Field{Name: prm.Name, Value: DecodeCharset(prm.Value, charset)})
	}
	form.Fields = append(form.Fields, payment.Field{Name: "SHASIGN", Value: sign})
	return payment.BeginResponse{Form: form}, nil
}
