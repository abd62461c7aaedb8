package systempay

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

func sortStrings(s []string) { sort.Strings(s) }

// HandleNotification verifies the IPN, the authoritative answer, and
// answers 200 (the host sends it only after committing).
func (p *Provider) HandleNotification(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	fields, err := req.Request.Form()
	if err != nil {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unreadable form")
	}
	o, err := verified(req.Session, req.Config, fields)
	if err != nil {
		return payment.CallbackResponse{}, err
	}
	return payment.CallbackResponse{Outcome: o, Response: payment.HTTPResponse{StatusCode: 200,
		Header: map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte("OK")}}, nil
}

// HandleReturn verifies the return's parameters when there are some, but
// never settles from them: Lyra documents return data as display only.
func (p *Provider) HandleReturn(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	fields, err := req.Request.Form()
	if err != nil {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unreadable form")
	}
	if fields.Get("signature") == "" && !hasVads(fields) {
		return payment.CallbackResponse{}, nil
	}
	o, err := verified(req.Session, req.Config, fields)
	if err != nil {
		return payment.CallbackResponse{}, err
	}
	o.Verified = false
	return payment.CallbackResponse{Outcome: o}, nil
}

func hasVads(f url.Values) bool {
	for k := range f {
		if strings.HasPrefix(k, "vads_") {
			return true
		}
	}
	return false
}

// verified checks the signature over every received vads_* field with the
// key of the received vads_ctx_mode, then reads the result.
func verified(s payment.Session, cfg payment.Config, f url.Values) (*payment.Outcome, error) {
	for k, v := range f {
		if len(v) != 1 {
			return nil, payment.Errorf(payment.CodeInvalidSignature, "field %s is repeated", k)
		}
	}
	ctx := f.Get("vads_ctx_mode")
	if !Verify(f, f.Get("signature"), keyFor(cfg, ctx), cfg[keyAlgorithm]) {
		return nil, payment.Errorf(payment.CodeInvalidSignature, "the signature does not match the %s key", strings.ToLower(ctx))
	}
	if ctx != cfg[keyCtxMode] {
		return nil, payment.Errorf(payment.CodeInvalidRequest, "a %s message for a shop configured in %s mode", ctx, cfg[keyCtxMode])
	}
	if f.Get("vads_site_id") != cfg[keySiteID] {
		return nil, payment.Errorf(payment.CodeInvalidRequest, "the message is for shop %q", f.Get("vads_site_id"))
	}
	if f.Get("vads_trans_id") != s.Reference {
		return nil, payment.Errorf(payment.CodeInvalidRequest, "the message is about transaction %q", f.Get("vads_trans_id"))
	}
	status, message := statusFor(f.Get("vads_trans_status"), f.Get("vads_validation_mode"))
	if r := f.Get("vads_result"); r != "" {
		message += ", vads_result " + r
		if txt, ok := results[r]; ok {
			message += " (" + txt + ")"
		}
	}
	o := &payment.Outcome{
		Status: status, Verified: true, Reference: f.Get("vads_trans_id"), ProviderTransactionID: f.Get("vads_trans_uuid"),
		AuthorizationCode: f.Get("vads_auth_number"), ResponseCode: f.Get("vads_result"), ResponseMessage: message,
		ThreeDS: payment.ThreeDS{Status: f.Get("vads_threeds_status"), ECI: f.Get("vads_threeds_eci")},
		Payload: map[string]string{},
	}
	for k := range f {
		if strings.HasPrefix(k, "vads_") {
			o.Payload[k] = f.Get(k)
		}
	}
	if a := f.Get("vads_amount"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 || strconv.FormatInt(n, 10) != a {
			return nil, payment.Errorf(payment.CodeInvalidRequest, "vads_amount %q is not minor units", a)
		}
		o.Amount = n
	}
	if n := f.Get("vads_currency"); n != "" {
		c, ok := currency.ByNumeric(n)
		if !ok {
			return nil, payment.Errorf(payment.CodeInvalidRequest, "unknown vads_currency %q", n)
		}
		o.Currency = c.Code
	}
	return o, nil
}
