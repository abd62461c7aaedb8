package ogone

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

// received collects the parameters of a redirection or post-sale request
// (query string and form body), with their exact bytes. A name repeated in
// any case is ambiguous and refused.
func received(r payment.HTTPRequest) ([]Param, map[string]string, error) {
	form, err := r.Form()
	if err != nil {
		return nil, nil, payment.Errorf(payment.CodeInvalidRequest, "unreadable parameters")
	}
	var params []Param
	upper := map[string]string{}
	for name, values := range form {
		u := strings.ToUpper(name)
		if _, dup := upper[u]; dup || len(values) != 1 {
			return nil, nil, payment.Errorf(payment.CodeInvalidRequest, "parameter %s is repeated", u)
		}
		upper[u] = values[0]
		params = append(params, Param{name, values[0]})
	}
	return params, upper, nil
}

// IdentifyCallback names the session of a post-sale request on the static
// URL: COMPLUS carries the session id; ORDERID is the reference. Unverified:
// HandleNotification verifies.
func (p *Provider) IdentifyCallback(_ context.Context, req payment.IdentifyCallbackRequest) (payment.IdentifyCallbackResponse, error) {
	_, f, err := received(req.Request)
	if err != nil {
		return payment.IdentifyCallbackResponse{}, err
	}
	if f["COMPLUS"] == "" && f["ORDERID"] == "" {
		return payment.IdentifyCallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "neither COMPLUS nor orderID in the request")
	}
	// Both are ours (a session id, an ORDERID we made), plain ASCII: other
	// bytes are not a request of ours, whatever the page's charset.
	if !utf8.ValidString(f["COMPLUS"]) || !utf8.ValidString(f["ORDERID"]) {
		return payment.IdentifyCallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "COMPLUS or orderID is not a payhost identifier")
	}
	return payment.IdentifyCallbackResponse{SessionID: f["COMPLUS"], Reference: f["ORDERID"]}, nil
}

// HandleNotification verifies the post-sale request and answers 200.
func (p *Provider) HandleNotification(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	o, err := verifyFeedback(req)
	if err != nil {
		return payment.CallbackResponse{}, err
	}
	if o == nil {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidSignature, "no SHASIGN")
	}
	return payment.CallbackResponse{Outcome: o, Response: payment.HTTPResponse{StatusCode: 200,
		Header: map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte("OK")}}, nil
}

// HandleReturn verifies a redirection with parameters; a redirection
// without them carries no outcome and never marks the session paid.
func (p *Provider) HandleReturn(_ context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	o, err := verifyFeedback(req)
	if err != nil {
		return payment.CallbackResponse{}, err
	}
	return payment.CallbackResponse{Outcome: o}, nil
}

// verifyFeedback checks SHA-OUT over the complete SHA-OUT list only, then
// reads the result. It returns nil, nil for a bare redirection: no SHASIGN
// and none of the SHA-OUT parameters. Any SHA-OUT parameter without
// SHASIGN is a signed answer that lost its signature, and is refused.
func verifyFeedback(req payment.CallbackRequest) (*payment.Outcome, error) {
	params, f, err := received(req.Request)
	if err != nil {
		return nil, err
	}
	if f["SHASIGN"] == "" {
		for name := range f {
			if shaOut.has(name) {
				return nil, payment.Errorf(payment.CodeInvalidSignature, "%s without SHASIGN", name)
			}
		}
		return nil, nil
	}
	cfg := req.Config
	charset := cfg[keyCharset]
	if !verify(params, f["SHASIGN"], EncodeCharset(cfg[keySHAOut], charset), cfg[keyAlgorithm]) {
		return nil, payment.Errorf(payment.CodeInvalidSignature, "SHASIGN does not match the SHA-OUT parameters")
	}
	if f["ORDERID"] != req.Session.Reference {
		return nil, payment.Errorf(payment.CodeInvalidRequest, "the feedback is about order %q, not this session's", f["ORDERID"])
	}
	if c := f["COMPLUS"]; c != "" && c != req.Session.ID {
		return nil, payment.Errorf(payment.CodeInvalidRequest, "the feedback names another session")
	}
	status, message := statusFor(f["STATUS"])
	if nc := f["NCERROR"]; nc != "" && nc != "0" {
		message += " (NCERROR " + nc + ")"
	}
	o := &payment.Outcome{
		Status: status, Verified: true, Reference: f["ORDERID"], ProviderTransactionID: f["PAYID"],
		AuthorizationCode: f["ACCEPTANCE"], ResponseCode: f["STATUS"], ResponseMessage: message,
		ThreeDS: payment.ThreeDS{ECI: f["ECI"]}, Payload: map[string]string{},
	}
	for _, prm := range params {
		if !strings.EqualFold(prm.Name, "SHASIGN") {
			o.Payload[strings.ToUpper(prm.Name)] = DecodeCharset(prm.Value, charset)
		}
	}
	if code := strings.ToUpper(f["CURRENCY"]); code != "" {
		cur, ok := currency.Lookup(code)
		if !ok {
			return nil, payment.Errorf(payment.CodeInvalidRequest, "unknown currency %q", code)
		}
		o.Currency = cur.Code
		if a := f["AMOUNT"]; a != "" {
			if o.Amount, err = cur.ParseMajor(a); err != nil {
				return nil, payment.Errorf(payment.CodeInvalidRequest, "amount %q: %v", a, err)
			}
		}
	}
	if sub := f["PAYIDSUB"]; sub != "" && sub != "0" {
		// A maintenance (capture, refund, cancellation) settled offline:
		// the host settles its operation by querying this history item.
		// The feedback is recorded, not applied: a partial refund's 8 is
		// not the whole order refunded, and its amount is the operation's,
		// not the payment's (kept in the payload).
		o.Status, o.Amount, o.Currency = payment.StatusUnknown, 0, ""
		o.ResponseMessage = "history item " + sub + ": " + message + "; settled through the host's operation"
	}
	return o, nil
}
