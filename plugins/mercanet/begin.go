package mercanet

import (
	"context"
	"strconv"
	"strings"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

const maxURLLength = 200 // Sips limit on normalReturnUrl and automaticResponseUrl

// Begin builds the Paypage POST form: Data, InterfaceVersion, Seal, and
// SealAlgorithm when the seal is an HMAC.
func (p *Provider) Begin(_ context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	s, cfg := req.Session, req.Config
	if problems := validate(cfg); len(problems) > 0 {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidConfig, "%s: %s", problems[0].Key, problems[0].Message)
	}
	env, _ := resolveEnvironment(cfg[keyEnvironment])
	cur, ok := currency.Lookup(s.Currency)
	if !ok {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown currency %q", s.Currency)
	}
	if s.Amount <= 0 {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "Mercanet needs a positive amount")
	}
	if !validReference(s.Reference) {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "transactionReference %q is not 1-35 letters, digits, _ or -", s.Reference)
	}
	for _, u := range []string{s.URLs.Return, s.URLs.Notify} {
		if u == "" || len(u) > maxURLLength || strings.Contains(u, "|") {
			return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "return and notification URLs must be set, without '|', at most %d bytes", maxURLLength)
		}
	}
	pairs := []Pair{
		{"amount", strconv.FormatInt(s.Amount, 10)},
		{"currencyCode", cur.Numeric},
		{"merchantId", cfg[keyMerchantID]},
		{"normalReturnUrl", s.URLs.Return},
		{"automaticResponseUrl", s.URLs.Notify},
		{"transactionReference", s.Reference},
		{"keyVersion", cfg[keyKeyVersion]},
		{"orderChannel", "INTERNET"},
		{"captureMode", cfg[keyCaptureMode]},
	}
	if d := cfg[keyCaptureDay]; d != "" {
		pairs = append(pairs, Pair{"captureDay", d})
	}
	if o := cleanText(s.OrderRef, 32); o != "" {
		pairs = append(pairs, Pair{"orderId", o})
	}
	if lang := language(s.Customer.Locale); lang != "" {
		pairs = append(pairs, Pair{"customerLanguage", lang})
	}
	if e := cleanText(s.Customer.Email, 50); e != "" && len(s.Customer.Email) <= 50 {
		pairs = append(pairs, Pair{"customerContact.email", e})
	}
	data := EncodeData(pairs)
	algo := cfg[keySealAlgorithm]
	form := payment.NewForm(env.paymentInit,
		payment.Field{Name: "Data", Value: data},
		payment.Field{Name: "InterfaceVersion", Value: cfg[keyInterfaceVersion]},
		payment.Field{Name: "Seal", Value: SealPOST(data, cfg[keySecretKey], algo)},
	)
	if algo == SealHMACSHA256 {
		form.Fields = append(form.Fields, payment.Field{Name: "SealAlgorithm", Value: SealHMACSHA256})
	}
	form.Label = "Pay by card"
	return payment.BeginResponse{Form: form, ProviderTransactionID: s.Reference}, nil
}

func validReference(r string) bool {
	if r == "" || len(r) > 35 {
		return false
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// language keeps the two-letter language of a locale ("fr-FR" → "fr").
func language(locale string) string {
	l := strings.ToLower(locale)
	if len(l) >= 2 && l[0] >= 'a' && l[0] <= 'z' && l[1] >= 'a' && l[1] <= 'z' && (len(l) == 2 || l[2] == '-' || l[2] == '_') {
		return l[:2]
	}
	return ""
}
