package systempay

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/payhost/payhost/sdk/payment"
)

// errorCodes are the documented ERROR codes: each is a definite refusal,
// nothing was done. Any other code leaves the outcome unknown (Lyra warns
// that new codes appear), so the janitor asks again.
var errorCodes = map[string]string{
	"INT_905": "invalid shop id or REST password (configuration)",
	"INT_902": "input data validation error",
	"INT_015": "invalid field",
	"PSP_001": "unauthorised action",
	"PSP_002": "invalid attribute",
	"PSP_010": "transaction not found",
	"PSP_011": "incorrect transaction status",
	"PSP_014": "no change",
	"PSP_016": "duplication forbidden",
	"PSP_020": "invalid amount",
	"PSP_021": "unknown currency",
	"PSP_043": "refund not allowed for this MID",
	"PSP_075": "cancellation impossible, refund instead",
	"PSP_076": "refund not yet available, cancel instead",
	"PSP_083": "chargebacks cannot be refunded",
	"PSP_100": "REST web services are not in the merchant's offer",
}

// Transaction detailedStatus classes. Absent from all three: unknown.
var (
	// preCapture: not remitted yet; cancel, lower with Update, validate.
	preCapture = map[string]bool{"AUTHORISED": true, "AUTHORISED_TO_VALIDATE": true, "WAITING_AUTHORISATION": true,
		"WAITING_AUTHORISATION_TO_VALIDATE": true}
	// done: an operation transaction (a CREDIT) that is accepted or made.
	done = map[string]bool{"AUTHORISED": true, "CAPTURED": true, "PARTIALLY_AUTHORISED": true}
	// running: transient; the platform settles it later.
	running = map[string]bool{"WAITING_AUTHORISATION": true, "WAITING_AUTHORISATION_TO_VALIDATE": true, "AUTHORISED_TO_VALIDATE": true,
		"UNDER_VERIFICATION": true, "INITIAL": true, "WAITING_FOR_PAYMENT": true, "PENDING": true, "SUSPENDED": true, "REFUND_TO_RETRY": true}
	// final failures.
	unpaid = map[string]bool{"CANCELLED": true, "REFUSED": true, "ERROR": true, "EXPIRED": true, "CAPTURE_FAILED": true,
		"ABANDONED": true, "NOT_CREATED": true}
	// neither paid nor to be paid by an operation (a verification, a
	// pre-authorisation never captured).
	other = map[string]bool{"ACCEPTED": true, "PRE_AUTHORISED": true}
)

// documented reports whether Lyra documents a detailedStatus: a state an
// operation cannot act on is then a failure, an undocumented one unknown.
func documented(s string) bool {
	return preCapture[s] || done[s] || running[s] || unpaid[s] || other[s] || s == "CAPTURED"
}

// operationError turns a failed call into the operation's answer: a
// documented ERROR code is a failure (nothing was done), an undocumented
// one an unknown outcome; a timeout or no usable answer stay errors, which
// the host also records as unknown.
func operationError(err error) (payment.OperationResponse, error) {
	var e *apiError
	if errors.As(err, &e) {
		if _, ok := errorCodes[e.Code]; ok {
			return payment.OperationResponse{Status: payment.OperationFailed, ResponseCode: e.Code, ResponseMessage: e.Error()}, nil
		}
		return payment.OperationResponse{Status: payment.OperationUnknown, ResponseCode: e.Code, ResponseMessage: "undocumented Lyra error " + e.Error()}, nil
	}
	return payment.OperationResponse{}, err
}

// lookupError answers a failed look-up (Transaction/Get, Order/Get) made
// before acting. On a retry (retry true) an earlier attempt may have been
// applied whatever the look-up says, so even a documented refusal leaves the
// outcome unknown: recording it failed could hide a refund Lyra made.
func lookupError(err error, retry bool) (payment.OperationResponse, error) {
	r, err := operationError(err)
	if err != nil || !retry || r.Status != payment.OperationFailed {
		return r, err
	}
	r.Status = payment.OperationUnknown
	r.ResponseMessage = "reading the payment before a retry: " + r.ResponseMessage + "; whether the earlier attempt was applied is unknown"
	return r, nil
}

// notFound answers a session whose payment Lyra does not list: nothing can
// be done on a first attempt, but a retry's earlier attempt had found it,
// so a payment missing now proves nothing about that attempt.
func notFound(retry bool, what string) (payment.OperationResponse, error) {
	if retry {
		return payment.OperationResponse{Status: payment.OperationUnknown, ResponseCode: "no_transaction",
			ResponseMessage: "no payment at Lyra for this session on a retry: whether the earlier attempt was applied is unknown"}, nil
	}
	return failed("no_transaction", "%s", what)
}

func failed(code, format string, args ...any) (payment.OperationResponse, error) {
	return payment.OperationResponse{Status: payment.OperationFailed, ResponseCode: code, ResponseMessage: fmt.Sprintf(format, args...)}, nil
}

func answered(st payment.OperationStatus, t transaction, message string) (payment.OperationResponse, error) {
	return payment.OperationResponse{Status: st, ProviderOperationID: t.UUID, ResponseCode: t.DetailedStatus, ResponseMessage: message,
		Payload: map[string]string{"uuid": t.UUID, "operation_type": t.OperationType, "status": t.Status, "detailed_status": t.DetailedStatus,
			"amount": fmt.Sprint(t.Amount), "currency": t.Currency}}, nil
}

func unexpected(t transaction, what string) (payment.OperationResponse, error) {
	return payment.OperationResponse{Status: payment.OperationUnknown, ProviderOperationID: t.UUID, ResponseCode: t.DetailedStatus,
		ResponseMessage: what + ": unexpected answer " + t.describe()}, nil
}

func comment(opID string) string { return "payhost " + opID }

// payment finds the session's DEBIT transaction: by the uuid its
// notification gave (vads_trans_uuid), else among the order's DEBITs by
// vads_trans_id (legacyTransId) created around the session.
func (c *restClient) payment(ctx context.Context, s payment.Session) (transaction, bool, error) {
	if s.ProviderTransactionID != "" {
		t, err := c.get(ctx, s.ProviderTransactionID)
		if err != nil {
			return t, false, err
		}
		return t, true, c.checkPayment(t, s)
	}
	order := orderID(s.OrderRef)
	if order == "" {
		return transaction{}, false, nil
	}
	list, err := c.order(ctx, order, "DEBIT")
	if err != nil {
		return transaction{}, false, err
	}
	var found *transaction
	for i, t := range list {
		created, err := time.Parse(time.RFC3339, t.CreationDate)
		// vads_trans_id is unique per shop and UTC day: the same id on
		// another day is another payment.
		if t.TransactionDetails.CardDetails.LegacyTransID != s.Reference || t.OperationType != "DEBIT" ||
			(err == nil && !s.CreatedAt.IsZero() && (created.Before(s.CreatedAt.Add(-10*time.Minute)) || created.After(s.CreatedAt.Add(48*time.Hour)))) {
			continue
		}
		found = &list[i]
	}
	if found == nil {
		return transaction{}, false, nil
	}
	return *found, true, c.checkPayment(*found, s)
}

// checkPayment refuses a transaction that is not the session's payment
// (Lyra's answers are not signed: they are checked against what was asked).
func (c *restClient) checkPayment(t transaction, s payment.Session) error {
	if t.OperationType != "DEBIT" || t.Currency != s.Currency || (t.ShopID != "" && t.ShopID != c.shopID) {
		return payment.Errorf(payment.CodeProviderUnavailable, "Lyra answered about a transaction that is not this session's payment (%s)", t.describe())
	}
	return nil
}

// Refund refunds all or part of a paid session. Lyra refunds a captured
// payment with a new CREDIT transaction; before capture (the remittance
// batch) a refund is a cancellation: the whole amount cancels the payment,
// part of it lowers the payment's amount (Transaction/Update).
//
// Lyra has no idempotency key: on a retry whose earlier answer was lost
// (Attempt > 1), the plugin first compares what Lyra has taken back from
// the payment with what the host knows, and sends again only when the
// earlier attempt is provably absent.
func (p *Provider) Refund(ctx context.Context, req payment.RefundRequest) (payment.OperationResponse, error) {
	c, err := p.rest(req.Config)
	if err != nil {
		return payment.OperationResponse{}, err
	}
	if req.Amount <= 0 {
		return payment.OperationResponse{}, payment.Errorf(payment.CodeInvalidRequest, "refund amount %d", req.Amount)
	}
	retry := req.Attempt > 1 || req.ProviderOperationID != ""
	if id := req.ProviderOperationID; id != "" && id != req.Session.ProviderTransactionID {
		// A refund left pending: how did it end?
		t, err := c.get(ctx, id)
		if err != nil {
			return lookupError(err, retry)
		}
		if t.OperationType == "CREDIT" {
			return creditResult(t, req.Amount)
		}
	}
	orig, found, err := c.payment(ctx, req.Session)
	if err != nil {
		return lookupError(err, retry)
	}
	if !found {
		return notFound(retry, "no payment at Lyra for this session")
	}
	if retry {
		resp, applied, err := c.earlierRefund(ctx, req, orig)
		if err != nil || applied {
			return resp, err
		}
	}
	// At most twice: the remittance batch may capture the payment between
	// reading it and acting on it (PSP_075, PSP_076, PSP_011).
	for try := 0; ; try++ {
		resp, err := c.refund(ctx, req, orig)
		if try > 0 || !stateChanged(resp) {
			return resp, err
		}
		if orig, err = c.get(ctx, orig.UUID); err != nil {
			return lookupError(err, retry)
		}
	}
}

func stateChanged(r payment.OperationResponse) bool {
	return r.Status == payment.OperationFailed && (r.ResponseCode == "PSP_075" || r.ResponseCode == "PSP_076" || r.ResponseCode == "PSP_011")
}

func (c *restClient) refund(ctx context.Context, req payment.RefundRequest, orig transaction) (payment.OperationResponse, error) {
	switch {
	case orig.DetailedStatus == "CAPTURED":
		var t transaction
		err := c.call(ctx, "Transaction/CancelOrRefund", map[string]any{"uuid": orig.UUID, "amount": req.Amount, "currency": orig.Currency,
			"resolutionMode": "REFUND_ONLY", "comment": comment(req.OperationID)}, &t)
		if err != nil {
			return operationError(err)
		}
		if t.OperationType != "CREDIT" || t.TransactionDetails.ParentTransactionUUID != orig.UUID || t.Amount != req.Amount {
			return unexpected(t, "refund")
		}
		return creditResult(t, req.Amount)
	case preCapture[orig.DetailedStatus] && req.Amount > orig.Amount:
		return failed("amount_exceeded", "refund of %d exceeds the payment's %d", req.Amount, orig.Amount)
	case preCapture[orig.DetailedStatus] && req.Amount == orig.Amount:
		var t transaction
		err := c.call(ctx, "Transaction/CancelOrRefund", map[string]any{"uuid": orig.UUID, "resolutionMode": "CANCELLATION_ONLY",
			"comment": comment(req.OperationID)}, &t)
		if err != nil {
			return operationError(err)
		}
		if t.UUID != orig.UUID || t.DetailedStatus != "CANCELLED" {
			return unexpected(t, "cancellation")
		}
		return answered(payment.OperationSucceeded, t, "not captured yet: Lyra refunds it by cancelling the payment")
	case preCapture[orig.DetailedStatus]:
		target := orig.Amount - req.Amount
		var t transaction
		err := c.call(ctx, "Transaction/Update", map[string]any{"uuid": orig.UUID, "comment": comment(req.OperationID),
			"cardUpdate": map[string]any{"amount": target, "currency": orig.Currency}}, &t)
		if err != nil {
			return operationError(err)
		}
		if t.UUID != orig.UUID || t.Amount != target || !preCapture[t.DetailedStatus] {
			return unexpected(t, "partial cancellation")
		}
		return answered(payment.OperationSucceeded, t, fmt.Sprintf("not captured yet: the payment's amount is lowered from %d to %d", orig.Amount, target))
	case !documented(orig.DetailedStatus):
		return unexpected(orig, "refund")
	}
	return failed("invalid_state", "the payment is %s: nothing to refund", orig.DetailedStatus)
}

// creditResult reads a refund's CREDIT transaction.
func creditResult(t transaction, amount int64) (payment.OperationResponse, error) {
	switch {
	case t.Amount != amount:
		return unexpected(t, "refund")
	case done[t.DetailedStatus] && t.Status == "PAID":
		return answered(payment.OperationSucceeded, t, "refund "+t.DetailedStatus)
	case running[t.DetailedStatus]:
		return answered(payment.OperationPending, t, "refund "+t.DetailedStatus)
	case unpaid[t.DetailedStatus]:
		r, _ := answered(payment.OperationFailed, t, t.describe())
		if t.ErrorCode != "" {
			r.ResponseCode = t.ErrorCode
		}
		return r, nil
	}
	return unexpected(t, "refund")
}

// earlierRefund looks for this refund's earlier attempt at Lyra. What Lyra
// has taken back from the payment (amount lowered before capture, or all of
// it when cancelled, plus every CREDIT not refused) is compared with what
// the host knows of its other refunds: no difference means the earlier
// attempt is absent (send again); a difference of this refund's amount (or
// of it plus the other unsettled refunds) means it was made. Anything else
// (a refund made in Lyra's back office...) cannot be told apart: the
// operation stays unknown for an operator, never refunded twice.
func (c *restClient) earlierRefund(ctx context.Context, req payment.RefundRequest, orig transaction) (payment.OperationResponse, bool, error) {
	base := req.Session.Amount
	var known, unsettled int64
	attributed := map[string]bool{}
	for _, o := range req.Operations {
		switch {
		case o.Kind == "capture" && o.Status == "succeeded":
			base = o.Amount
		case o.Kind == "refund" && (o.Status == "succeeded" || o.Status == "pending"):
			known += o.Amount
			attributed[o.ProviderOperationID] = true
		case o.Kind == "refund" && (o.Status == "unknown" || o.Status == "requested"):
			unsettled += o.Amount
		}
	}
	taken := base - orig.Amount
	if orig.DetailedStatus == "CANCELLED" {
		taken = base
	}
	var credits []transaction
	if orig.OrderDetails.OrderID == "" {
		taken += orig.TransactionDetails.CardDetails.CaptureResponse.RefundAmount
	} else {
		list, err := c.order(ctx, orig.OrderDetails.OrderID, "CREDIT")
		if err != nil {
			r, err := operationError(err)
			if err == nil { // a definite refusal of the look-up still says nothing about the refund
				err = payment.Errorf(payment.CodeProviderUnavailable, "looking for an earlier refund: %s", r.ResponseMessage)
			}
			return payment.OperationResponse{}, false, err
		}
		for _, t := range list {
			if t.TransactionDetails.ParentTransactionUUID == orig.UUID && t.OperationType == "CREDIT" && !unpaid[t.DetailedStatus] {
				credits = append(credits, t)
				taken += t.Amount
			}
		}
	}
	diff := taken - known
	switch {
	case diff == 0:
		return payment.OperationResponse{}, false, nil // provably absent: send
	case diff == req.Amount || diff == req.Amount+unsettled:
		sort.SliceStable(credits, func(i, j int) bool { return credits[i].CreationDate < credits[j].CreationDate })
		for _, t := range credits {
			if !attributed[t.UUID] && t.Amount == req.Amount {
				r, err := creditResult(t, req.Amount)
				r.ResponseMessage = "the earlier attempt was made: " + r.ResponseMessage
				return r, true, err
			}
		}
		if orig.DetailedStatus == "CANCELLED" || preCapture[orig.DetailedStatus] {
			r, err := answered(payment.OperationSucceeded, orig, "the earlier attempt was made before capture")
			return r, true, err
		}
	}
	return payment.OperationResponse{Status: payment.OperationUnknown, ResponseCode: "ambiguous", ResponseMessage: fmt.Sprintf(
		"Lyra has taken back %d of this payment, payhost knows of %d (and %d unsettled): whether this refund of %d was made cannot be told; check the back office",
		taken, known, unsettled, req.Amount)}, true, nil
}

// Capture validates an authorized payment (manual validation,
// vads_validation_mode=1). A partial capture first lowers the amount
// (Transaction/Update): Lyra validates only the whole amount. Both calls
// are idempotent in effect, so a retry reads the payment and goes on.
func (p *Provider) Capture(ctx context.Context, req payment.CaptureRequest) (payment.OperationResponse, error) {
	c, err := p.rest(req.Config)
	if err != nil {
		return payment.OperationResponse{}, err
	}
	retry := req.Attempt > 1 || req.ProviderOperationID != ""
	orig, found, err := c.payment(ctx, req.Session)
	if err != nil {
		return lookupError(err, retry)
	}
	if !found {
		return notFound(retry, "no payment at Lyra for this session")
	}
	for try := 0; try < 2; try++ {
		if try > 0 {
			if orig, err = c.get(ctx, orig.UUID); err != nil {
				return lookupError(err, retry)
			}
		}
		switch orig.DetailedStatus {
		case "AUTHORISED", "WAITING_AUTHORISATION", "CAPTURED":
			if orig.Amount != req.Amount {
				return failed("invalid_state", "the payment is already validated for %d", orig.Amount)
			}
			return answered(payment.OperationSucceeded, orig, "validated ("+orig.DetailedStatus+")")
		case "AUTHORISED_TO_VALIDATE", "WAITING_AUTHORISATION_TO_VALIDATE":
		default:
			if documented(orig.DetailedStatus) {
				return failed("invalid_state", "the payment is %s: it cannot be validated", orig.DetailedStatus)
			}
			return unexpected(orig, "capture")
		}
		if req.Amount > orig.Amount {
			return failed("amount_exceeded", "capture of %d exceeds the authorized %d", req.Amount, orig.Amount)
		}
		if req.Amount < orig.Amount {
			var t transaction
			err := c.call(ctx, "Transaction/Update", map[string]any{"uuid": orig.UUID, "comment": comment(req.OperationID),
				"cardUpdate": map[string]any{"amount": req.Amount, "currency": orig.Currency}}, &t)
			if lyraCode(err) == "PSP_011" {
				continue // the state changed: read it again
			}
			if err != nil {
				return operationError(err)
			}
			if t.Amount != req.Amount {
				return unexpected(t, "partial capture")
			}
		}
		var t transaction
		err := c.call(ctx, "Transaction/Validate", map[string]string{"uuid": orig.UUID, "comment": comment(req.OperationID)}, &t)
		if lyraCode(err) == "PSP_011" {
			continue
		}
		if err != nil {
			return operationError(err)
		}
		switch {
		case t.UUID != orig.UUID:
			return unexpected(t, "validation")
		case t.DetailedStatus == "AUTHORISED" || t.DetailedStatus == "WAITING_AUTHORISATION":
			return answered(payment.OperationSucceeded, t, "validated ("+t.DetailedStatus+")")
		case unpaid[t.DetailedStatus]:
			return answered(payment.OperationFailed, t, t.describe())
		}
		return unexpected(t, "validation")
	}
	return payment.OperationResponse{Status: payment.OperationUnknown, ResponseMessage: "the payment's state keeps changing; ask again later"}, nil
}

// Cancel cancels a payment that is not captured yet (an authorization, or
// a validation still to come). Cancelling is idempotent in effect: a
// payment already cancelled is reported so.
func (p *Provider) Cancel(ctx context.Context, req payment.CancelRequest) (payment.OperationResponse, error) {
	c, err := p.rest(req.Config)
	if err != nil {
		return payment.OperationResponse{}, err
	}
	retry := req.Attempt > 1 || req.ProviderOperationID != ""
	orig, found, err := c.payment(ctx, req.Session)
	if err != nil {
		return lookupError(err, retry)
	}
	if !found {
		// The hosted page may still be paid: nothing can be cancelled yet.
		return notFound(retry, "no payment at Lyra yet: nothing to cancel (the session expires unless paid)")
	}
	for try := 0; try < 2; try++ {
		if try > 0 {
			if orig, err = c.get(ctx, orig.UUID); err != nil {
				return lookupError(err, retry)
			}
		}
		switch {
		case orig.DetailedStatus == "CANCELLED":
			return answered(payment.OperationSucceeded, orig, "cancelled")
		case orig.DetailedStatus == "CAPTURED":
			return failed("invalid_state", "the payment is captured: refund it instead")
		case !documented(orig.DetailedStatus):
			return unexpected(orig, "cancel")
		case !preCapture[orig.DetailedStatus]:
			return failed("invalid_state", "the payment is %s: nothing to cancel", orig.DetailedStatus)
		}
		var t transaction
		err := c.call(ctx, "Transaction/CancelOrRefund", map[string]any{"uuid": orig.UUID, "resolutionMode": "CANCELLATION_ONLY",
			"comment": comment(req.OperationID)}, &t)
		if code := lyraCode(err); code == "PSP_075" || code == "PSP_011" {
			continue
		}
		if err != nil {
			return operationError(err)
		}
		if t.UUID != orig.UUID || t.DetailedStatus != "CANCELLED" {
			return unexpected(t, "cancellation")
		}
		return answered(payment.OperationSucceeded, t, "cancelled")
	}
	return payment.OperationResponse{Status: payment.OperationUnknown, ResponseMessage: "the payment's state keeps changing; ask again later"}, nil
}

// Query reads the session's payment at Lyra. The answer is not signed: it
// is Lyra's own over HTTPS to an authenticated request, so it is reported
// verified; the host still checks amount, currency and reference.
func (p *Provider) Query(ctx context.Context, req payment.QueryRequest) (payment.QueryResponse, error) {
	c, err := p.rest(req.Config)
	if err != nil {
		return payment.QueryResponse{}, err
	}
	t, found, err := c.payment(ctx, req.Session)
	if err != nil {
		var e *apiError
		switch {
		case !errors.As(err, &e):
			return payment.QueryResponse{}, err
		case e.Code == "INT_905":
			return payment.QueryResponse{}, payment.Errorf(payment.CodeInvalidConfig, "Lyra refused the shop id and REST password: %s", e.Error())
		case errorCodes[e.Code] != "":
			return payment.QueryResponse{}, payment.Errorf(payment.CodeProviderRejected, "%s", e.Error())
		}
		return payment.QueryResponse{}, payment.Errorf(payment.CodeProviderUnavailable, "undocumented Lyra error %s", e.Error())
	}
	if !found {
		return payment.QueryResponse{Outcome: payment.Outcome{Verified: true, ResponseMessage: "no payment at Lyra yet"}}, nil
	}
	st, meaning := restStatusFor(t.DetailedStatus)
	msg := meaning + " (" + t.describe() + ")"
	return payment.QueryResponse{Outcome: payment.Outcome{
		Status: st, Verified: true, Amount: t.Amount, Currency: t.Currency, Reference: t.TransactionDetails.CardDetails.LegacyTransID,
		ProviderTransactionID: t.UUID, ResponseCode: t.DetailedStatus, ResponseMessage: msg,
		Payload: map[string]string{"uuid": t.UUID, "status": t.Status, "detailed_status": t.DetailedStatus, "order_id": t.OrderDetails.OrderID,
			"legacy_trans_id": t.TransactionDetails.CardDetails.LegacyTransID, "mode": t.OrderDetails.Mode},
	}}, nil
}
