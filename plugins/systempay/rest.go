package systempay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/payhost/payhost/sdk/payment"
)

// restClient calls Lyra's REST API V4 for one configuration: HTTP Basic
// with the shop id and the REST password of the configured context mode
// (the password decides TEST or PRODUCTION; the host is the same).
type restClient struct {
	http     *http.Client
	base     string
	shopID   string
	password string
}

func (p *Provider) rest(cfg payment.Config) (*restClient, error) {
	pw := restPassword(cfg)
	if pw == "" {
		// The host refuses the operation first (ValidateConfig withheld it).
		return nil, payment.Errorf(payment.CodeUnsupported, "no REST API password for the %s context", cfg[keyCtxMode])
	}
	base := cfg[keyAPIURL]
	if base == "" {
		base = DefaultAPIURL
	}
	return &restClient{http: p.http, base: strings.TrimRight(base, "/") + "/", shopID: cfg[keySiteID], password: pw}, nil
}

// apiError is an ERROR envelope (V4/WebService/WebServiceError).
type apiError struct {
	Code            string `json:"errorCode"`
	Message         string `json:"errorMessage"`
	DetailedCode    string `json:"detailedErrorCode"`
	DetailedMessage string `json:"detailedErrorMessage"`
}

// lyraCode is the errorCode of an ERROR envelope in err's chain, or "".
func lyraCode(err error) string {
	var e *apiError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func (e *apiError) Error() string {
	m := e.Code + " " + e.Message
	if e.DetailedCode != "" || e.DetailedMessage != "" {
		m += " (" + strings.TrimSpace(e.DetailedCode+" "+e.DetailedMessage) + ")"
	}
	return m
}

// maxAnswer bounds an answer body; Order/Get lists every transaction of an
// order, which stays far below this.
const maxAnswer = 4 << 20

// call posts one web service (e.g. "Transaction/Get") and decodes the
// answer of a SUCCESS envelope into out. An ERROR envelope is an
// *apiError. Anything else (transport error, timeout, an HTTP status other
// than 200 or 401, a body that is not the envelope) leaves the outcome
// unknown: a payment.Error with CodeProviderUnavailable or CodeTimeout.
func (c *restClient) call(ctx context.Context, service string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return payment.Errorf(payment.CodeInternal, "encoding %s: %v", service, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"V4/"+service, bytes.NewReader(body))
	if err != nil {
		return payment.Errorf(payment.CodeInvalidConfig, "api_url: %v", err)
	}
	req.SetBasicAuth(c.shopID, c.password)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return payment.Errorf(payment.CodeTimeout, "%s: no answer in time", service)
		}
		// The error names the URL, never the credentials.
		return payment.Errorf(payment.CodeProviderUnavailable, "%s: %v", service, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return payment.Errorf(payment.CodeProviderUnavailable, "%s: reading the answer: %v", service, err)
	}
	// Lyra's own clients accept 200 and 401 with a JSON body (401 carries
	// INT_905); any other status is no usable answer.
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
		return payment.Errorf(payment.CodeProviderUnavailable, "%s: HTTP %d", service, resp.StatusCode)
	}
	var env struct {
		Status string          `json:"status"`
		Answer json.RawMessage `json:"answer"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return payment.Errorf(payment.CodeProviderUnavailable, "%s: HTTP %d without a JSON envelope", service, resp.StatusCode)
	}
	switch {
	case env.Status == "ERROR":
		var e apiError
		if err := json.Unmarshal(env.Answer, &e); err != nil || e.Code == "" {
			return payment.Errorf(payment.CodeProviderUnavailable, "%s: an ERROR envelope without an error code", service)
		}
		return &e
	case env.Status == "SUCCESS" && resp.StatusCode == http.StatusOK:
		if err := json.Unmarshal(env.Answer, out); err != nil {
			return payment.Errorf(payment.CodeProviderUnavailable, "%s: unreadable answer: %v", service, err)
		}
		return nil
	}
	return payment.Errorf(payment.CodeProviderUnavailable, "%s: HTTP %d with envelope status %q", service, resp.StatusCode, env.Status)
}

// transaction is a V4/PaymentTransaction, with the fields the plugin uses.
type transaction struct {
	ShopID         string `json:"shopId"`
	UUID           string `json:"uuid"`
	Amount         int64  `json:"amount"`
	Currency       string `json:"currency"`
	Status         string `json:"status"`
	DetailedStatus string `json:"detailedStatus"`
	OperationType  string `json:"operationType"`
	CreationDate   string `json:"creationDate"`
	ErrorCode      string `json:"errorCode"`
	ErrorMessage   string `json:"errorMessage"`
	DetailedError  string `json:"detailedErrorCode"`
	OrderDetails   struct {
		OrderID string `json:"orderId"`
		Mode    string `json:"mode"`
	} `json:"orderDetails"`
	TransactionDetails struct {
		ParentTransactionUUID string `json:"parentTransactionUuid"`
		SequenceNumber        int    `json:"sequenceNumber"`
		CardDetails           struct {
			LegacyTransID    string `json:"legacyTransId"`
			ManualValidation string `json:"manualValidation"`
			CaptureResponse  struct {
				RefundAmount int64 `json:"refundAmount"`
			} `json:"captureResponse"`
		} `json:"cardDetails"`
	} `json:"transactionDetails"`
}

// describe is a short account of a transaction for operators.
func (t transaction) describe() string {
	m := fmt.Sprintf("%s %s %s/%s, %d %s", t.OperationType, t.UUID, t.Status, t.DetailedStatus, t.Amount, t.Currency)
	if t.ErrorCode != "" || t.DetailedError != "" {
		m += ", error " + strings.TrimSpace(t.ErrorCode+" "+t.DetailedError+" "+t.ErrorMessage)
	}
	return m
}

func (c *restClient) get(ctx context.Context, uuid string) (transaction, error) {
	var t transaction
	err := c.call(ctx, "Transaction/Get", map[string]string{"uuid": uuid}, &t)
	if err == nil && t.UUID != uuid {
		return t, payment.Errorf(payment.CodeProviderUnavailable, "Transaction/Get answered transaction %q for %q", t.UUID, uuid)
	}
	return t, err
}

// order lists an order's transactions of one operation type ("DEBIT" or
// "CREDIT"); an unknown order is an empty list.
func (c *restClient) order(ctx context.Context, orderID, operationType string) ([]transaction, error) {
	var out struct {
		Transactions []transaction `json:"transactions"`
	}
	err := c.call(ctx, "Order/Get", map[string]string{"orderId": orderID, "operationType": operationType}, &out)
	if lyraCode(err) == "PSP_010" {
		return nil, nil
	}
	return out.Transactions, err
}
