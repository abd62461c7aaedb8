package offline

import (
	"context"
	"encoding/hex"
	"net/url"
	"strconv"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// testChoices are the outcomes the test pay page offers.
var testChoices = []struct {
	label  string
	status payment.Status
}{
	{"Pay", payment.StatusPaid},
	{"Authorize only", payment.StatusAuthorized},
	{"Refuse", payment.StatusRefused},
	{"Cancel", payment.StatusCancelled},
}

func (p *Provider) id(prefix string) (string, error) {
	b := make([]byte, 8)
	if _, err := p.random.Read(b); err != nil {
		return "", payment.Errorf(payment.CodeInternal, "randomness unavailable")
	}
	return prefix + hex.EncodeToString(b), nil
}

func (p *Provider) beginTest(s payment.Session, cfg payment.Config) (payment.BeginResponse, error) {
	key := cfg["signing_key"]
	if key == "" {
		return payment.BeginResponse{}, payment.Errorf(payment.CodeInvalidConfig, "signing_key is not configured")
	}
	txn, err := p.id("TEST-")
	if err != nil {
		return payment.BeginResponse{}, err
	}
	t := strconv.FormatInt(p.now().Unix(), 10)
	resp := payment.BeginResponse{ProviderTransactionID: txn}
	for _, c := range testChoices {
		fields := url.Values{
			"session": {s.ID}, "reference": {s.Reference}, "amount": {strconv.FormatInt(s.Amount, 10)},
			"currency": {s.Currency}, "status": {string(c.status)}, "txn": {txn}, "t": {t},
		}
		fields.Set("sig", sign(key, fields))
		form := payment.Form{Label: c.label, URL: s.URLs.Return, Method: "POST"}
		for _, name := range append(signedFields, "sig") {
			form.Fields = append(form.Fields, payment.Field{Name: name, Value: fields.Get(name)})
		}
		resp.Choices = append(resp.Choices, form)
	}
	return resp, nil
}

// handleTest verifies a test-mode message. A return without any field (the
// customer came back by other means) carries no outcome; a notification
// always needs a signed message.
func (p *Provider) handleTest(req payment.CallbackRequest, notification bool) (payment.CallbackResponse, error) {
	fields, err := req.Request.Form()
	if err != nil {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unreadable form")
	}
	if !notification && len(fields) == 0 {
		return payment.CallbackResponse{}, nil
	}
	if err := verify(req.Config["signing_key"], fields); err != nil {
		return payment.CallbackResponse{}, err
	}
	if fields.Get("session") != req.Session.ID {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the message is about another session")
	}
	amount, err := strconv.ParseInt(fields.Get("amount"), 10, 64)
	if err != nil || amount < 0 || strconv.FormatInt(amount, 10) != fields.Get("amount") {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "amount is not an integer of minor units")
	}
	status := payment.Status(fields.Get("status"))
	switch status {
	case payment.StatusPaid, payment.StatusAuthorized, payment.StatusRefused, payment.StatusCancelled:
	default:
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown status %q", status)
	}
	out := payment.CallbackResponse{Outcome: &payment.Outcome{
		Status: status, Verified: true, Amount: amount, Currency: fields.Get("currency"), Reference: fields.Get("reference"),
		ProviderTransactionID: fields.Get("txn"), ResponseCode: string(status),
		Payload: map[string]string{"status": string(status), "txn": fields.Get("txn"), "t": fields.Get("t")},
	}}
	if notification {
		out.Response = payment.HTTPResponse{StatusCode: 200, Header: map[string][]string{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte("OK")}
	}
	return out, nil
}

// SlowAmount makes a test-mode operation take SlowDelay, so tests can
// interrupt the plugin in the middle of a call.
const (
	SlowAmount = 4242
	SlowDelay  = 3 * time.Second
)

// Refund implements payment.Provider for the test mode: it succeeds at once.
func (p *Provider) Refund(ctx context.Context, req payment.RefundRequest) (payment.OperationResponse, error) {
	return p.testOperation(ctx, req.Session, req.Amount, "REFUND-")
}

// Capture implements payment.Provider for the test mode.
func (p *Provider) Capture(ctx context.Context, req payment.CaptureRequest) (payment.OperationResponse, error) {
	return p.testOperation(ctx, req.Session, req.Amount, "CAPTURE-")
}

// Cancel implements payment.Provider for the test mode.
func (p *Provider) Cancel(ctx context.Context, req payment.CancelRequest) (payment.OperationResponse, error) {
	return p.testOperation(ctx, req.Session, 0, "CANCEL-")
}

func (p *Provider) testOperation(ctx context.Context, s payment.Session, amount int64, prefix string) (payment.OperationResponse, error) {
	if amount == SlowAmount {
		select {
		case <-time.After(SlowDelay):
		case <-ctx.Done():
			return payment.OperationResponse{}, payment.Errorf(payment.CodeTimeout, "interrupted")
		}
	}
	if s.Mode != ModeTest {
		return payment.OperationResponse{}, payment.Errorf(payment.CodeUnsupported, "mode %s has no provider operations", s.Mode)
	}
	if amount < 0 || amount > s.Amount {
		return payment.OperationResponse{}, payment.Errorf(payment.CodeInvalidRequest, "amount %d is outside 0..%d", amount, s.Amount)
	}
	id, err := p.id(prefix)
	if err != nil {
		return payment.OperationResponse{}, err
	}
	return payment.OperationResponse{Status: payment.OperationSucceeded, ProviderOperationID: id}, nil
}
