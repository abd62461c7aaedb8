package paypal

import (
	"context"

	"github.com/payhost/payhost/sdk/payment"
)

// Refund refunds all or part of the session's capture. The operation id
// is the PayPal-Request-Id, so a retried refund is not made twice.
func (p *Provider) Refund(ctx context.Context, req payment.RefundRequest) (payment.OperationResponse, error) {
	c, err := p.client(req.Config)
	if err != nil {
		return payment.OperationResponse{}, err
	}
	captureID := req.Session.ProviderTransactionID
	if captureID == "" || captureID == req.Session.ProviderData["order_id"] {
		return payment.OperationResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the session has no PayPal capture to refund")
	}
	value, ok := formatValue(req.Amount, req.Session.Currency)
	if !ok || req.Amount <= 0 || req.Amount > req.Session.Amount {
		return payment.OperationResponse{}, payment.Errorf(payment.CodeInvalidRequest, "refund amount %d is not valid for this capture", req.Amount)
	}
	body := map[string]any{"amount": money{CurrencyCode: req.Session.Currency, Value: value}, "invoice_id": req.OperationID}
	var out struct {
		ID            string `json:"id"`
		Status        string `json:"status"`
		StatusDetails struct {
			Reason string `json:"reason"`
		} `json:"status_details"`
	}
	if err := c.call(ctx, "POST", "/v2/payments/captures/"+captureID+"/refund", "payhost-refund-"+req.OperationID, body, &out); err != nil {
		return payment.OperationResponse{}, err
	}
	st := payment.OperationFailed
	switch out.Status {
	case "COMPLETED":
		st = payment.OperationSucceeded
	case "PENDING":
		st = payment.OperationPending
	}
	return payment.OperationResponse{Status: st, ProviderOperationID: out.ID, ResponseCode: out.Status, ResponseMessage: out.StatusDetails.Reason}, nil
}

// Query reads the order and reports its capture's state.
func (p *Provider) Query(ctx context.Context, req payment.QueryRequest) (payment.QueryResponse, error) {
	c, err := p.client(req.Config)
	if err != nil {
		return payment.QueryResponse{}, err
	}
	var o order
	if err := c.call(ctx, "GET", "/v2/checkout/orders/"+orderID(req.Session), "", nil, &o); err != nil {
		return payment.QueryResponse{}, err
	}
	out, err := orderOutcome(o, req.Session)
	if err != nil {
		return payment.QueryResponse{}, err
	}
	return payment.QueryResponse{Outcome: *out}, nil
}
