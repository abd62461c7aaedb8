package sandbox

// The Office server (Sips 2.0 JSON cash management and diagnostic), written
// from mercanet-operations.md without the plugin's code: its own seal, its
// own state per transaction, the documented refusals, and faults to
// exercise reconciliation (an answer lost after the operation was applied,
// a transient 90 with or without the operation applied, an unsealed
// answer as the Sips test platform gives, a 60 left pending until settled).

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Office faults, armed per transactionReference for the next
// cashManagement calls (POST /backoffice/office/faults).
const (
	// FaultLoseAnswer applies the operation, then closes the connection
	// without an answer.
	FaultLoseAnswer = "lose-answer"
	// Fault90Applied applies the operation and answers responseCode 90.
	Fault90Applied = "90-applied"
	// Fault90NotApplied answers responseCode 90 without applying it.
	Fault90NotApplied = "90-not-applied"
	// FaultNoSeal applies the operation and answers without a seal.
	FaultNoSeal = "no-seal"
	// FaultPending answers responseCode 60 (pending) and keeps the
	// operation unapplied: getTransactionData shows nothing of it until
	// POST /backoffice/office/settle applies it.
	FaultPending = "60-pending"
)

// office is the simulated Office server of one sandbox.
type office struct {
	s      *Server
	mu     sync.Mutex
	txns   map[string]*officeTxn // merchantId/transactionReference
	faults map[string][]string   // transactionReference -> queued faults
}

// officeTxn is a transaction as the Office server sees it, created from the
// Paypage transaction the first time the Office touches it.
type officeTxn struct {
	status   string // TO_VALIDATE, TO_CAPTURE, CAPTURED, TO_CREDIT, CANCELLED, REFUSED, ABORTED
	currency string
	// origin is the authorised amount; current what the merchant still
	// holds (lowered by validate for less, cancel and refund).
	origin, current int64
	responseCode    string // the original payment's
	authorisationID string
	created         time.Time
	operations      []officeOperation
	pending         []pendingOperation // answered 60, not applied yet
}

// pendingOperation is a cashManagement call answered 60.
type pendingOperation struct {
	op     string
	amount int64
}

type officeOperation struct {
	Name   string    `json:"name"` // VALIDATE, CANCEL, CREDIT, DEBIT_CAPTURE
	Amount int64     `json:"amount"`
	At     time.Time `json:"at"`
}

func newOffice(s *Server) *office {
	o := &office{s: s, txns: map[string]*officeTxn{}, faults: map[string][]string{}}
	s.mux.HandleFunc("POST /rs-services/v2/diagnostic/getTransactionData", o.getTransactionData)
	s.mux.HandleFunc("POST /rs-services/v2/cashManagement/{operation}", o.cashManagement)
	s.mux.HandleFunc("POST /backoffice/office/faults", o.armFault)
	s.mux.HandleFunc("POST /backoffice/office/remit", o.remit)
	s.mux.HandleFunc("POST /backoffice/office/settle", o.settle)
	s.mux.HandleFunc("GET /backoffice/office/transactions/{merchant}/{reference}", o.show)
	return o
}

// officeSeal is the Office JSON seal: hex HMAC-SHA-256 over the values of
// every field but keyVersion, sealAlgorithm and seal, by field name, nested
// objects by their own field names, lists in order, numbers as written.
func officeSeal(msg map[string]any, key string) string {
	var buf bytes.Buffer
	top := map[string]any{}
	for k, v := range msg {
		if k != "keyVersion" && k != "sealAlgorithm" && k != "seal" {
			top[k] = v
		}
	}
	officeSealString(&buf, top)
	m := hmac.New(sha256.New, []byte(key))
	m.Write(buf.Bytes())
	return hex.EncodeToString(m.Sum(nil))
}

func officeSealString(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			officeSealString(buf, x[k])
		}
	case []any:
		for _, e := range x {
			officeSealString(buf, e)
		}
	case string:
		buf.WriteString(x)
	case json.Number:
		buf.WriteString(string(x))
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	}
}

// officeRequest is a checked request: the merchant's key and the fields.
type officeRequest struct {
	key    string
	fields map[string]any
}

func (r officeRequest) text(name string) string {
	switch v := r.fields[name].(type) {
	case string:
		return v
	case json.Number:
		return string(v)
	}
	return ""
}

// read decodes and authenticates a request; on failure it has answered.
func (o *office) read(w http.ResponseWriter, r *http.Request, ifacePrefix string, codeField string) (officeRequest, bool) {
	var fields map[string]any
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || fields == nil {
		officeAnswer(w, map[string]any{codeField: "30", "errorFieldName": "body"}, "")
		return officeRequest{}, false
	}
	req := officeRequest{fields: fields}
	key, known := o.s.merchants[req.text("merchantId")]
	if !known {
		// No key to seal with: the answer comes unsealed.
		officeAnswer(w, map[string]any{codeField: "03"}, "")
		return officeRequest{}, false
	}
	seal, _ := fields["seal"].(string)
	want := officeSeal(fields, key)
	if req.text("keyVersion") != "1" || subtle.ConstantTimeCompare([]byte(strings.ToLower(seal)), []byte(want)) != 1 {
		officeAnswer(w, map[string]any{codeField: "34"}, key)
		return officeRequest{}, false
	}
	req.key = key
	if !strings.HasPrefix(req.text("interfaceVersion"), ifacePrefix) {
		officeAnswer(w, map[string]any{codeField: "30", "errorFieldName": "interfaceVersion"}, key)
		return officeRequest{}, false
	}
	if req.text("transactionReference") == "" {
		officeAnswer(w, map[string]any{codeField: "12", "errorFieldName": "transactionReference"}, key)
		return officeRequest{}, false
	}
	return req, true
}

// txn returns the Office view of a transaction the customer settled, or nil.
// The caller holds o.mu.
func (o *office) txn(merchant, reference string) *officeTxn {
	id := merchant + "/" + reference
	if t, ok := o.txns[id]; ok {
		return t
	}
	o.s.mu.Lock()
	p, ok := o.s.txns[id]
	var t *officeTxn
	if ok && p.status != "" {
		amount, _ := strconv.ParseInt(p.fields["amount"], 10, 64)
		t = &officeTxn{status: p.status, currency: p.fields["currencyCode"], origin: amount, current: amount,
			responseCode: p.responseCode, authorisationID: p.authorisationID, created: time.Now().UTC()}
		if p.status == "REFUSED" || p.status == "ABORTED" {
			t.current = 0
		}
	}
	o.s.mu.Unlock()
	if t != nil {
		o.txns[id] = t
	}
	return t
}

func (o *office) getTransactionData(w http.ResponseWriter, r *http.Request) {
	req, ok := o.read(w, r, "DR_WS_2.", "getTransDataResponseCode")
	if !ok {
		return
	}
	o.mu.Lock()
	t := o.txn(req.text("merchantId"), req.text("transactionReference"))
	var out map[string]any
	if t != nil {
		out = map[string]any{
			"getTransDataResponseCode": "00", "responseCode": t.responseCode, "acquirerResponseCode": t.responseCode,
			"transactionReference": req.text("transactionReference"), "transactionStatus": t.status,
			"originAmount": t.origin, "currentAmount": t.current, "remainingAmount": t.current,
			"currencyCode": t.currency, "transactionDateTime": t.created.Format(time.RFC3339),
			"paymentMeanBrand": "CB", "maskedPan": "4100##########00", "holderAuthentStatus": "3D_SUCCESS",
		}
		if t.authorisationID != "" {
			out["authorisationId"] = t.authorisationID
		}
		if n := len(t.operations); n > 0 {
			out["lastOperationName"] = t.operations[n-1].Name
			out["lastOperationDateTime"] = t.operations[n-1].At.Format(time.RFC3339Nano)
		}
	}
	o.mu.Unlock()
	if out == nil {
		out = map[string]any{"getTransDataResponseCode": "25"}
	}
	officeAnswer(w, out, req.key)
}

// cashManagement runs refund, cancel and validate.
func (o *office) cashManagement(w http.ResponseWriter, r *http.Request) {
	op := r.PathValue("operation")
	if op != "refund" && op != "cancel" && op != "validate" {
		http.NotFound(w, r)
		return
	}
	req, ok := o.read(w, r, "CR_WS_2.", "responseCode")
	if !ok {
		return
	}
	fail := func(code, field string) {
		out := map[string]any{"responseCode": code}
		if field != "" {
			out["errorFieldName"] = field
		}
		officeAnswer(w, out, req.key)
	}
	n, isNumber := req.fields["operationAmount"].(json.Number)
	amount, err := strconv.ParseInt(string(n), 10, 64)
	if !isNumber || err != nil || amount <= 0 {
		fail("30", "operationAmount")
		return
	}
	ref := req.text("transactionReference")
	o.mu.Lock()
	fault := ""
	if q := o.faults[ref]; len(q) > 0 {
		fault, o.faults[ref] = q[0], q[1:]
	}
	t := o.txn(req.text("merchantId"), ref)
	code, field := "", ""
	switch {
	case t == nil:
		code = "25"
	case req.text("currencyCode") != t.currency:
		code, field = "12", "currencyCode"
	case op == "refund" && t.status != "CAPTURED" && t.status != "TO_CREDIT",
		op == "cancel" && t.status != "TO_CAPTURE" && t.status != "TO_VALIDATE",
		op == "validate" && t.status != "TO_VALIDATE":
		code = "24"
	case amount > t.current:
		code = "51"
	}
	out := map[string]any{"responseCode": code}
	if code == "" && fault == FaultPending {
		t.pending = append(t.pending, pendingOperation{op: op, amount: amount})
		out = map[string]any{"responseCode": "60", "operationDateTime": time.Now().UTC().Format(time.RFC3339)}
	} else if code == "" && fault != Fault90NotApplied {
		o.apply(t, op, amount)
		out = map[string]any{"responseCode": "00", "acquirerResponseCode": "00", "newAmount": t.current, "newStatus": t.status,
			"operationDateTime": time.Now().UTC().Format(time.RFC3339)}
		if op == "refund" {
			out["authorisationId"] = strconv.FormatInt(time.Now().UnixNano()%1000000, 10)
		}
	}
	o.mu.Unlock()
	if code != "" {
		fail(code, field)
		return
	}
	switch fault {
	case FaultLoseAnswer:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // the server drops the connection
	case Fault90Applied, Fault90NotApplied:
		officeAnswer(w, map[string]any{"responseCode": "90"}, req.key)
	case FaultNoSeal:
		officeAnswer(w, out, "")
	default: // FaultPending too: a sealed 60
		officeAnswer(w, out, req.key)
	}
}

// apply changes the transaction; the caller holds o.mu.
func (o *office) apply(t *officeTxn, op string, amount int64) {
	name := map[string]string{"refund": "CREDIT", "cancel": "CANCEL", "validate": "VALIDATE"}[op]
	switch op {
	case "refund", "cancel":
		t.current -= amount
		if op == "cancel" && t.current == 0 {
			t.status = "CANCELLED"
		}
		if op == "refund" {
			// The sheet's refund answer has newStatus TO_CREDIT: the
			// transaction stays there, refundable until nothing is left.
			t.status = "TO_CREDIT"
		}
	case "validate":
		t.current, t.status = amount, "TO_CAPTURE"
	}
	t.operations = append(t.operations, officeOperation{Name: name, Amount: amount, At: time.Now().UTC()})
}

func officeAnswer(w http.ResponseWriter, fields map[string]any, key string) {
	if key != "" {
		fields["seal"] = officeSeal(fields, key)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(fields)
}

// armFault queues a fault for the next cashManagement call on a
// transaction: form transactionReference, fault, count (default 1).
func (o *office) armFault(w http.ResponseWriter, r *http.Request) {
	ref, fault := r.FormValue("transactionReference"), r.FormValue("fault")
	switch fault {
	case FaultLoseAnswer, Fault90Applied, Fault90NotApplied, FaultNoSeal, FaultPending:
	default:
		http.Error(w, "unknown fault", http.StatusBadRequest)
		return
	}
	count := 1
	if c := r.FormValue("count"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 || n > 100 {
			http.Error(w, "count must be 1-100", http.StatusBadRequest)
			return
		}
		count = n
	}
	if ref == "" {
		http.Error(w, "transactionReference required", http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for range count {
		o.faults[ref] = append(o.faults[ref], fault)
	}
	o.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// remit plays the nightly remittance: a TO_CAPTURE transaction is sent
// to the bank and becomes CAPTURED (form merchantId, transactionReference).
func (o *office) remit(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.txn(r.FormValue("merchantId"), r.FormValue("transactionReference"))
	if t == nil || t.status != "TO_CAPTURE" {
		http.Error(w, "no TO_CAPTURE transaction", http.StatusConflict)
		return
	}
	t.status = "CAPTURED"
	t.operations = append(t.operations, officeOperation{Name: "DEBIT_CAPTURE", Amount: t.current, At: time.Now().UTC()})
	w.WriteHeader(http.StatusNoContent)
}

// settle applies the operations answered 60 (pending) on a transaction,
// in order, when they still fit (form merchantId, transactionReference).
func (o *office) settle(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.txn(r.FormValue("merchantId"), r.FormValue("transactionReference"))
	if t == nil || len(t.pending) == 0 {
		http.Error(w, "no pending operation", http.StatusConflict)
		return
	}
	for _, p := range t.pending {
		if p.amount <= t.current {
			o.apply(t, p.op, p.amount)
		}
	}
	t.pending = nil
	w.WriteHeader(http.StatusNoContent)
}

// show lists a transaction's Office state and operations, for tests.
func (o *office) show(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.txn(r.PathValue("merchant"), r.PathValue("reference"))
	if t == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"status": t.status, "origin": t.origin, "current": t.current, "operations": append([]officeOperation{}, t.operations...),
		"pending": len(t.pending)})
}
