package paypal

import (
	"context"
	"errors"

	"github.com/payhost/payhost/sdk/payment"
)

// orderID is the PayPal order of a session, as Begin recorded it.
func orderID(s payment.Session) string {
	if id := s.ProviderData["order_id"]; id != "" {
		return id
	}
	return s.ProviderTransactionID
}

// HandleReturn captures an approved order (server to server, so the answer
// is authoritative). The cancel URL, or a return for an order the buyer did
// not approve, ends the session as cancelled after PayPal confirms the
// order is still unapproved.
func (p *Provider) HandleReturn(ctx context.Context, req payment.CallbackRequest) (payment.CallbackResponse, error) {
	q, err := req.Request.Query()
	if err != nil {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unreadable query")
	}
	id := orderID(req.Session)
	if tok := q.Get("token"); tok != "" && tok != id {
		return payment.CallbackResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the return is about another PayPal order")
	}
	c, err := p.client(req.Config)
	if err != nil {
		return payment.CallbackResponse{}, err
	}
	if q.Get("cancel") != "" {
		var o order
		if err := c.call(ctx, "GET", "/v2/checkout/orders/"+id, "", nil, &o); err != nil {
			return payment.CallbackResponse{}, err
		}
		switch o.Status {
		case "CREATED", "PAYER_ACTION_REQUIRED", "VOIDED":
			return payment.CallbackResponse{Outcome: &payment.Outcome{Status: payment.StatusCancelled, Verified: true,
				ProviderTransactionID: id, ResponseCode: o.Status, ResponseMessage: "the buyer cancelled on PayPal"}}, nil
		}
		// Approved or completed meanwhile: settle as for a normal return.
	}
	o, err := p.capture(ctx, c, req.Session)
	if err != nil {
		return payment.CallbackResponse{}, err
	}
	return payment.CallbackResponse{Outcome: o}, nil
}

// capture captures the session's order, idempotently: the same request id
// from the return and from a CHECKOUT.ORDER.APPROVED webhook captures once.
// An order already captured is read instead. A not yet approved order
// yields no outcome.
func (p *Provider) capture(ctx context.Context, c *client, s payment.Session) (*payment.Outcome, error) {
	id := orderID(s)
	var o order
	err := c.call(ctx, "POST", "/v2/checkout/orders/"+id+"/capture", "payhost-capture-"+s.ID, map[string]any{}, &o)
	var ae *apiError
	switch {
	case errors.As(err, &ae) && ae.issue("ORDER_ALREADY_CAPTURED"):
		if err := c.call(ctx, "GET", "/v2/checkout/orders/"+id, "", nil, &o); err != nil {
			return nil, err
		}
	case errors.As(err, &ae) && (ae.issue("ORDER_NOT_APPROVED") || ae.issue("PAYER_ACTION_REQUIRED")):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return orderOutcome(o, s)
}

// orderOutcome decides on the capture's status, never on the order status
// alone ("COMPLETED" orders may hold declined captures).
func orderOutcome(o order, s payment.Session) (*payment.Outcome, error) {
	for _, pu := range o.PurchaseUnits {
		for _, cp := range pu.Payments.Captures {
			out, err := captureOutcome(cp, s)
			if err != nil {
				return nil, err
			}
			out.Payload["order_id"], out.Payload["order_status"] = o.ID, o.Status
			return out, nil
		}
	}
	switch o.Status {
	case "VOIDED":
		return &payment.Outcome{Status: payment.StatusCancelled, Verified: true, ProviderTransactionID: o.ID, ResponseCode: o.Status}, nil
	}
	return &payment.Outcome{Verified: true, ProviderTransactionID: o.ID, ResponseCode: o.Status, ResponseMessage: "no capture yet"}, nil
}

// captureStatuses maps a capture's status.
var captureStatuses = map[string]payment.Status{
	"COMPLETED":          payment.StatusPaid,
	"PENDING":            payment.StatusPending,
	"DECLINED":           payment.StatusRefused,
	"FAILED":             payment.StatusRefused,
	"PARTIALLY_REFUNDED": payment.StatusPartiallyRefunded,
	"REFUNDED":           payment.StatusRefunded,
}

func captureOutcome(cp capture, s payment.Session) (*payment.Outcome, error) {
	out := &payment.Outcome{
		Status: captureStatuses[cp.Status], Verified: true, Reference: s.Reference,
		ProviderTransactionID: cp.ID, ResponseCode: cp.Status, ResponseMessage: cp.StatusDetails.Reason,
		Currency: cp.Amount.CurrencyCode,
		Payload:  map[string]string{"capture_id": cp.ID, "capture_status": cp.Status},
	}
	if ref := firstNonEmpty(cp.CustomID, cp.InvoiceID); ref != "" && ref != s.Reference {
		return nil, payment.Errorf(payment.CodeInvalidRequest, "the capture belongs to another reference")
	}
	if cp.Amount.Value != "" {
		amount, err := parseValue(cp.Amount.Value, cp.Amount.CurrencyCode)
		if err != nil {
			return nil, payment.Errorf(payment.CodeProviderUnavailable, "capture amount %q: %v", cp.Amount.Value, err)
		}
		out.Amount = amount
	}
	if r := cp.StatusDetails.Reason; r != "" {
		out.Payload["reason"] = r
	}
	return out, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
