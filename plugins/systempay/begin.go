package systempay

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

// Begin builds the signed vads_* form. vads_trans_id is the host's daily
// sequence value; vads_trans_date is the session's creation time in UTC,
// the same UTC day the sequence was drawn for.
func (p *Provider) Begin(_ context.Context, req payment.BeginRequest) (payment.BeginResponse, error) {
	s, cfg := req.Session, req.Config
	if problems := validate(cfg); len(problems) > 0 {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidConfig, "%s: %s", problems[0].Key, problems[0].Message)
	}
	if len(s.Reference) != 6 || strings.Trim(s.Reference, "0123456789") != "" || s.Reference >= "900000" {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "vads_trans_id %q is not 6 digits below 900000", s.Reference)
	}
	cur, ok := currency.Lookup(s.Currency)
	if !ok || s.Amount <= 0 {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidRequest, "cannot pay %d %s", s.Amount, s.Currency)
	}
	created := s.CreatedAt
	if created.IsZero() {
		created = p.now()
	}
	f := url.Values{}
	set := func(k, v string) {
		if v != "" {
			f.Set(k, v)
		}
	}
	set("vads_site_id", cfg[keySiteID])
	set("vads_ctx_mode", cfg[keyCtxMode])
	set("vads_trans_id", s.Reference)
	set("vads_trans_date", created.UTC().Format("20060102150405"))
	set("vads_amount", strconv.FormatInt(s.Amount, 10))
	set("vads_currency", cur.Numeric)
	set("vads_action_mode", "INTERACTIVE")
	set("vads_page_action", "PAYMENT")
	set("vads_payment_config", "SINGLE")
	set("vads_version", "V2")
	set("vads_order_id", orderID(s.OrderRef))
	set("vads_cust_email", s.Customer.Email)
	set("vads_cust_name", s.Customer.Name)
	if l := strings.ToLower(s.Customer.Locale); len(l) >= 2 {
		set("vads_language", l[:2])
	}
	set("vads_url_check", s.URLs.Notify)
	set("vads_url_return", s.URLs.Return)
	set("vads_url_cancel", s.URLs.Cancel)
	set("vads_return_mode", "GET")
	set("vads_capture_delay", cfg[keyCaptureDelay])
	set("vads_validation_mode", cfg[keyValidationMode])
	set("vads_payment_cards", cfg[keyPaymentCards])
	sig := Sign(f, keyFor(cfg, cfg[keyCtxMode]), cfg[keyAlgorithm])

	form := &payment.Form{Label: "Pay by card", URL: cfg[keyPaymentURL], Method: "POST"}
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	sortStrings(names)
	for _, k := range names {
		form.Fields = append(form.Fields, payment.Field{Name: k, Value: f.Get(k)})
	}
	form.Fields = append(form.Fields, payment.Field{Name: "signature", Value: sig})
	return payment.BeginResponse{Form: form}, nil
}

// orderID keeps what vads_order_id accepts: letters, digits and '-', 64 at most.
func orderID(ref string) string {
	var b strings.Builder
	for _, r := range ref {
		if b.Len() == 64 {
			break
		}
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}
