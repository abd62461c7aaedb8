package mercanet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/payhost/payhost/sdk/payment"
	"github.com/payhost/payhost/shared/currency"
)

// officeInterfaceVersion is the diagnostic interface of the Office server.
const officeInterfaceVersion = "DR_WS_2.9"

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
	"TO_CREDIT":    payment.StatusRefunded,
	"CREDITED":     payment.StatusRefunded,
}

// Query asks the Office server (getTransactionData) for the transaction,
// since the automatic response has no documented retry.
func (p *Provider) Query(ctx context.Context, req payment.QueryRequest) (payment.QueryResponse, error) {
	cfg := req.Config
	env, ok := resolveEnvironment(cfg[keyEnvironment])
	if !ok || env.office == "" {
		return payment.QueryResponse{}, payment.Errorf(payment.CodeUnsupported, "the %s environment has no Office server", cfg[keyEnvironment])
	}
	body := map[string]string{
		"interfaceVersion":     officeInterfaceVersion,
		"keyVersion":           cfg[keyKeyVersion],
		"merchantId":           cfg[keyMerchantID],
		"transactionReference": req.Session.Reference,
	}
	body["seal"] = SealJSON(body, cfg[keySecretKey])
	buf, _ := json.Marshal(body)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, env.office+getTransactionDataPath, bytes.NewReader(buf))
	if err != nil {
		return payment.QueryResponse{}, payment.Errorf(payment.CodeInvalidConfig, "office URL: %v", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(hreq)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return payment.QueryResponse{}, payment.Errorf(payment.CodeTimeout, "the Office server did not answer in time")
		}
		return payment.QueryResponse{}, payment.Errorf(payment.CodeProviderUnavailable, "the Office server is unreachable")
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return payment.QueryResponse{}, payment.Errorf(payment.CodeProviderUnavailable, "the Office server answered HTTP %d", resp.StatusCode)
	}
	fields, err := flatJSON(raw)
	if err != nil {
		return payment.QueryResponse{}, payment.Errorf(payment.CodeProviderUnavailable, "the Office answer is not JSON: %v", err)
	}
	// Every Office answer is sealed: one without a seal is as untrusted as
	// one with a wrong seal (the Sips test platform's unsealed answers too).
	if seal := fields["seal"]; seal == "" || !payment.ConstantTimeEqualHex(SealJSON(fields, cfg[keySecretKey]), seal) {
		return payment.QueryResponse{}, payment.Errorf(payment.CodeInvalidSignature, "the Office answer has no valid seal")
	}
	switch rc := fields["responseCode"]; rc {
	case "00":
	case "25":
		// Unknown to Mercanet: the customer never confirmed the payment page.
		return payment.QueryResponse{Outcome: payment.Outcome{Verified: true, ResponseCode: rc, ResponseMessage: "transaction not found"}}, nil
	case "03", "12", "30", "34", "40":
		return payment.QueryResponse{}, payment.Errorf(payment.CodeProviderRejected, "the Office server refused the call (responseCode %s)", rc)
	default:
		return payment.QueryResponse{}, payment.Errorf(payment.CodeProviderUnavailable, "the Office server answered responseCode %s", rc)
	}
	if ref := fields["transactionReference"]; ref != "" && ref != req.Session.Reference {
		return payment.QueryResponse{}, payment.Errorf(payment.CodeInvalidRequest, "the Office answered about another transaction")
	}
	o := payment.Outcome{
		Status: transactionStatuses[fields["transactionStatus"]], Verified: true,
		Reference: req.Session.Reference, ProviderTransactionID: req.Session.Reference,
		AuthorizationCode: fields["authorisationId"], ResponseCode: fields["acquirerResponseCode"],
		ResponseMessage: "transactionStatus " + fields["transactionStatus"],
		ThreeDS:         payment.ThreeDS{Status: fields["holderAuthentStatus"]}, Payload: fields,
	}
	delete(o.Payload, "seal")
	if a := fields["amount"]; a != "" {
		if o.Amount, err = strconv.ParseInt(a, 10, 64); err != nil {
			return payment.QueryResponse{}, payment.Errorf(payment.CodeInvalidRequest, "amount %q is not minor units", a)
		}
	}
	if n := fields["currencyCode"]; n != "" {
		if c, ok := currency.ByNumeric(n); ok {
			o.Currency = c.Code
		}
	}
	return payment.QueryResponse{Outcome: o}, nil
}

// flatJSON reads a JSON object whose values are scalars as strings (numbers
// keep their literal text); nested values are skipped.
func flatJSON(raw []byte) (map[string]string, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
			continue
		}
		var n json.Number
		if err := json.Unmarshal(v, &n); err == nil {
			out[k] = n.String()
			continue
		}
		if string(v) == "true" || string(v) == "false" {
			out[k] = string(v)
		}
	}
	return out, nil
}
