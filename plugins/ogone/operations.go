package ogone

import (
	"context"
	"strconv"
	"strings"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

// Operation kinds as the host names them.
const (
	kindRefund  = "refund"
	kindCapture = "capture"
	kindCancel  = "cancel"
)

// maintenanceStatuses maps, per operation kind, the STATUS of a maintenance
// answer or of its history item (ogone-operations.md §6). DirectLink
// processes maintenance offline: the first answer is usually pending (91,
// 61, 81) and the final status comes later by post-sale request or query.
// A STATUS missing here is unknown, never a success.
var maintenanceStatuses = map[string]map[string]payment.OperationStatus{
	kindCapture: {
		"9": payment.OperationSucceeded, "95": payment.OperationSucceeded,
		"91": payment.OperationPending, "92": payment.OperationUnknown,
		"93": payment.OperationFailed,
	},
	kindRefund: {
		"8": payment.OperationSucceeded, "85": payment.OperationSucceeded,
		"81": payment.OperationPending, "82": payment.OperationUnknown,
		"83": payment.OperationFailed, "84": payment.OperationFailed, "94": payment.OperationFailed,
		// A refund of a capture not yet settled may delete the payment.
		"7": payment.OperationSucceeded, "74": payment.OperationSucceeded, "75": payment.OperationSucceeded,
		"71": payment.OperationPending, "72": payment.OperationUnknown, "73": payment.OperationFailed,
	},
	kindCancel: {
		"6": payment.OperationSucceeded, "64": payment.OperationSucceeded,
		"61": payment.OperationPending, "62": payment.OperationUnknown, "63": payment.OperationFailed,
		"7": payment.OperationSucceeded, "74": payment.OperationSucceeded, "75": payment.OperationSucceeded,
		"71": payment.OperationPending, "72": payment.OperationUnknown, "73": payment.OperationFailed,
	},
}

// beingProcessed are statuses of any operation still running.
var beingProcessed = map[string]bool{"99": true, "97": true, "98": true}

// operationStatus reads an accepted answer's STATUS for an operation kind.
func operationStatus(kind, status string) payment.OperationStatus {
	if s, ok := maintenanceStatuses[kind][status]; ok {
		return s
	}
	if beingProcessed[status] {
		return payment.OperationPending
	}
	return payment.OperationUnknown
}

// operationResponse turns a maintenance answer (or a history item's query
// answer) into the host's vocabulary.
func operationResponse(kind string, r reply) payment.OperationResponse {
	out := payment.OperationResponse{ResponseCode: r["STATUS"], Payload: payload(r)}
	class, msg := classify(r)
	if r["PAYID"] != "" && r["PAYIDSUB"] != "" && (class == ncAccepted || class == ncUnknown) {
		// The history item this operation created: what a retry queries.
		out.ProviderOperationID = r["PAYID"] + "/" + r["PAYIDSUB"]
	}
	switch class {
	case ncAccepted:
		out.Status = operationStatus(kind, r["STATUS"])
		_, out.ResponseMessage = statusFor(r["STATUS"])
	case ncRejected, ncNotFound:
		out.Status, out.ResponseCode, out.ResponseMessage = payment.OperationFailed, r["NCERROR"], msg
	default:
		out.Status, out.ResponseCode, out.ResponseMessage = payment.OperationUnknown, r["NCERROR"], msg
	}
	return out
}

// payload is an answer's attributes for the event log (DirectLink answers
// carry no credentials).
func payload(r reply) map[string]string {
	out := make(map[string]string, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

// Refund implements payment.Provider: RFD, or RFS when it refunds all that
// is left and no other refund is under way.
func (p *Provider) Refund(ctx context.Context, req payment.RefundRequest) (payment.OperationResponse, error) {
	op := opRefund
	if req.Amount == refundable(req.Session, req.Operations) {
		op = opRefundLast
	}
	return p.maintain(ctx, req.Session, req.Config, req.OperationHistory, kindRefund, op, req.Amount)
}

// Capture implements payment.Provider with SAS: the host captures once, so
// a partial capture is also the last one (the rest of the authorisation is
// released).
func (p *Provider) Capture(ctx context.Context, req payment.CaptureRequest) (payment.OperationResponse, error) {
	return p.maintain(ctx, req.Session, req.Config, req.OperationHistory, kindCapture, opCaptureLast, req.Amount)
}

// Cancel implements payment.Provider with DES (delete the authorisation and
// close the order, so that a repeat is refused rather than applied).
func (p *Provider) Cancel(ctx context.Context, req payment.CancelRequest) (payment.OperationResponse, error) {
	return p.maintain(ctx, req.Session, req.Config, req.OperationHistory, kindCancel, opDeleteClose, 0)
}

// refundable is what is left to refund once the session's other refunds
// are counted, or -1 when another refund is under way.
func refundable(s payment.Session, others []payment.OperationRecord) int64 {
	base := s.Amount
	for _, o := range others {
		if o.Kind == kindCapture && o.Status == string(payment.OperationSucceeded) {
			base = o.Amount
		}
	}
	for _, o := range others {
		if o.Kind != kindRefund {
			continue
		}
		switch payment.OperationStatus(o.Status) {
		case payment.OperationSucceeded:
			base -= o.Amount
		case payment.OperationFailed:
		default:
			return -1
		}
	}
	return base
}

// maintain sends one maintenance request. On a retry it first looks at the
// order's history at Ogone: a partial refund sent twice is refunded twice,
// so the request is sent again only when the first attempt is provably
// absent.
func (p *Provider) maintain(ctx context.Context, s payment.Session, cfg payment.Config, h payment.OperationHistory, kind, operation string, amount int64) (payment.OperationResponse, error) {
	d, err := directLinkFrom(cfg)
	if err != nil {
		return payment.OperationResponse{}, err
	}
	var amountValue string
	if amount > 0 {
		cur, ok := currency.Lookup(s.Currency)
		if !ok {
			return payment.OperationResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown currency %q", s.Currency)
		}
		if amountValue, ok = amountField(amount, cur); !ok {
			return payment.OperationResponse{}, payment.Errorf(payment.CodeInvalidRequest, "%d %s cannot be expressed as Ogone's AMOUNT", amount, s.Currency)
		}
	}
	if h.Attempt > 1 || h.ProviderOperationID != "" {
		// The host asked before: the request may have been applied.
		resp, found, err := p.findAttempt(ctx, d, s, h, kind, amount)
		if err != nil || found {
			return resp, err
		}
	}
	fields := []Param{{"OPERATION", operation}, {"AMOUNT", amountValue}}
	fields = append(fields, orderKey(s))
	r, err := p.call(ctx, d, pageMaintenance, fields)
	if err != nil {
		return payment.OperationResponse{}, err
	}
	return operationResponse(kind, r), nil
}

// orderKey names the original order: PAYID from the payment's feedback,
// ORDERID (the session's reference) before any feedback arrived.
func orderKey(s payment.Session) Param {
	if s.ProviderTransactionID != "" {
		return Param{"PAYID", s.ProviderTransactionID}
	}
	return Param{"ORDERID", s.Reference}
}

// findAttempt looks for an earlier attempt of the operation at Ogone. When
// the host already has its history item (a pending answer), that item is
// queried. Otherwise the order's history items no other operation of the
// session claims are read in order (PAYIDSUB 1, 2, … until Ogone knows no
// more): one of the operation's kind and amount is the lost first attempt.
// found is false only when every item was read and none matches.
func (p *Provider) findAttempt(ctx context.Context, d directLink, s payment.Session, h payment.OperationHistory, kind string, amount int64) (payment.OperationResponse, bool, error) {
	claimed := map[string]bool{}
	own := h.ProviderOperationID
	for _, o := range h.Operations {
		if o.ProviderOperationID != "" {
			claimed[o.ProviderOperationID] = true
		}
	}
	if payID, sub, ok := strings.Cut(own, "/"); ok {
		r, err := p.call(ctx, d, pageQuery, []Param{{"PAYID", payID}, {"PAYIDSUB", sub}})
		if err != nil {
			return payment.OperationResponse{}, true, err
		}
		if class, msg := classify(r); class != ncAccepted {
			// A refused query (bad password, an item not found although
			// Ogone answered for it before...) says nothing about the
			// operation, which Ogone did accept: still unknown, never failed.
			return payment.OperationResponse{Status: payment.OperationUnknown, ProviderOperationID: own, ResponseCode: r["NCERROR"],
				ResponseMessage: "querying history item " + own + ": " + msg, Payload: payload(r)}, true, nil
		}
		resp := operationResponse(kind, r)
		resp.ProviderOperationID = own
		return resp, true, nil
	}
	if s.ProviderTransactionID == "" {
		// Without PAYID the history cannot be read; ask again later
		// rather than risk a second operation.
		return payment.OperationResponse{Status: payment.OperationUnknown,
			ResponseMessage: "the order's PAYID is unknown: its history cannot be checked before a retry"}, true, nil
	}
	for sub := 1; sub <= maxHistoryItem; sub++ {
		id := s.ProviderTransactionID + "/" + strconv.Itoa(sub)
		if claimed[id] {
			continue
		}
		r, err := p.call(ctx, d, pageQuery, []Param{{"PAYID", s.ProviderTransactionID}, {"PAYIDSUB", strconv.Itoa(sub)}})
		if err != nil {
			return payment.OperationResponse{}, true, err
		}
		switch class, msg := classify(r); class {
		case ncNotFound:
			return payment.OperationResponse{}, false, nil // the end of the history: never sent
		case ncAccepted:
			if matches(r, kind, amount, s.Currency) {
				resp := operationResponse(kind, r)
				resp.ProviderOperationID = id
				return resp, true, nil
			}
		default:
			return payment.OperationResponse{Status: payment.OperationUnknown, ResponseCode: r["NCERROR"],
				ResponseMessage: "reading history item " + id + ": " + msg}, true, nil
		}
	}
	return payment.OperationResponse{Status: payment.OperationUnknown, ResponseMessage: "history longer than expected: check in the back office"}, true, nil
}

// matches reports whether a history item is an operation of this kind and
// amount (cancellations have no amount of their own).
func matches(r reply, kind string, amount int64, code string) bool {
	st := r["STATUS"]
	if _, ofKind := maintenanceStatuses[kind][st]; !ofKind && !beingProcessed[st] {
		return false
	}
	if kind == kindCancel || amount == 0 {
		return true
	}
	cur, ok := currency.Lookup(code)
	if !ok {
		return false
	}
	got, err := cur.ParseMajor(r["AMOUNT"])
	return err == nil && got == amount
}

// refundStatus reports an order STATUS about its refunds (8x, and 94, a
// refund declined by the acquirer), or 88 (the query failed): none says
// what the session is, the refunds being settled one by one.
func refundStatus(st string) bool {
	return strings.HasPrefix(st, "8") || st == "94"
}

// Query implements payment.Provider: querydirect.asp for the payment's
// current status. The answer is not signed; it comes over TLS from the
// account's own API user, which is what makes it trusted (Verified).
// Refund statuses (8x, 94) are recorded but not applied: refunds are the host's
// operations, settled one by one.
func (p *Provider) Query(ctx context.Context, req payment.QueryRequest) (payment.QueryResponse, error) {
	d, err := directLinkFrom(req.Config)
	if err != nil {
		return payment.QueryResponse{}, err
	}
	r, err := p.call(ctx, d, pageQuery, []Param{orderKey(req.Session)})
	if err != nil {
		return payment.QueryResponse{}, err
	}
	o := payment.Outcome{Verified: true, ResponseCode: r["STATUS"], Payload: payload(r)}
	switch class, msg := classify(r); class {
	case ncNotFound:
		o.ResponseCode, o.ResponseMessage = r["NCERROR"], "Ogone knows no such order yet: "+msg
		return payment.QueryResponse{Outcome: o}, nil
	case ncRejected:
		return payment.QueryResponse{}, payment.Errorf(payment.CodeProviderRejected, "querydirect refused (NCERROR %s): %s", r["NCERROR"], msg)
	case ncUnknown:
		o.ResponseCode, o.ResponseMessage = r["NCERROR"], msg
		return payment.QueryResponse{Outcome: o}, nil
	}
	if r["ORDERID"] != "" && r["ORDERID"] != req.Session.Reference {
		return payment.QueryResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the answer is about order %q, not this session's", r["ORDERID"])
	}
	o.Status, o.ResponseMessage = statusFor(r["STATUS"])
	if refundStatus(r["STATUS"]) {
		o.Status = payment.StatusUnknown
	}
	o.Reference, o.ProviderTransactionID, o.AuthorizationCode = r["ORDERID"], r["PAYID"], r["ACCEPTANCE"]
	o.ThreeDS.ECI = r["ECI"]
	if code := strings.ToUpper(r["CURRENCY"]); code != "" {
		cur, ok := currency.Lookup(code)
		if !ok {
			return payment.QueryResponse{}, payment.Errorf(payment.CodeInvalidRequest, "unknown currency %q", code)
		}
		o.Currency = cur.Code
		if a := r["AMOUNT"]; a != "" {
			if o.Amount, err = cur.ParseMajor(a); err != nil {
				return payment.QueryResponse{}, payment.Errorf(payment.CodeInvalidRequest, "amount %q: %v", a, err)
			}
		}
	}
	return payment.QueryResponse{Outcome: o}, nil
}
