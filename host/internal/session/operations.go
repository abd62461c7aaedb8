package session

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	sess, events, err := s.Get(ctx, siteID, id)
	if err != nil {
		return nil, nil, err
	}
	lateAuth := lateAuthorization(sess, events)
	site := s.sites[sess.SiteID]
	avail, known := s.mode(sess.Mode)
	if !known {
		return nil, nil, errorf(CodePluginUnavailable, "no loaded plugin offers mode %s", sess.Mode)
	}
	if err := checkCapability(s.capabilities(sess.SiteID, avail.Mode), req, sess, lateAuth, func(c payment.Capability) string {
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
		if err := checkAmounts(cur, &op, cur.Operations, lateAuth); err != nil {
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
	return s.callOperation(ctx, op, site, false)
}

// latePaid reports a session closed without payment that the provider
// nevertheless paid (a late payment): its money may be refunded, the
// session keeping its status.
func latePaid(s *Session) bool {
	return lateSuccess(s.Status, StatusPaid) && s.CapturedAmount > 0
}

// lateAuthorization reports a session closed without payment for which the
// provider nevertheless authorized the amount (a late authorization, in its
// timeline), nothing captured: the authorization may be cancelled at the
// provider, the session keeping its status.
func lateAuthorization(s *Session, events []Event) bool {
	if !lateSuccess(s.Status, StatusAuthorized) || s.CapturedAmount > 0 {
		return false
	}
	for _, e := range events {
		if e.Reason == ReasonLatePayment && e.To == StatusAuthorized {
			return true
		}
	}
	return false
}

// checkCapability refuses what the mode cannot do for the site; why says
// why a capability is withheld ("" or ": reason").
func checkCapability(c payment.Capabilities, req OperationRequest, sess *Session, lateAuth bool, why func(payment.Capability) string) error {
	switch req.Kind {
	case OperationRefund:
		if !c.Refund {
			return errorf(CodeUnsupported, "mode %s cannot refund%s", sess.Mode, why(payment.CapabilityRefund))
		}
		if !sess.Status.Success() && sess.Status != StatusPartiallyRefunded && !latePaid(sess) {
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
		if sess.Status != StatusPending && sess.Status != StatusAuthorized && !lateAuth {
			return errorf(CodeInvalidState, "session %s is %s: only a pending or authorized session, or a late authorization, can be cancelled", sess.ID, sess.Status)
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
func checkAmounts(cur *Session, op *Operation, ops []Operation, lateAuth bool) error {
	var held int64
	for _, o := range ops {
		if lateAuth && op.Kind == OperationCancel && o.Kind == OperationCancel && o.Status == OperationSucceeded {
			return errorf(CodeInvalidState, "the late authorization of session %s is already cancelled", cur.ID)
		}
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
	if !cur.Status.open() && op.Kind != OperationRefund && !(op.Kind == OperationCancel && lateAuth) {
		return errorf(CodeInvalidState, "session %s is %s", cur.ID, cur.Status)
	}
	return nil
}

// callOperation asks the plugin and applies the answer; retry marks the
// janitor's calls, which are never a first attempt.
func (s *Service) callOperation(ctx context.Context, op Operation, site *Site, retry bool) (*Operation, *Session, error) {
	sess, err := s.store.Session(ctx, op.SessionID)
	if err != nil {
		return nil, nil, err
	}
	prov, err := s.provider(sess.Plugin)
	var resp payment.OperationResponse
	if err == nil {
		var hist payment.OperationHistory
		hist, err = s.operationHistory(ctx, op, retry)
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
		mode, _ := s.mode(sess.Mode)
		resp, err = scrubOperation(resp, err, secretValues(mode.Mode, cfg))
	}
	return s.applyOperation(ctx, op, resp, err)
}

// scrubOperation removes the mode's secret values from what a plugin
// answered before it is stored or shown (the operation's code and message,
// an error's message), as redact does for notification payloads: a plugin
// echoing a credential must not leak it. The error keeps its code.
func scrubOperation(resp payment.OperationResponse, err error, secrets []string) (payment.OperationResponse, error) {
	resp.ResponseCode = scrub(resp.ResponseCode, secrets)
	resp.ResponseMessage = scrub(resp.ResponseMessage, secrets)
	if err != nil {
		var pe *payment.Error
		switch {
		case errors.As(err, &pe):
			if m := scrub(pe.Message, secrets); m != pe.Message {
				err = &payment.Error{Code: pe.Code, Message: m}
			}
		case scrub(err.Error(), secrets) != err.Error():
			err = &payment.Error{Code: payment.ErrorCode(err), Message: scrub(err.Error(), secrets)}
		}
	}
	return resp, err
}

// operationHistory tells the plugin which attempt this is and what the
// host knows of the session's other operations, so a plugin whose provider
// has no idempotency key can find an earlier attempt whose answer was lost
// before sending again.
func (s *Service) operationHistory(ctx context.Context, op Operation, retry bool) (payment.OperationHistory, error) {
	ops, err := s.store.Operations(ctx, op.SessionID)
	if err != nil {
		return payment.OperationHistory{}, err
	}
	h := payment.OperationHistory{Attempt: op.CheckAttempts + 1, ProviderOperationID: op.ProviderOperationID}
	if retry && h.Attempt < 2 {
		// The janitor found the operation open with no answer recorded:
		// a host stopped during the first call, which may have reached
		// the provider.
		h.Attempt = 2
	}
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
		// The provider's own report (a refund webhook) may have settled it
		// meanwhile: counted once.
		already := false
		for _, stored := range cur.Operations {
			if stored.ID == o.ID && stored.Status == OperationSucceeded {
				already = true
			}
		}
		if o.Status == OperationSucceeded && op.Status != OperationSucceeded && !already {
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
			c, err := s.moveAfter(cur, SourceAPI, o.Kind, to, info)
			if err != nil {
				return Change{}, err
			}
			ch = c
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

// moveAfter moves a session after a successful operation (the amounts
// already updated): a partial refund after another stays
// partially_refunded with a new webhook; the refund of a late payment
// keeps the session's status.
func (s *Service) moveAfter(cur *Session, src Source, kind OperationKind, to Status, info eventInfo) (Change, error) {
	// A cancellation of a closed session can only be that of a late
	// authorization (checkAmounts): the session keeps its status.
	lateVoid := kind == OperationCancel && !cur.Status.open()
	late := kind == OperationRefund && latePaid(cur) || lateVoid
	if late {
		to = cur.Status
	}
	if !late && !(cur.Status == to && to == StatusPartiallyRefunded) {
		c, err := s.transition(cur, src, to, info)
		if err != nil {
			return Change{}, err
		}
		if c.Session == nil && cur.Status == to {
			// Already there through a notification or the janitor's query
			// (Ogone's capture reaches 9 before the operation is polled):
			// keep the amounts.
			cur.UpdatedAt = s.clock()
			c.Session = cur
		}
		return c, nil
	}
	ev := s.event(cur, src, ResultApplied, to, info)
	cur.UpdatedAt = ev.Time
	msg, err := s.webhook(cur)
	if err != nil {
		return Change{}, err
	}
	switch {
	case lateVoid:
		msg.EventID = cur.ID + ":late_authorization_cancelled"
	case late:
		msg.EventID = cur.ID + ":late_refund:" + strconv.FormatInt(cur.RefundedAmount, 10)
	}
	return Change{Session: cur, Events: []Event{ev}, Outbox: []OutboxMessage{msg}}, nil
}

// ProviderRefund records a refund the provider reported (o describes it:
// see payment.Outcome): matched with the host's refund operation of the
// same provider id (or, when the report overtook the plugin's answer, an
// open refund of that amount), it settles it once; unknown, it is a
// refund made at the provider (its back office) and becomes a succeeded
// operation. Known and settled already, it changes nothing.
func (s *Service) providerRefund(ctx context.Context, sess *Session, o *payment.Outcome, info eventInfo) (*Session, error) {
	refundID := o.ProviderTransactionID
	reason := ""
	switch {
	case refundID == "" || o.Amount <= 0 || o.Currency == "":
		reason = "incomplete_refund"
	case !strings.EqualFold(o.Currency, sess.Currency):
		reason = "currency_mismatch"
	case o.Reference != "" && o.Reference != sess.Reference:
		reason = "reference_mismatch"
	}
	info.providerTxID = "" // the refund's id, not the payment's
	info.payload = withEntry(info.payload, "refund_id", refundID)
	info.payload["amount"] = fmt.Sprint(o.Amount)
	if reason != "" {
		info.reason = reason
		s.record(ctx, sess.ID, SourceNotification, ResultRejected, Status(o.Status), info)
		return nil, errorf(CodeOutcomeMismatch, "the refund report does not match the session (%s)", reason)
	}
	opID, err := s.newID("op_")
	if err != nil {
		return nil, err
	}
	now := s.clock()
	return s.store.UpdateSession(ctx, sess.ID, func(cur *Session) (Change, error) {
		var match *Operation
		for i, op := range cur.Operations {
			if op.Kind == OperationRefund && op.ProviderOperationID == refundID {
				match = &cur.Operations[i]
			}
		}
		for i, op := range cur.Operations {
			if match == nil && op.Kind == OperationRefund && op.Open() && op.ProviderOperationID == "" && op.Amount == o.Amount {
				match = &cur.Operations[i]
			}
		}
		if match != nil && match.Status == OperationSucceeded {
			info.reason = "refund_known"
			return Change{Events: []Event{s.event(cur, SourceNotification, ResultDuplicate, cur.Status, info)}}, nil
		}
		var op Operation
		if match != nil {
			op, info.reason = *match, "refund_confirmed"
		} else {
			if o.Amount > cur.Refundable() || (!cur.Status.Success() && !latePaid(cur)) {
				info.reason = "refund_exceeds"
				return Change{Events: []Event{s.event(cur, SourceNotification, ResultRejected, cur.Status, info)}}, nil
			}
			op = Operation{ID: opID, SessionID: cur.ID, SiteID: cur.SiteID, Kind: OperationRefund, Amount: o.Amount, CreatedAt: now}
			info.reason = "provider_refund"
		}
		op.Status, op.ProviderOperationID, op.UpdatedAt, op.NextCheckAt = OperationSucceeded, refundID, now, time.Time{}
		op.ResponseCode, op.ResponseMessage = o.ResponseCode, o.ResponseMessage
		info.payload["operation_id"] = op.ID
		cur.RefundedAmount += op.Amount
		to := StatusPartiallyRefunded
		if cur.Refundable() <= 0 {
			to = StatusRefunded
		}
		ch, err := s.moveAfter(cur, SourceNotification, OperationRefund, to, info)
		if err != nil {
			return Change{}, err
		}
		ch.Operations = append(ch.Operations, op)
		return ch, nil
	})
}

// withEntry returns a copy of m with k set to v.
func withEntry(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
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
	if _, _, err := s.callOperation(ctx, op, site, true); err != nil {
		s.log.Warn("janitor: operation still unsettled", "operation_id", op.ID, "error", err)
	}
	return true
}
