package mercanet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/payhost/payhost/sdk/currency"
	"github.com/payhost/payhost/sdk/payment"
)

// Interface versions of the Office calls. The version decides which
// response fields come back, so it is fixed rather than configured; these
// are the ones the Mercanet documentation recommends.
const (
	diagnosticInterfaceVersion     = "DR_WS_2.55"
	cashManagementInterfaceVersion = "CR_WS_2.55"
)

// transactionStatuses maps the Office transactionStatus of a transaction.
// UNVERIFIED against a live Office server: taken from the Sips data
// dictionary's list of statuses.
var transactionStatuses = map[string]payment.Status{
	"TO_CAPTURE":   payment.StatusPaid, // captured automatically at captureDay
	"CAPTURED":     payment.StatusPaid,
	"TO_VALIDATE":  payment.StatusAuthorized,
	"TO_AUTHORIZE": payment.StatusPending,
	"PENDING":      payment.StatusPending,
	"REFUSED":      payment.StatusRefused,
	"CANCELLED":    payment.StatusCancelled,
	"ABORTED":      payment.StatusCancelled,
	"EXPIRED":      payment.StatusExpired,
	// A refund leaves the transaction in TO_CREDIT/CREDITED (the sheet's
	// newStatus) whether it gave back part or all of it: no state change.
	// Refunds are the host's operations, settled one by one; reading
	// "refunded" here would mark a partly refunded session wholly refunded.
	"TO_CREDIT": "",
	"CREDITED":  "",
}

// creditStatuses are the transactionStatuses after a refund.
var creditStatuses = map[string]bool{"TO_CREDIT": true, "CREDITED": true}

// officeAnswer is a verified Office answer: the decoded message (for the
// seal) and its top-level scalar fields as text.
type officeAnswer struct {
	fields map[string]string
}

// officeCall posts one sealed Office request and returns its answer once
// its seal verifies. Every error means "no trustworthy answer": the
// operation may or may not have been applied.
func (p *Provider) officeCall(ctx context.Context, c officeCredentials, path string, msg map[string]any) (officeAnswer, error) {
	msg["merchantId"] = c.merchant
	msg["keyVersion"] = c.version
	msg["seal"] = SealOffice(msg, c.key)
	body, err := json.Marshal(msg)
	if err != nil {
		return officeAnswer{}, payment.Errorf(payment.CodeInternal, "encoding the Office request: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return officeAnswer{}, payment.Errorf(payment.CodeInvalidConfig, "office URL: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return officeAnswer{}, payment.Errorf(payment.CodeTimeout, "the Office server did not answer in time")
		}
		return officeAnswer{}, payment.Errorf(payment.CodeProviderUnavailable, "the Office server gave no answer")
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return officeAnswer{}, payment.Errorf(payment.CodeProviderUnavailable, "the Office server answered HTTP %d", resp.StatusCode)
	}
	return verifyOfficeAnswer(raw, c.key)
}

// verifyOfficeAnswer checks the answer's seal over every field it has,
// including ones this plugin does not read. An answer without a seal is
// refused like one with a wrong seal.
func verifyOfficeAnswer(raw []byte, key string) (officeAnswer, error) {
	var msg map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&msg); err != nil || msg == nil {
		return officeAnswer{}, payment.Errorf(payment.CodeProviderUnavailable, "the Office answer is not a JSON object")
	}
	if dec.More() {
		return officeAnswer{}, payment.Errorf(payment.CodeProviderUnavailable, "the Office answer has data after its JSON object")
	}
	seal, _ := msg["seal"].(string)
	if seal == "" || !payment.ConstantTimeEqualHex(SealOffice(msg, key), seal) {
		return officeAnswer{}, payment.Errorf(payment.CodeInvalidSignature, "the Office answer has no valid seal")
	}
	fields := make(map[string]string, len(msg))
	for k, v := range msg {
		switch x := v.(type) {
		case string:
			fields[k] = x
		case json.Number:
			fields[k] = x.String()
		case bool:
			fields[k] = strconv.FormatBool(x)
		}
	}
	delete(fields, "seal")
	return officeAnswer{fields: fields}, nil
}

// amount reads an integer amount field; ok is false when absent.
func (a officeAnswer) amount(name string) (int64, bool, error) {
	v, present := a.fields[name]
	if !present || v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, payment.Errorf(payment.CodeProviderUnavailable, "the Office answer's %s %q is not minor units", name, v)
	}
	return n, true, nil
}

// transaction is the Office's view of a payment (getTransactionData).
type transaction struct {
	found  bool
	status string // transactionStatus
	// left is what can still be given back: remainingAmount, or
	// currentAmount when the answer has no remainingAmount.
	left   int64
	origin int64
	answer officeAnswer
}

// transaction asks getTransactionData about the session's payment.
func (p *Provider) transaction(ctx context.Context, c officeCredentials, reference string) (transaction, error) {
	a, err := p.officeCall(ctx, c, getTransactionDataPath, map[string]any{
		"interfaceVersion":     diagnosticInterfaceVersion,
		"transactionReference": reference,
	})
	if err != nil {
		return transaction{}, err
	}
	// getTransDataResponseCode is the call's result; responseCode is the
	// original payment's. An answer with only responseCode (a refused
	// call) is read as the call's result.
	code, ok := a.fields["getTransDataResponseCode"]
	if !ok {
		code = a.fields["responseCode"]
	}
	switch code {
	case "00":
	case "25":
		return transaction{answer: a}, nil
	case "90", "99", "":
		return transaction{}, payment.Errorf(payment.CodeProviderUnavailable, "getTransactionData answered %q: %s", code, officeMessage(code))
	default:
		return transaction{}, payment.Errorf(payment.CodeProviderRejected, "getTransactionData refused the call (%s: %s)", code, officeMessage(code))
	}
	if ref := a.fields["transactionReference"]; ref != "" && ref != reference {
		return transaction{}, payment.Errorf(payment.CodeProviderUnavailable, "the Office answered about another transaction")
	}
	t := transaction{found: true, status: a.fields["transactionStatus"], answer: a}
	var has bool
	if t.left, has, err = a.amount("remainingAmount"); err != nil {
		return transaction{}, err
	}
	if !has {
		if t.left, _, err = a.amount("currentAmount"); err != nil {
			return transaction{}, err
		}
	}
	if t.origin, has, err = a.amount("originAmount"); err != nil {
		return transaction{}, err
	}
	if !has {
		if t.origin, _, err = a.amount("amount"); err != nil {
			return transaction{}, err
		}
	}
	return t, nil
}

// Query asks the Office server (getTransactionData) for the transaction,
// since the automatic response has no documented retry.
func (p *Provider) Query(ctx context.Context, req payment.QueryRequest) (payment.QueryResponse, error) {
	c, why := officeFor(req.Config)
	if why != "" {
		return payment.QueryResponse{}, payment.Errorf(payment.CodeUnsupported, "%s", why)
	}
	t, err := p.transaction(ctx, c, req.Session.Reference)
	if err != nil {
		return payment.QueryResponse{}, err
	}
	f := t.answer.fields
	if !t.found {
		// Unknown to Mercanet: the customer never confirmed the payment page.
		return payment.QueryResponse{Outcome: payment.Outcome{Verified: true, ResponseCode: "25", ResponseMessage: "transaction not found"}}, nil
	}
	st, known := transactionStatuses[t.status]
	msg := "transactionStatus " + t.status
	switch {
	case creditStatuses[t.status]:
		msg += fmt.Sprintf(" (refunded, %d left): recorded, the refunds are settled by the host's operations", t.left)
	case !known:
		msg = "undocumented " + msg
	}
	o := payment.Outcome{
		Status: st, Verified: true, Amount: t.origin,
		Reference: req.Session.Reference, ProviderTransactionID: req.Session.Reference,
		AuthorizationCode: f["authorisationId"], ResponseCode: f["acquirerResponseCode"],
		ResponseMessage: msg,
		ThreeDS:         payment.ThreeDS{Status: f["holderAuthentStatus"]}, Payload: f,
	}
	if n := f["currencyCode"]; n != "" {
		if cur, ok := currency.ByNumeric(n); ok {
			o.Currency = cur.Code
		}
	}
	return payment.QueryResponse{Outcome: o}, nil
}

// officeMessage names a documented Office responseCode.
func officeMessage(code string) string {
	if r, ok := officeCodes[code]; ok {
		return r.message
	}
	return fmt.Sprintf("undocumented responseCode %q", code)
}
