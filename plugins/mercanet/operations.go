package mercanet

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

// officeCode is what a cashManagement responseCode means for the
// operation. unknown: the operation may have been applied; the host asks
// again later (a later Attempt), and this plugin then checks the transaction
// before sending anything.
type officeCode struct {
	status  payment.OperationStatus // "" = unknown
	message string
}

// officeCodes maps every responseCode the Office documentation lists
// (mercanet-operations.md §6). Any other code is unknown, never success.
var officeCodes = map[string]officeCode{
	"00": {payment.OperationSucceeded, "operation accepted"},
	"60": {payment.OperationPending, "operation pending"},
	"24": {payment.OperationFailed, "operation impossible in the transaction's status"},
	"25": {payment.OperationFailed, "transaction not found"},
	"12": {payment.OperationFailed, "invalid transaction, check the parameters"},
	"30": {payment.OperationFailed, "format error"},
	"34": {payment.OperationFailed, "suspected fraud: a bad seal or a wrong key version"},
	"40": {payment.OperationFailed, "function not supported by the merchant contract"},
	"51": {payment.OperationFailed, "amount too high"},
	"03": {payment.OperationFailed, "invalid merchant contract"},
	"05": {payment.OperationFailed, "refused"},
	"94": {payment.OperationFailed, "duplicated transaction"},
	"02": {payment.OperationFailed, "authorisation to request by phone"},
	"14": {payment.OperationFailed, "invalid card data"},
	"17": {payment.OperationFailed, "cancelled by the buyer"},
	"54": {payment.OperationFailed, "card expired"},
	"63": {payment.OperationFailed, "security rules not met"},
	"75": {payment.OperationFailed, "too many attempts"},
	"97": {payment.OperationFailed, "timeframe exceeded"},
	"90": {"", "service temporarily unavailable"},
	"99": {"", "temporary problem at the Sips Office server"},
}

// Refund gives back part or all of a paid session. Mercanet has two
// operations for it, chosen from the transaction's status as Mercanet's
// own modules do: before remittance (TO_CAPTURE) the amount is cancelled,
// after it (CAPTURED, or TO_CREDIT/CREDITED once refunded) it is refunded.
//
// Office calls carry no idempotency key, so a later attempt (Attempt > 1:
// an earlier one may have been applied without its answer arriving) first
// compares what is left at Mercanet with what the host knows: the earlier
// attempt is found applied (succeeded, nothing sent), provably absent
// (sent again), or neither (left unknown for an operator).
func (p *Provider) Refund(ctx context.Context, req payment.RefundRequest) (payment.OperationResponse, error) {
	c, cur, err := officeRequest(req.Config, req.Session)
	if err != nil {
		return payment.OperationResponse{}, err
	}
	if req.Amount <= 0 {
		return payment.OperationResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the refund amount must be positive")
	}
	retry := req.Attempt > 1 || req.ProviderOperationID != ""
	t, err := p.transaction(ctx, c, req.Session.Reference)
	if err != nil {
		return lookupFailed(err, retry)
	}
	if !t.found {
		return notFound(retry), nil
	}
	if pend, ok := parsePending(req.ProviderOperationID); ok {
		return pend.poll(t, req.Amount), nil
	}
	if retry {
		captured, refunded := settled(req.Operations)
		base := req.Session.Amount
		if captured > 0 {
			base = captured
		}
		before := base - refunded
		switch t.left {
		case before - req.Amount:
			return applied(t, "the earlier attempt was applied"), nil
		case before: // provably absent: send it
		default:
			return payment.OperationResponse{}, payment.Errorf(payment.CodeProviderUnavailable,
				"cannot tell whether the earlier refund was applied: Mercanet has %d left, %d expected without it, %d with it", t.left, before, before-req.Amount)
		}
	}
	switch t.status {
	case "TO_CAPTURE":
		return p.cashManagement(ctx, c, "cancel", req.Session.Reference, req.Amount, cur, t)
	case "CAPTURED", "TO_CREDIT", "CREDITED":
		// TO_CREDIT/CREDITED: refunded before, perhaps in part; the
		// Office answers 24 or 51 when nothing more can be refunded.
		return p.cashManagement(ctx, c, "refund", req.Session.Reference, req.Amount, cur, t)
	}
	return failed("24", "transactionStatus "+t.status+": nothing to refund"), nil
}

// Capture validates an authorization made with captureMode VALIDATION,
// for its full amount or less.
func (p *Provider) Capture(ctx context.Context, req payment.CaptureRequest) (payment.OperationResponse, error) {
	c, cur, err := officeRequest(req.Config, req.Session)
	if err != nil {
		return payment.OperationResponse{}, err
	}
	if req.Amount <= 0 {
		return payment.OperationResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the capture amount must be positive")
	}
	retry := req.Attempt > 1 || req.ProviderOperationID != ""
	t, err := p.transaction(ctx, c, req.Session.Reference)
	if err != nil {
		return lookupFailed(err, retry)
	}
	if !t.found {
		return notFound(retry), nil
	}
	if pend, ok := parsePending(req.ProviderOperationID); ok {
		return pend.poll(t, req.Amount), nil
	}
	if retry && (t.status == "TO_CAPTURE" || t.status == "CAPTURED") {
		return applied(t, "the earlier validation was applied"), nil
	}
	if t.status != "TO_VALIDATE" {
		return failed("24", "transactionStatus "+t.status+": not waiting for validation"), nil
	}
	return p.cashManagement(ctx, c, "validate", req.Session.Reference, req.Amount, cur, t)
}

// Cancel drops what is left of an authorization (or of a payment not yet
// sent to the bank). A cancellation leaves nothing to cancel twice, so a
// retry that finds the transaction CANCELLED is the earlier attempt.
func (p *Provider) Cancel(ctx context.Context, req payment.CancelRequest) (payment.OperationResponse, error) {
	c, cur, err := officeRequest(req.Config, req.Session)
	if err != nil {
		return payment.OperationResponse{}, err
	}
	retry := req.Attempt > 1 || req.ProviderOperationID != ""
	t, err := p.transaction(ctx, c, req.Session.Reference)
	if err != nil {
		return lookupFailed(err, retry)
	}
	if pend, ok := parsePending(req.ProviderOperationID); ok && t.found {
		return pend.poll(t, pend.before), nil // a cancel gives back all that was left
	}
	switch {
	case !t.found && req.Session.Status == payment.StatusPending:
		return payment.OperationResponse{Status: payment.OperationSucceeded, ResponseCode: "25",
			ResponseMessage: "no transaction at Mercanet: the payment page was never confirmed"}, nil
	case !t.found:
		return notFound(retry), nil
	case t.status == "CANCELLED":
		return applied(t, "the transaction is cancelled"), nil
	case (t.status == "TO_VALIDATE" || t.status == "TO_CAPTURE") && t.left > 0:
		return p.cashManagement(ctx, c, "cancel", req.Session.Reference, t.left, cur, t)
	}
	return failed("24", "transactionStatus "+t.status+": nothing to cancel (refund a captured payment instead)"), nil
}

// settled sums what the host counts as done among the session's other
// operations: the captured amount and the refunds. Operations still open
// are not counted: if one of them was applied too, what is left at
// Mercanet matches neither expectation and the retry stays unknown.
func settled(ops []payment.OperationRecord) (captured, refunded int64) {
	for _, o := range ops {
		if o.Status != "succeeded" {
			continue
		}
		switch o.Kind {
		case "capture":
			captured = o.Amount
		case "refund":
			refunded += o.Amount
		}
	}
	return captured, refunded
}

// officeRequest resolves what every operation needs.
func officeRequest(cfg payment.Config, s payment.Session) (officeCredentials, string, error) {
	c, why := officeFor(cfg)
	if why != "" {
		return officeCredentials{}, "", payment.Errorf(payment.CodeUnsupported, "%s", why)
	}
	cur, ok := currency.Lookup(s.Currency)
	if !ok {
		return officeCredentials{}, "", payment.Errorf(payment.CodeInvalidRequest, "unknown currency %q", s.Currency)
	}
	return c, cur.Numeric, nil
}

// cashManagement sends refund, cancel or validate and maps the answer.
// before is the transaction as read just before: a pending answer (60)
// keeps what was left then in its ProviderOperationID, for the retries to
// poll rather than send again.
func (p *Provider) cashManagement(ctx context.Context, c officeCredentials, op, reference string, amount int64, currencyNumeric string, before transaction) (payment.OperationResponse, error) {
	a, err := p.officeCall(ctx, c, cashManagementPath+op, map[string]any{
		"interfaceVersion":     cashManagementInterfaceVersion,
		"transactionReference": reference,
		"operationAmount":      amount,
		"currencyCode":         currencyNumeric,
	})
	if err != nil {
		return payment.OperationResponse{}, err
	}
	f := a.fields
	rc := f["responseCode"]
	code, known := officeCodes[rc]
	if !known || code.status == "" {
		return payment.OperationResponse{}, payment.Errorf(payment.CodeProviderUnavailable, "%s answered responseCode %q (%s): the outcome is unknown", op, rc, officeMessage(rc))
	}
	msg := op + ": " + code.message
	if field := f["errorFieldName"]; field != "" {
		msg += " (field " + field + ")"
	}
	if s := f["newStatus"]; s != "" {
		msg += fmt.Sprintf("; transaction %s, amount %s", s, f["newAmount"])
	}
	resp := payment.OperationResponse{Status: code.status, ResponseCode: rc, ResponseMessage: msg, Payload: f}
	if code.status == payment.OperationPending {
		resp.ProviderOperationID = pending{op: op, before: before.left, at: f["operationDateTime"]}.id()
	}
	return resp, nil
}

// pending is an operation the Office answered 60 (pending): which one,
// what the transaction had left before it, and the answer's
// operationDateTime. The Office has no id for it, so this is its
// ProviderOperationID.
type pending struct {
	op     string // refund, cancel or validate
	before int64
	at     string
}

func (p pending) id() string {
	return "60/" + p.op + "/" + strconv.FormatInt(p.before, 10) + "/" + p.at
}

func parsePending(id string) (pending, bool) {
	parts := strings.SplitN(id, "/", 4)
	if len(parts) != 4 || parts[0] != "60" {
		return pending{}, false
	}
	before, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || before < 0 {
		return pending{}, false
	}
	switch parts[1] {
	case "refund", "cancel", "validate":
		return pending{op: parts[1], before: before, at: parts[3]}, true
	}
	return pending{}, false
}

// lastOperationNames are getTransactionData's lastOperationName for each
// cashManagement operation (mercanet-operations.md §5).
var lastOperationNames = map[string]string{"refund": "CREDIT", "cancel": "CANCEL", "validate": "VALIDATE"}

// poll reads a pending operation's outcome from the transaction, never
// sending it again (a refund is not de-duplicated by the Office): done
// when what is left moved by the operation's amount (validate: the
// transaction left TO_VALIDATE), still pending when nothing moved, unknown
// otherwise (another operation meanwhile: for an operator).
func (p pending) poll(t transaction, amount int64) payment.OperationResponse {
	f := t.answer.fields
	msg := fmt.Sprintf("%s answered 60 (pending) at %s; getTransactionData: %s, %d left, %d before it", p.op, p.at, t.status, t.left, p.before)
	last, lastAt := f["lastOperationName"], f["lastOperationDateTime"]
	if last != "" {
		msg += ", last operation " + last + " at " + lastAt
	}
	var done, waiting bool
	switch p.op {
	case "validate":
		done, waiting = t.status == "TO_CAPTURE" || t.status == "CAPTURED", t.status == "TO_VALIDATE"
	default:
		done, waiting = t.left == p.before-amount, t.left == p.before
	}
	if waiting && last == lastOperationNames[p.op] && after(lastAt, p.at) {
		// Nothing moved, yet an operation of this kind was logged after
		// the pending answer: the amounts cannot be trusted to tell.
		waiting = false
	}
	id := p.id()
	switch {
	case done:
		return payment.OperationResponse{Status: payment.OperationSucceeded, ProviderOperationID: id, ResponseCode: "00",
			ResponseMessage: "the pending operation was applied: " + msg, Payload: f}
	case waiting:
		return payment.OperationResponse{Status: payment.OperationPending, ProviderOperationID: id, ResponseCode: "60",
			ResponseMessage: "still pending: " + msg, Payload: f}
	}
	return payment.OperationResponse{Status: payment.OperationUnknown, ProviderOperationID: id, ResponseCode: "60",
		ResponseMessage: "whether the pending operation was applied cannot be told: " + msg + "; check the Mercanet back office", Payload: f}
}

// after reports whether date-time a is later than b, both ISO 8601, to
// the second (operationDateTime may have no fractions); false when either
// cannot be read.
func after(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339, a)
	tb, errB := time.Parse(time.RFC3339, b)
	return errA == nil && errB == nil && ta.Truncate(time.Second).After(tb.Truncate(time.Second))
}

// lookupFailed answers a getTransactionData that gave no usable view of
// the transaction. On a retry the earlier attempt may have been applied
// whatever the look-up says, so even a refusal (a sealed 34, say) leaves
// the outcome unknown: recording it failed could hide a refund Mercanet
// made, and the host's refundable balance would be wrong.
func lookupFailed(err error, retry bool) (payment.OperationResponse, error) {
	switch payment.ErrorCode(err) {
	case payment.CodeProviderRejected, payment.CodeInvalidRequest:
		if retry {
			return payment.OperationResponse{Status: payment.OperationUnknown, ResponseCode: "lookup_refused",
				ResponseMessage: "reading the transaction before a retry: " + err.Error() + "; whether the earlier attempt was applied is unknown"}, nil
		}
	}
	return payment.OperationResponse{}, err
}

// notFound answers a transaction getTransactionData does not know: nothing
// to act on at a first attempt; on a retry the earlier attempt had found
// it, so its absence now proves nothing and the outcome stays unknown.
func notFound(retry bool) payment.OperationResponse {
	if retry {
		return payment.OperationResponse{Status: payment.OperationUnknown, ResponseCode: "25",
			ResponseMessage: "transaction not found at Mercanet on a retry: whether the earlier attempt was applied is unknown"}
	}
	return failed("25", "transaction not found at Mercanet")
}

func failed(code, message string) payment.OperationResponse {
	return payment.OperationResponse{Status: payment.OperationFailed, ResponseCode: code, ResponseMessage: message}
}

func applied(t transaction, message string) payment.OperationResponse {
	return payment.OperationResponse{Status: payment.OperationSucceeded, ResponseCode: "00",
		ResponseMessage: fmt.Sprintf("%s (getTransactionData: %s, %d left)", message, t.status, t.left), Payload: t.answer.fields}
}
