package mercanet

import (
	"context"
	"encoding/base64"
	"strconv"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

// HandleReturn verifies the manual response the customer's browser brings
// back. It is sealed with the merchant's key, so a verified one settles like
// the automatic response; a return without Data carries no outcome.
func (p *Provider) HandleReturn(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	form, err := req.Request.Form()
	if err != nil {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unreadable form")
	}
	if form.Get("Data") == "" && form.Get("Seal") == "" {
		return payment.CallbackResponse{}, nil
	}
	o, err := verifyResponse(req.Session, req.Config, form.Get("Data"), form.Get("Seal"), form.Get("Encode"))
	if err != nil {
		return payment.CallbackResponse{}, err
	}
	return payment.CallbackResponse{Outcome: o}, nil
}

// HandleNotification verifies the automatic response. Mercanet documents no
// answer body: an empty 200 acknowledges it.
func (p *Provider) HandleNotification(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	form, err := req.Request.Form()
	if err != nil {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unreadable form")
	}
	o, err := verifyResponse(req.Session, req.Config, form.Get("Data"), form.Get("Seal"), form.Get("Encode"))
	if err != nil {
		return payment.CallbackResponse{}, err
	}
	return payment.CallbackResponse{Outcome: o, Response: payment.HTTPResponse{StatusCode: 200}}, nil
}

// verifyResponse checks the seal over Data exactly as received, then
// parses it. Nothing of an unverified message is interpreted.
func verifyResponse(s payment.Session, cfg payment.Config, data, seal, encode string) (*payment.Outcome, error) {
	if data == "" || seal == "" {
		return nil, payment.Errorf(payment.CodeInvalidSignature, "Data or Seal missing")
	}
	if !VerifyPOST(data, seal, cfg[keySecretKey], cfg[keySealAlgorithm]) {
		return nil, payment.Errorf(payment.CodeInvalidSignature, "the seal does not match Data")
	}
	raw := data
	if encode == "base64" {
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil, payment.Errorf(payment.CodeInvalidRequest, "Data is not base64 although Encode=base64")
		}
		raw = string(b)
	}
	fields, err := ParseData(raw)
	if err != nil {
		return nil, payment.Errorf(payment.CodeInvalidRequest, "malformed Data: %v", err)
	}
	if fields["merchantId"] != cfg[keyMerchantID] {
		return nil, payment.Errorf(payment.CodeInvalidRequest, "the response is for merchant %q", fields["merchantId"])
	}
	if fields["transactionReference"] != s.Reference {
		return nil, payment.Errorf(payment.CodeInvalidRequest, "the response is about transaction %q, not this session's", fields["transactionReference"])
	}
	return outcome(fields, cfg)
}

// outcome turns verified response fields into an outcome.
func outcome(f map[string]string, cfg payment.Config) (*payment.Outcome, error) {
	code := f["responseCode"]
	if code == "" {
		return nil, payment.Errorf(payment.CodeInvalidRequest, "responseCode missing")
	}
	capture := f["captureMode"]
	if capture == "" {
		capture = cfg[keyCaptureMode]
	}
	status, message := statusFor(code, capture)
	o := &payment.Outcome{
		Status: status, Verified: true, Reference: f["transactionReference"],
		ProviderTransactionID: f["transactionReference"], AuthorizationCode: f["authorisationId"],
		ResponseCode: code, ResponseMessage: message,
		ThreeDS: payment.ThreeDS{Status: f["holderAuthentStatus"]},
		Payload: f,
	}
	if a := f["amount"]; a != "" {
		amount, err := strconv.ParseInt(a, 10, 64)
		if err != nil || amount < 0 || strconv.FormatInt(amount, 10) != a {
			return nil, payment.Errorf(payment.CodeInvalidRequest, "amount %q is not minor units", a)
		}
		o.Amount = amount
	}
	if n := f["currencyCode"]; n != "" {
		c, ok := currency.ByNumeric(n)
		if !ok {
			return nil, payment.Errorf(payment.CodeInvalidRequest, "unknown currencyCode %q", n)
		}
		o.Currency = c.Code
	}
	return o, nil
}
