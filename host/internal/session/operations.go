package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// OperationRequest asks for a refund, capture or cancellation.
type OperationRequest struct {
	Kind OperationKind
	// Amount in minor units; 0 means "all" (the refundable or authorized
	// amount). Ignored for cancel.
	Amount int64
	// IdempotencyKey makes a retried request return the first operation.
	IdempotencyKey string
}

// Operate runs a refund, capture or cancellation of a site's session: it
// checks the mode's capabilities and the amounts, records the operation
// (reserving the amount), calls the plugin with the operation's id as the
// provider's idempotency key, and applies the answer. A plugin that does
// not answer leaves the operation unknown, for the janitor; it is never
// marked failed without the provider saying so.
func (s *Service) Operate(ctx context.Context, siteID, id string, req OperationRequest) (*Operation, *Session, error) {
	if req.IdempotencyKey != "" {
		existing, err := s.store.OperationByKey(ctx, siteID, req.IdempotencyKey)
		switch {
		case err == nil:
			if existing.SessionID != id || existing.Kind != req.Kind || (req.Amount != 0 && req.Amount != existing.Amount) {
				return nil, nil, errorf(CodeIdempotencyKeyReused, "the Idempotency-Key was used for another operation")
			}
			sess, _, err := s.Get(ctx, siteID, id)
			return existing, sess, err
		case !errors.Is(err, ErrNotFound):
			return nil, nil, wrapErr(CodeInternal, err, "reading the idempotency key")
		}
	}
	sess, _, err := s.Get(ctx, siteID, id)
	if err != nil {
		return nil, nil, err
	}
	site := s.sites[sess.SiteID]
	avail, known := s.mode(sess.Mode)
	if !known {
		return nil, nil, errorf(CodePluginUnavailable, "no loaded plugin offers mode %s", sess.Mode)
	}
	if err := checkCapability(s.capabilities(sess.SiteID, avail.Mode), req, sess, func(c payment.Capability) string {
		return s.unsupportedReason(sess.SiteID, sess.Mode, c)
	}); err != nil {
		return nil, nil, err
	}
	opID, err := s.newID("op_")
	if err != nil {
		return nil, nil, err
	}
	now := s.clock()
	op := Operation{ID: opID, SessionID: sess.ID, SiteID: sess.SiteID, Kind: req.Kind, Amount: req.Amount, Status: OperationRequested,
		IdempotencyKey: req.IdempotencyKey, CreatedAt: now, UpdatedAt: now, NextCheckAt: now.Add(lease)}
	// Reserve in one transaction: the amount is checked against what other
	// open operations already hold.
	_, err = s.store.UpdateSession(ctx, sess.ID, func(cur *Session) (Change, error) {
		if err := checkAmounts(cur, &op, cur.Operations); err != nil {
			return Change{}, err
		}
		ev := s.event(cur, SourceAPI, ResultRecorded, cur.Status, eventInfo{reason: string(req.Kind) + "_requested",
			payload: map[string]string{"operation_id": op.ID, "amount": fmt.Sprint(op.Amount)}})
		return Change{Events: []Event{ev}, Operations: []Operation{op}}, nil
	})
	if errors.Is(err, ErrConflict) && req.IdempotencyKey != "" {
		return s.Operate(ctx, siteID, id, req) // a concurrent request with the same key won
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, nil, e
		}
		return nil, nil, wrapErr(CodeInternal, err, "recording the operation")
	}
	return s.callOperation(ctx, op, site)
}

// checkCapability refuses what the mode cannot do for the site; why says
// why a capability is withheld ("" or ": reason").
func checkCapability(c payment.Capabilities, req OperationRequest, sess *Session, why func(payment.Capability) string) error {
	switch req.Kind {
	case OperationRefund:
		if !c.Refund {
			return errorf(CodeUnsupported, "mode %s cannot refund%s", sess.Mode, why(payment.CapabilityRefund))
		}
		if !sess.Status.Success() && sess.Status != StatusPartiallyRefunded {
			return errorf(CodeInvalidState, "session %s is %s: only a paid session can be refunded", sess.ID, sess.Status)
		}
		if req.Amount != 0 && req.Amount != sess.Refundable() && !c.PartialRefund {
			return errorf(CodeUnsupported, "mode %s refunds only the full amount%s", sess.Mode, why(payment.CapabilityPartialRefund))
		}
		if sess.Status == StatusAuthorized {
			return errorf(CodeInvalidState, "session %s is authorized: cancel it instead", sess.ID)
		}
	case OperationCapture:
		if !c.Capture {
			return errorf(CodeUnsupported, "mode %s cannot capture%s", sess.Mode, why(payment.CapabilityCapture))
		}
		if sess.Status != StatusAuthorized {
			return errorf(CodeInvalidState, "session %s is %s: only an authorized session can be captured", sess.ID, sess.Status)
		}
		if req.Amount != 0 && req.Amount != sess.Amount && !c.PartialCapture {
			return errorf(CodeUnsupported, "mode %s captures only the full amount%s", sess.Mode, why(payment.CapabilityPartialCapture))
		}
	case OperationCancel:
		if !c.Cancel {
			return errorf(CodeUnsupported, "mode %s cannot cancel at the provider%s", sess.Mode, why(payment.CapabilityCancel))
		}
		if sess.Status != StatusPending && sess.Status != StatusAuthorized {
			return errorf(CodeInvalidState, "session %s is %s: only a pending or authorized session can be cancelled", sess.ID, sess.Status)
		}
	default:
		return errorf(CodeInvalidRequest, "unknown operation %q", req.Kind)
	}
	if req.Amount < 0 {
		return errorf(CodeInvalidRequest, "amount must be positive")
	}
	return nil
}

// checkAmounts fills a zero amount and refuses what exceeds what is left,
// counting open operations of the same kind as already taken.
func checkAmounts(cur *Session, op *Operation, ops []Operation) error {
	var held int64
	for _, o := range ops {
		if o.Kind == op.Kind && o.Open() {
			held += o.Amount
		}
		if o.Kind != OperationRefund && o.Open() && op.Kind != OperationRefund {
			return errorf(CodeInvalidState, "a %s of this session is still in progress", o.Kind)
		}
	}
	switch op.Kind {
	case OperationRefund:
		left := cur.Refundable() - held
		if op.Amount == 0 {
			op.Amount = left
		}
		if op.Amount <= 0 || op.Amount > left {
			return errorf(CodeAmountExceeded, "refund of %d exceeds the %d left to refund", op.Amount, max(left, 0))
		}
	case OperationCapture:
		if op.Amount == 0 {
			op.Amount = cur.Amount
		}
		if op.Amount > cur.Amount {
			return errorf(CodeAmountExceeded, "capture of %d exceeds the authorized %d", op.Amount, cur.Amount)
		}
	case OperationCancel:
		op.Amount = 0
	}
	if !cur.Status.open() && op.Kind != OperationRefund {
		return errorf(CodeInvalidState, "session %s is %s", cur.ID, cur.Status)
	}
	return nil
}

// callOperation asks the plugin and applies the answer.
func (s *Service) callOperation(ctx context.Context, op Operation, site *Site) (*Operation, *Session, error) {
	sess, err := s.store.Session(ctx, op.SessionID)
	if err != nil {
		return nil, nil, err
	}
	prov, err := s.provider(sess.Plugin)
	var resp payment.OperationResponse
	if err == nil {
		var hist payment.OperationHistory
		hist, err = s.operationHistory(ctx, op)
		ps, cfg := s.paymentSession(sess, site), site.Modes[sess.Mode].Config
		switch {
		case err != nil:
			err = wrapErr(CodeInternal, err, "reading the session's operations")
		case op.Kind == OperationRefund:
			resp, err = prov.Refund(ctx, payment.RefundRequest{Session: ps, Config: cfg, OperationID: op.ID, Amount: op.Amount, OperationHistory: hist})
		case op.Kind == OperationCapture:
			resp, err = prov.Capture(ctx, payment.CaptureRequest{Session: ps, Config: cfg, OperationID: op.ID, Amount: op.Amount, OperationHistory: hist})
		case op.Kind == OperationCancel:
			resp, err = prov.Cancel(ctx, payment.CancelRequest{Session: ps, Config: cfg, OperationID: op.ID, OperationHistory: hist})
		}
	}
	return s.applyOperation(ctx, op, resp, err)
}

// operationHistory tells the plugin which attempt this is and what the
// host knows of the session's other operations, so a plugin whose provider
// has no idempotency key can find an earlier attempt whose answer was lost
// before sending again.
func (s *Service) operationHistory(ctx context.Context, op Operation) (payment.OperationHistory, error) {
	ops, err := s.store.Operations(ctx, op.SessionID)
	if err != nil {
		return payment.OperationHistory{}, err
	}
	h := payment.OperationHistory{Attempt: op.CheckAttempts + 1, ProviderOperationID: op.ProviderOperationID}
	for _, o := range ops {
		if o.ID != op.ID {
			h.Operations = append(h.Operations, payment.OperationRecord{ID: o.ID, Kind: string(o.Kind), Amount: o.Amount,
				Status: string(o.Status), ProviderOperationID: o.ProviderOperationID})
		}
	}
	return h, nil
}

// applyOperation stores the plugin's answer to an operation and, when it
// succeeded, moves the session.
func (s *Service) applyOperation(ctx context.Context, op Operation, resp payment.OperationResponse, callErr error) (*Operation, *Session, error) {
	now := s.clock()
	var result *Operation
	after, err := s.store.UpdateSession(ctx, op.SessionID, func(cur *Session) (Change, error) {
		o := op
		o.UpdatedAt = now
		var events []Event
		var ch Change
		switch code := payment.ErrorCode(callErr); {
		case callErr == nil && resp.Status == payment.OperationSucceeded:
			o.Status, o.NextCheckAt = OperationSucceeded, time.Time{}
		case callErr == nil && resp.Status == payment.OperationPending:
			o.Status = OperationPending
		case callErr == nil && resp.Status == payment.OperationFailed, code == payment.CodeProviderRejected, code == payment.CodeInvalidRequest, code == payment.CodeUnsupported:
			o.Status, o.NextCheckAt = OperationFailed, time.Time{}
		case callErr == nil:
			o.Status = OperationUnknown // payment.OperationUnknown, or an answer outside the contract
		default:
			// Timeout, crash, unreachable provider: nobody knows whether
			// the provider acted. The janitor asks again with the same id.
			o.Status = OperationUnknown
		}
		if resp.ProviderOperationID != "" { // a failed poll keeps the id an earlier answer gave
			o.ProviderOperationID = resp.ProviderOperationID
		}
		o.ResponseCode, o.ResponseMessage = resp.ResponseCode, resp.ResponseMessage
		if callErr != nil {
			o.ResponseCode, o.ResponseMessage = string(payment.ErrorCode(callErr)), callErr.Error()
		}
		if o.Open() {
			o.CheckAttempts++
			d, more := s.nextDelay(o.CheckAttempts - 1)
			if !more {
				d = 24 * time.Hour
			}
			o.NextCheckAt = now.Add(d)
		}
		info := eventInfo{providerTxID: "", providerCode: o.ResponseCode, providerMessage: o.ResponseMessage,
			payload: map[string]string{"operation_id": o.ID, "operation_status": string(o.Status), "amount": fmt.Sprint(o.Amount)}}
		if o.Status == OperationSucceeded && op.Status != OperationSucceeded {
			var to Status
			switch o.Kind {
			case OperationRefund:
				cur.RefundedAmount += o.Amount
				to = StatusPartiallyRefunded
				if cur.Refundable() <= 0 {
					to = StatusRefunded
				}
			case OperationCapture:
				cur.CapturedAmount = o.Amount
				to = StatusPaid
			case OperationCancel:
				to = StatusCancelled
			}
			info.reason = string(o.Kind)
			if cur.Status == to && to == StatusPartiallyRefunded {
				// Another partial refund: same state, new amount.
				ev := s.event(cur, SourceAPI, ResultApplied, to, info)
				cur.UpdatedAt = ev.Time
				msg, err := s.webhook(cur)
				if err != nil {
					return Change{}, err
				}
				ch = Change{Session: cur, Events: []Event{ev}, Outbox: []OutboxMessage{msg}}
			} else {
				c, err := s.transition(cur, SourceAPI, to, info)
				if err != nil {
					return Change{}, err
				}
				if c.Session == nil && cur.Status == to {
					// Already there through a notification or the
					// janitor's query (Ogone's capture reaches 9 before
					// the operation is polled): keep the amounts.
					cur.UpdatedAt = now
					c.Session = cur
				}
				ch = c
			}
		} else {
			info.reason = string(o.Kind) + "_" + string(o.Status)
			events = append(events, s.event(cur, SourceAPI, ResultRecorded, cur.Status, info))
			ch = Change{Events: events}
		}
		ch.Operations = append(ch.Operations, o)
		result = &o
		return ch, nil
	})
	if err != nil {
		return nil, nil, wrapErr(CodeInternal, err, "storing the operation's result")
	}
	if result.Status == OperationFailed && callErr != nil && payment.ErrorCode(callErr) == payment.CodeUnsupported {
		return result, after, pluginError(after.Plugin, callErr)
	}
	return result, after, nil
}

// retryOperation asks the plugin again for an open operation, with the same
// operation id, on the janitor's schedule.
func (s *Service) retryOperation(ctx context.Context, op Operation, now time.Time) bool {
	var claimed bool
	_, err := s.store.UpdateSession(ctx, op.SessionID, func(cur *Session) (Change, error) {
		for _, o := range cur.Operations {
			if o.ID == op.ID && o.Open() && !o.NextCheckAt.After(now) {
				o.NextCheckAt = now.Add(lease)
				if o.CheckAttempts == 0 {
					// Still "requested": the host stopped during the first
					// call, which the provider may have applied. This call
					// is attempt 2 for the plugin.
					o.CheckAttempts = 1
				}
				op = o
				claimed = true
				return Change{Operations: []Operation{o}}, nil
			}
		}
		return Change{}, nil
	})
	if err != nil || !claimed {
		return false
	}
	site, ok := s.sites[op.SiteID]
	if !ok {
		return false
	}
	if _, _, err := s.callOperation(ctx, op, site); err != nil {
		s.log.Warn("janitor: operation still unsettled", "operation_id", op.ID, "error", err)
	}
	return true
}
