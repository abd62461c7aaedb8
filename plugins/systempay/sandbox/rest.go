package sandbox

// The Lyra REST API V4 (api-payment/V4/...), written from the provider's
// documentation independently of the plugin: HTTP Basic with the shop id
// and the REST password of a context (the password decides TEST or
// PRODUCTION), the response envelope, and the transaction state the
// services act on: Transaction/Get, Order/Get, Transaction/CancelOrRefund
// (a cancellation before capture, a new CREDIT transaction after),
// Transaction/Cancel, Transaction/Update (lower the amount before capture),
// Transaction/Validate (manual validation) and Charge/SDKTest.
//
// Back-office endpoints (not Lyra's) drive it from tests and the demo:
// REST passwords per shop, the remittance batch that captures authorised
// transactions, settling a refund left under verification, and faults
// queued per service (a lost answer after the operation was applied, an
// unavailable platform, an error code).

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/payhost/payhost/sdk/currency"
)

// RESTKeys are a shop's REST API passwords (back office: Settings > Shop >
// REST API keys). AuthFailureStatus is the HTTP status of an INT_905
// answer: 401 (default) or 200, as both are seen.
type RESTKeys struct {
	SiteID             string `json:"site_id"`
	PasswordTest       string `json:"password_test"`
	PasswordProduction string `json:"password_production"`
	AuthFailureStatus  int    `json:"auth_failure_status"`
}

// DemoREST are the demo shop's REST passwords (`make run`).
var DemoREST = RESTKeys{SiteID: Demo.SiteID, PasswordTest: "testpassword_PAYHOSTDEMO0123456789abcdefABCDEF",
	PasswordProduction: "prodpassword_PAYHOSTDEMO0123456789abcdefABCDEF", AuthFailureStatus: http.StatusUnauthorized}

// Faults a test can queue for the next calls of a service.
const (
	// FaultDrop applies the operation, then closes the connection without
	// an answer.
	FaultDrop = "drop"
	// FaultUnavailable answers 502 without applying anything.
	FaultUnavailable = "unavailable"
	// FaultRunning leaves the refund it creates UNDER_VERIFICATION.
	FaultRunning = "running"
	// FaultError answers an ERROR envelope with Fault.Code, applying nothing.
	FaultError = "error"
	// FaultSlow applies the operation and answers only after DelayMS.
	FaultSlow = "slow"
)

// Fault is one queued misbehaviour for Count calls of Service.
type Fault struct {
	Service string `json:"service"` // e.g. "Transaction/CancelOrRefund"
	Fault   string `json:"fault"`
	Code    string `json:"code"`
	Count   int    `json:"count"`
	DelayMS int    `json:"delay_ms"` // FaultSlow
}

// transaction is the platform's record of one DEBIT or CREDIT.
type transaction struct {
	uuid, shopID, mode, orderID, legacyTransID string
	amount                                     int64
	currency                                   string
	status, detailed, operationType            string
	created, captureDate                       time.Time
	manualValidation                           string
	refundAmount                               int64
	parent                                     string
	sequence                                   int
	errorCode, errorMessage                    string
}

type restAPI struct {
	mu     sync.Mutex
	keys   map[string]RESTKeys
	txs    map[string]*transaction
	faults []Fault
	now    func() time.Time
}

func newREST() *restAPI {
	return &restAPI{keys: map[string]RESTKeys{DemoREST.SiteID: DemoREST}, txs: map[string]*transaction{}, now: time.Now}
}

func (a *restAPI) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api-payment/V4/{ns}/{svc}", a.serve)
	mux.HandleFunc("POST /backoffice/rest/keys", a.addKeys)
	mux.HandleFunc("POST /backoffice/rest/faults", a.addFault)
	mux.HandleFunc("POST /backoffice/rest/capture-batch", a.captureBatch)
	mux.HandleFunc("POST /backoffice/rest/transactions/{uuid}/settle", a.settle)
	mux.HandleFunc("GET /backoffice/rest/transactions", a.list)
}

// recordPayment keeps the transaction a hosted payment created, from the
// form request and the result fields; an abandoned payment creates none.
func (a *restAPI) recordPayment(req, res map[string][]string) {
	get := func(m map[string][]string, k string) string {
		if v := m[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	st := get(res, "vads_trans_status")
	status := map[string]string{"AUTHORISED": "PAID", "AUTHORISED_TO_VALIDATE": "RUNNING", "REFUSED": "UNPAID"}[st]
	if status == "" {
		return
	}
	cur, _ := currency.ByNumeric(get(req, "vads_currency"))
	var amount int64
	fmt.Sscan(get(req, "vads_amount"), &amount)
	var delay int
	fmt.Sscan(get(req, "vads_capture_delay"), &delay)
	now := a.now().UTC()
	t := &transaction{uuid: get(res, "vads_trans_uuid"), shopID: get(req, "vads_site_id"), mode: get(req, "vads_ctx_mode"),
		orderID: get(req, "vads_order_id"), legacyTransID: get(req, "vads_trans_id"), amount: amount, currency: cur.Code,
		status: status, detailed: st, operationType: "DEBIT", created: now, captureDate: now.AddDate(0, 0, delay),
		manualValidation: "NO", sequence: 1}
	if get(req, "vads_validation_mode") == "1" {
		t.manualValidation = "YES"
	}
	if st == "REFUSED" {
		t.errorCode, t.errorMessage = "ACQ_001", "payment refused"
	}
	a.mu.Lock()
	a.txs[t.uuid] = t
	a.mu.Unlock()
}

// wsError is an ERROR answer; status is the HTTP status to send it with.
type wsError struct {
	status        int
	code, message string
}

var preCapture = map[string]bool{"AUTHORISED": true, "AUTHORISED_TO_VALIDATE": true, "WAITING_AUTHORISATION": true,
	"WAITING_AUTHORISATION_TO_VALIDATE": true}

func (a *restAPI) serve(w http.ResponseWriter, r *http.Request) {
	service := r.PathValue("ns") + "/" + r.PathValue("svc")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	a.mu.Lock()
	fault := a.takeFault(service)
	if fault.Fault == FaultUnavailable {
		a.mu.Unlock()
		http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
		return
	}
	mode, werr := a.authenticate(r)
	var answer any
	if werr == nil && fault.Fault == FaultError {
		werr = &wsError{status: http.StatusOK, code: fault.Code, message: "simulated error " + fault.Code}
	}
	if werr == nil {
		answer, werr = a.call(service, mode, body, fault.Fault == FaultRunning)
	}
	a.mu.Unlock()
	if fault.Fault == FaultSlow {
		select {
		case <-time.After(time.Duration(fault.DelayMS) * time.Millisecond):
		case <-r.Context().Done():
		}
	}
	if fault.Fault == FaultDrop {
		// Applied, but the answer never arrives.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	env := map[string]any{"webService": service, "version": "V4", "applicationVersion": "4.1.2", "status": "SUCCESS",
		"answer": answer, "ticket": nil, "serverDate": a.now().UTC().Format(time.RFC3339), "applicationProvider": "LYRA",
		"metadata": nil, "_type": "V4/WebService/Response"}
	status := http.StatusOK
	if werr != nil {
		env["status"] = "ERROR"
		env["answer"] = map[string]any{"errorCode": werr.code, "errorMessage": werr.message, "detailedErrorCode": nil,
			"detailedErrorMessage": nil, "ticket": "null", "_type": "V4/WebService/WebServiceError"}
		status = werr.status
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(env)
}

func (a *restAPI) takeFault(service string) Fault {
	for i, f := range a.faults {
		if f.Service == service {
			if f.Count--; f.Count <= 0 {
				a.faults = append(a.faults[:i], a.faults[i+1:]...)
			} else {
				a.faults[i] = f
			}
			return f
		}
	}
	return Fault{}
}

// authenticate checks HTTP Basic: the shop id and one of its REST
// passwords, in constant time; the password decides the context mode.
func (a *restAPI) authenticate(r *http.Request) (string, *wsError) {
	h := r.Header.Get("Authorization")
	bad := &wsError{status: http.StatusUnauthorized, code: "INT_905", message: "invalid login or private key"}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
	if !strings.HasPrefix(h, "Basic ") || err != nil {
		return "", bad
	}
	user, pass, _ := strings.Cut(string(raw), ":")
	keys, ok := a.keys[user]
	if !ok {
		return "", bad
	}
	if keys.AuthFailureStatus != 0 {
		bad.status = keys.AuthFailureStatus
	}
	eq := func(x, y string) bool { return y != "" && subtle.ConstantTimeCompare([]byte(x), []byte(y)) == 1 }
	switch {
	case eq(pass, keys.PasswordTest):
		return user + "/TEST", nil
	case eq(pass, keys.PasswordProduction):
		return user + "/PRODUCTION", nil
	}
	return "", bad
}

type restRequest struct {
	Value          string `json:"value"`
	UUID           string `json:"uuid"`
	OrderID        string `json:"orderId"`
	OperationType  string `json:"operationType"`
	Amount         *int64 `json:"amount"`
	Currency       string `json:"currency"`
	ResolutionMode string `json:"resolutionMode"`
	Comment        string `json:"comment"`
	CardUpdate     *struct {
		Amount              *int64 `json:"amount"`
		Currency            string `json:"currency"`
		ExpectedCaptureDate string `json:"expectedCaptureDate"`
		ManualValidation    string `json:"manualValidation"`
	} `json:"cardUpdate"`
}

func wsErrorf(code, format string, args ...any) *wsError {
	return &wsError{status: http.StatusOK, code: code, message: fmt.Sprintf(format, args...)}
}

// call runs a service for an authenticated shop and context ("site/MODE").
func (a *restAPI) call(service, mode string, body []byte, running bool) (any, *wsError) {
	var req restRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, wsErrorf("INT_902", "web-service input data validation error: can't decode JSON data")
	}
	if len(req.Comment) > 255 {
		return nil, wsErrorf("INT_902", "comment: 255 characters at most")
	}
	site, ctx, _ := strings.Cut(mode, "/")
	if service == "Charge/SDKTest" {
		return map[string]any{"value": req.Value, "_type": "V4/Type/String"}, nil
	}
	if service == "Order/Get" {
		if req.OrderID == "" {
			return nil, wsErrorf("INT_902", "orderId is required")
		}
		var list []*transaction
		for _, t := range a.txs {
			if t.shopID == site && t.mode == ctx && t.orderID == req.OrderID && (req.OperationType == "" || t.operationType == req.OperationType) {
				list = append(list, t)
			}
		}
		if len(list) == 0 {
			return nil, wsErrorf("PSP_010", "no transaction found for order %s", req.OrderID)
		}
		sort.Slice(list, func(i, j int) bool {
			if !list[i].created.Equal(list[j].created) {
				return list[i].created.Before(list[j].created)
			}
			return list[i].sequence < list[j].sequence
		})
		out := make([]any, len(list))
		for i, t := range list {
			out[i] = a.view(t)
		}
		return map[string]any{"orderId": req.OrderID, "transactions": out, "_type": "V4/OrderTransactions"}, nil
	}
	if len(req.UUID) != 32 {
		return nil, wsErrorf("INT_902", "uuid: 32 hexadecimal characters expected")
	}
	t, ok := a.txs[req.UUID]
	if !ok || t.shopID != site {
		return nil, wsErrorf("PSP_010", "transaction not found")
	}
	if t.mode != ctx {
		// A TEST transaction seen with the PRODUCTION password, or the
		// other way round.
		return nil, &wsError{status: a.keys[site].authStatus(), code: "INT_905", message: "invalid login or private key for this transaction's mode"}
	}
	switch service {
	case "Transaction/Get":
		return a.view(t), nil
	case "Transaction/Validate":
		switch t.detailed {
		case "AUTHORISED_TO_VALIDATE":
			t.status, t.detailed = "PAID", "AUTHORISED"
		case "WAITING_AUTHORISATION_TO_VALIDATE":
			t.status, t.detailed = "RUNNING", "WAITING_AUTHORISATION"
		default:
			return nil, wsErrorf("PSP_011", "Incorrect transaction status")
		}
		return a.view(t), nil
	case "Transaction/Cancel":
		if !preCapture[t.detailed] || t.operationType != "DEBIT" {
			return nil, wsErrorf("PSP_011", "Incorrect transaction status")
		}
		t.status, t.detailed = "UNPAID", "CANCELLED"
		return a.view(t), nil
	case "Transaction/Update":
		return a.update(t, req)
	case "Transaction/CancelOrRefund":
		return a.cancelOrRefund(t, req, running)
	}
	return nil, wsErrorf("INT_902", "unknown web service %s", service)
}

func (k RESTKeys) authStatus() int {
	if k.AuthFailureStatus != 0 {
		return k.AuthFailureStatus
	}
	return http.StatusUnauthorized
}

func (a *restAPI) update(t *transaction, req restRequest) (any, *wsError) {
	if !preCapture[t.detailed] || t.operationType != "DEBIT" {
		return nil, wsErrorf("PSP_011", "Incorrect transaction status")
	}
	u := req.CardUpdate
	if u == nil {
		return nil, wsErrorf("PSP_014", "No change")
	}
	changed := false
	if u.Amount != nil {
		if u.Currency != "" && u.Currency != t.currency {
			return nil, wsErrorf("PSP_021", "unknown currency %s for this transaction", u.Currency)
		}
		switch {
		case *u.Amount <= 0 || *u.Amount > t.amount:
			return nil, wsErrorf("PSP_020", "invalid amount: the amount can only be lowered")
		case *u.Amount < t.amount:
			t.amount, changed = *u.Amount, true
		}
	}
	switch u.ManualValidation {
	case "":
	case "NO":
		if t.manualValidation == "YES" {
			t.manualValidation, changed = "NO", true
			if t.detailed == "AUTHORISED_TO_VALIDATE" {
				t.status, t.detailed = "PAID", "AUTHORISED"
			}
		}
	default:
		return nil, wsErrorf("PSP_002", "manualValidation can only go from YES to NO")
	}
	if u.ExpectedCaptureDate != "" {
		d, err := time.Parse(time.RFC3339, u.ExpectedCaptureDate)
		if err != nil {
			return nil, wsErrorf("INT_902", "expectedCaptureDate: ISO 8601 expected")
		}
		t.captureDate, changed = d, true
	}
	if !changed {
		return nil, wsErrorf("PSP_014", "No change")
	}
	return a.view(t), nil
}

func (a *restAPI) cancelOrRefund(t *transaction, req restRequest, running bool) (any, *wsError) {
	if t.operationType != "DEBIT" {
		return nil, wsErrorf("PSP_011", "Incorrect transaction status")
	}
	if req.Amount != nil && req.Currency != "" && req.Currency != t.currency {
		return nil, wsErrorf("PSP_021", "unknown currency %s for this transaction", req.Currency)
	}
	mode := req.ResolutionMode
	if mode == "" {
		mode = "AUTO"
	}
	switch mode {
	case "AUTO", "CANCELLATION_ONLY", "REFUND_ONLY":
	default:
		return nil, wsErrorf("INT_902", "resolutionMode: AUTO, CANCELLATION_ONLY or REFUND_ONLY")
	}
	switch {
	case preCapture[t.detailed]:
		if mode == "REFUND_ONLY" {
			return nil, wsErrorf("PSP_076", "The refund operation is not yet available, please try to cancel")
		}
		if req.Amount != nil && *req.Amount != t.amount {
			// A cancellation is total; lowering the amount is Transaction/Update.
			return nil, wsErrorf("PSP_020", "invalid amount: a cancellation is for the whole amount")
		}
		t.status, t.detailed = "UNPAID", "CANCELLED"
		return a.view(t), nil
	case t.detailed == "CAPTURED":
		if mode == "CANCELLATION_ONLY" {
			return nil, wsErrorf("PSP_075", "Cancellation impossible, please try a refund")
		}
		left := t.amount - t.refundAmount
		amount := left
		if req.Amount != nil {
			amount = *req.Amount
		}
		if amount <= 0 || amount > left {
			return nil, wsErrorf("PSP_020", "invalid amount: %d left to refund", left)
		}
		now := a.now().UTC()
		c := &transaction{uuid: randomHex(16), shopID: t.shopID, mode: t.mode, orderID: t.orderID, amount: amount, currency: t.currency,
			status: "PAID", detailed: "AUTHORISED", operationType: "CREDIT", created: now, captureDate: now, manualValidation: "NO",
			parent: t.uuid, sequence: 1}
		if running {
			c.status, c.detailed = "RUNNING", "UNDER_VERIFICATION"
		}
		t.refundAmount += amount
		a.txs[c.uuid] = c
		return a.view(c), nil
	}
	return nil, wsErrorf("PSP_011", "Incorrect transaction status")
}

// view is the V4/PaymentTransaction JSON of a transaction.
func (a *restAPI) view(t *transaction) map[string]any {
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var refund, refundCurrency any
	if t.refundAmount > 0 {
		refund, refundCurrency = t.refundAmount, t.currency
	}
	var legacy any
	if t.legacyTransID != "" {
		legacy = t.legacyTransID
	}
	return map[string]any{
		"shopId": t.shopID, "uuid": t.uuid, "amount": t.amount, "currency": t.currency, "paymentMethodType": "CARD",
		"status": t.status, "detailedStatus": t.detailed, "operationType": t.operationType,
		"creationDate": t.created.Format(time.RFC3339), "errorCode": nullable(t.errorCode), "errorMessage": nullable(t.errorMessage),
		"detailedErrorCode": nil, "detailedErrorMessage": nil, "metadata": nil,
		"orderDetails": map[string]any{"orderId": nullable(t.orderID), "mode": t.mode, "_type": "V4/OrderDetails"},
		"transactionDetails": map[string]any{
			"effectiveAmount": t.amount, "effectiveCurrency": t.currency, "creationContext": "CHARGE",
			"parentTransactionUuid": nullable(t.parent), "mid": "6969696", "sequenceNumber": t.sequence,
			"cardDetails": map[string]any{
				"manualValidation": t.manualValidation, "expectedCaptureDate": t.captureDate.Format(time.RFC3339),
				"legacyTransId": legacy,
				"captureResponse": map[string]any{"refundAmount": refund, "refundCurrency": refundCurrency,
					"captureDate": nil, "_type": "V4/CaptureResponse"},
				"_type": "V4/CardDetails",
			},
			"_type": "V4/TransactionDetails",
		},
		"_type": "V4/PaymentTransaction",
	}
}

func (a *restAPI) addKeys(w http.ResponseWriter, r *http.Request) {
	var k RESTKeys
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&k); err != nil || k.SiteID == "" || k.PasswordTest == "" {
		http.Error(w, "site_id and password_test are required", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	a.keys[k.SiteID] = k
	a.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (a *restAPI) addFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&f); err != nil || f.Service == "" ||
		(f.Fault != FaultDrop && f.Fault != FaultUnavailable && f.Fault != FaultRunning && f.Fault != FaultError && f.Fault != FaultSlow) {
		http.Error(w, "service and fault (drop, unavailable, running, error, slow) are required", http.StatusBadRequest)
		return
	}
	if f.Count <= 0 {
		f.Count = 1
	}
	a.mu.Lock()
	a.faults = append(a.faults, f)
	a.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// captureBatch is the remittance: authorised transactions whose capture
// date has come become CAPTURED (WAITING_AUTHORISATION ones are authorised
// and captured at once).
func (a *restAPI) captureBatch(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	now, n := a.now(), 0
	for _, t := range a.txs {
		if (t.detailed == "AUTHORISED" || t.detailed == "WAITING_AUTHORISATION") && !t.captureDate.After(now) {
			t.status, t.detailed = "PAID", "CAPTURED"
			n++
		}
	}
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]int{"captured": n})
}

// settle ends a refund left UNDER_VERIFICATION: CAPTURED or REFUSED (the
// refunded amount goes back to the original).
func (a *restAPI) settle(w http.ResponseWriter, r *http.Request) {
	var in struct {
		DetailedStatus string `json:"detailed_status"`
	}
	json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in)
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.txs[r.PathValue("uuid")]
	if !ok || t.detailed != "UNDER_VERIFICATION" || (in.DetailedStatus != "CAPTURED" && in.DetailedStatus != "REFUSED") {
		http.Error(w, "a transaction UNDER_VERIFICATION and detailed_status CAPTURED or REFUSED are required", http.StatusBadRequest)
		return
	}
	if in.DetailedStatus == "CAPTURED" {
		t.status, t.detailed = "PAID", "CAPTURED"
	} else {
		t.status, t.detailed = "UNPAID", "REFUSED"
		if p, ok := a.txs[t.parent]; ok {
			p.refundAmount -= t.amount
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// list shows the transactions of an order (?order_id=) or the refunds of a
// transaction (?parent=), for tests.
func (a *restAPI) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a.mu.Lock()
	out := []map[string]any{}
	var list []*transaction
	for _, t := range a.txs {
		if (q.Get("order_id") == "" || t.orderID == q.Get("order_id")) && (q.Get("parent") == "" || t.parent == q.Get("parent")) &&
			(q.Get("uuid") == "" || t.uuid == q.Get("uuid")) {
			list = append(list, t)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].created.Before(list[j].created) })
	for _, t := range list {
		out = append(out, a.view(t))
	}
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
