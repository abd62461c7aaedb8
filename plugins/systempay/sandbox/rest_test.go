package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

const (
	restSite = "69876357"
	// The documentation's example password; its Basic header is
	// Njk4NzYzNTc6dGVzdHBhc3N3b3JkX0RFTU9QUklWQVRFS0VZMjNHNDQ3NXpYWlEyVUE1eDdN.
	restTestPassword = "testpassword_DEMOPRIVATEKEY23G4475zXZQ2UA5x7M"
	restProdPassword = "prodpassword_DEMOPRIVATEKEY23G4475zXZQ2UA5x7M"
)

type restClient struct {
	t    *testing.T
	base string
}

type envelope struct {
	Status string          `json:"status"`
	Answer json.RawMessage `json:"answer"`
}

type answer struct {
	ErrorCode      string `json:"errorCode"`
	UUID           string `json:"uuid"`
	Amount         int64  `json:"amount"`
	Status         string `json:"status"`
	DetailedStatus string `json:"detailedStatus"`
	OperationType  string `json:"operationType"`
	Value          string `json:"value"`
	Transactions   []struct {
		UUID           string `json:"uuid"`
		OperationType  string `json:"operationType"`
		DetailedStatus string `json:"detailedStatus"`
	} `json:"transactions"`
	TransactionDetails struct {
		ParentTransactionUUID string `json:"parentTransactionUuid"`
		CardDetails           struct {
			LegacyTransID   string `json:"legacyTransId"`
			CaptureResponse struct {
				RefundAmount int64 `json:"refundAmount"`
			} `json:"captureResponse"`
		} `json:"cardDetails"`
	} `json:"transactionDetails"`
}

// call posts a service with the given password; it returns the HTTP
// status, the envelope status and the answer.
func (c restClient) call(password, service, body string) (int, string, answer) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/api-payment/V4/"+service, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	if password != "" {
		req.SetBasicAuth(restSite, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s: %v", service, err)
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		c.t.Fatalf("%s: %v", service, err)
	}
	var a answer
	json.Unmarshal(env.Answer, &a)
	return resp.StatusCode, env.Status, a
}

func (c restClient) backoffice(path string, v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	resp, err := http.Post(c.base+"/backoffice/rest/"+path, "application/json", bytes.NewReader(b))
	if err != nil || resp.StatusCode >= 300 {
		c.t.Fatalf("%s: %v %v", path, resp, err)
	}
	resp.Body.Close()
}

func newRESTSandbox(t *testing.T) (*Server, restClient) {
	s := New()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := restClient{t: t, base: srv.URL}
	c.backoffice("keys", RESTKeys{SiteID: restSite, PasswordTest: restTestPassword, PasswordProduction: restProdPassword})
	return s, c
}

// pay records an accepted hosted payment of 10.00 EUR, waiting for a
// manual validation when validation is "1".
func pay(s *Server, uuid, transID, validation string) {
	status := "AUTHORISED"
	if validation == "1" {
		status = "AUTHORISED_TO_VALIDATE"
	}
	s.rest.recordPayment(url.Values{"vads_site_id": {restSite}, "vads_ctx_mode": {"TEST"}, "vads_amount": {"1000"},
		"vads_currency": {"978"}, "vads_order_id": {"order-1"}, "vads_trans_id": {transID}, "vads_validation_mode": {validation}},
		url.Values{"vads_trans_uuid": {uuid}, "vads_trans_status": {status}})
}

const (
	uuidA = "c97b7e6f3dbc4c239baf283654f34710"
	uuidB = "c97b7e6f3dbc4c239baf283654f34711"
)

func TestRESTAuthentication(t *testing.T) {
	s, c := newRESTSandbox(t)
	pay(s, uuidA, "000001", "")
	if st, status, a := c.call(restTestPassword, "Charge/SDKTest", `{"value":"my testing value"}`); st != 200 || status != "SUCCESS" || a.Value != "my testing value" {
		t.Errorf("SDKTest: %d %s %+v", st, status, a)
	}
	for _, pw := range []string{"", "testpassword_wrong", restTestPassword + "x"} {
		if st, status, a := c.call(pw, "Transaction/Get", `{"uuid":"`+uuidA+`"}`); st != 401 || status != "ERROR" || a.ErrorCode != "INT_905" {
			t.Errorf("password %q: %d %s %+v", pw, st, status, a)
		}
	}
	// The PRODUCTION password does not see a TEST transaction.
	if st, _, a := c.call(restProdPassword, "Transaction/Get", `{"uuid":"`+uuidA+`"}`); st != 401 || a.ErrorCode != "INT_905" {
		t.Errorf("PRODUCTION password on a TEST transaction: %d %+v", st, a)
	}
	// Some platforms answer INT_905 with HTTP 200.
	c.backoffice("keys", RESTKeys{SiteID: restSite, PasswordTest: restTestPassword, AuthFailureStatus: 200})
	if st, status, a := c.call("nope", "Transaction/Get", `{"uuid":"`+uuidA+`"}`); st != 200 || status != "ERROR" || a.ErrorCode != "INT_905" {
		t.Errorf("200 mode: %d %s %+v", st, status, a)
	}
}

func TestRESTOperations(t *testing.T) {
	s, c := newRESTSandbox(t)
	pay(s, uuidA, "000001", "")
	pay(s, uuidB, "000002", "1")
	get := func(uuid string) answer {
		_, _, a := c.call(restTestPassword, "Transaction/Get", `{"uuid":"`+uuid+`"}`)
		return a
	}
	errCode := func(service, body string) string {
		t.Helper()
		_, status, a := c.call(restTestPassword, service, body)
		if status != "ERROR" {
			t.Errorf("%s %s: %s %+v, want an error", service, body, status, a)
		}
		return a.ErrorCode
	}
	if a := get(uuidA); a.DetailedStatus != "AUTHORISED" || a.Amount != 1000 || a.TransactionDetails.CardDetails.LegacyTransID != "000001" {
		t.Fatalf("paid transaction: %+v", a)
	}
	cases := []struct{ service, body, code string }{
		{"Transaction/Get", `{"uuid":"00000000000000000000000000000000"}`, "PSP_010"},
		{"Transaction/Get", `{"uuid":`, "INT_902"},
		{"Transaction/CancelOrRefund", `{"uuid":"` + uuidA + `","amount":100,"currency":"EUR","resolutionMode":"REFUND_ONLY"}`, "PSP_076"},
		{"Transaction/CancelOrRefund", `{"uuid":"` + uuidA + `","amount":100,"currency":"EUR"}`, "PSP_020"},
		{"Transaction/Validate", `{"uuid":"` + uuidA + `"}`, "PSP_011"},
		{"Transaction/Update", `{"uuid":"` + uuidA + `","cardUpdate":{"amount":1000,"currency":"EUR"}}`, "PSP_014"},
		{"Transaction/Update", `{"uuid":"` + uuidA + `","cardUpdate":{"amount":1200,"currency":"EUR"}}`, "PSP_020"},
		{"Transaction/Update", `{"uuid":"` + uuidA + `","cardUpdate":{"amount":900,"currency":"USD"}}`, "PSP_021"},
		{"Order/Get", `{"orderId":"no-such-order"}`, "PSP_010"},
	}
	for _, tc := range cases {
		if got := errCode(tc.service, tc.body); got != tc.code {
			t.Errorf("%s %s: %s, want %s", tc.service, tc.body, got, tc.code)
		}
	}
	// Before capture: lower the amount, then a cancellation (AUTO).
	if _, _, a := c.call(restTestPassword, "Transaction/Update", `{"uuid":"`+uuidA+`","cardUpdate":{"amount":700,"currency":"EUR"}}`); a.Amount != 700 || a.DetailedStatus != "AUTHORISED" {
		t.Errorf("update: %+v", a)
	}
	// Manual validation.
	if _, _, a := c.call(restTestPassword, "Transaction/Validate", `{"uuid":"`+uuidB+`"}`); a.DetailedStatus != "AUTHORISED" {
		t.Errorf("validate: %+v", a)
	}
	if got := errCode("Transaction/Validate", `{"uuid":"`+uuidB+`"}`); got != "PSP_011" {
		t.Errorf("second validate: %s", got)
	}
	// The remittance batch captures both; refunds become CREDIT transactions.
	c.backoffice("capture-batch", nil)
	if got := errCode("Transaction/CancelOrRefund", `{"uuid":"`+uuidA+`","resolutionMode":"CANCELLATION_ONLY"}`); got != "PSP_075" {
		t.Errorf("cancel after capture: %s", got)
	}
	_, _, credit := c.call(restTestPassword, "Transaction/CancelOrRefund", `{"uuid":"`+uuidA+`","amount":300,"currency":"EUR","resolutionMode":"REFUND_ONLY"}`)
	if credit.OperationType != "CREDIT" || credit.UUID == uuidA || len(credit.UUID) != 32 || credit.Amount != 300 || credit.TransactionDetails.ParentTransactionUUID != uuidA {
		t.Errorf("refund: %+v", credit)
	}
	if got := errCode("Transaction/CancelOrRefund", `{"uuid":"`+uuidA+`","amount":401,"currency":"EUR"}`); got != "PSP_020" {
		t.Errorf("over-refund: %s", got)
	}
	if a := get(uuidA); a.TransactionDetails.CardDetails.CaptureResponse.RefundAmount != 300 || a.DetailedStatus != "CAPTURED" {
		t.Errorf("original after a refund: %+v", a)
	}
	// A lost answer: the refund is made, the connection closed.
	c.backoffice("faults", Fault{Service: "Transaction/CancelOrRefund", Fault: FaultDrop})
	req, _ := http.NewRequest("POST", c.base+"/api-payment/V4/Transaction/CancelOrRefund", bytes.NewBufferString(`{"uuid":"`+uuidA+`","amount":100,"currency":"EUR"}`))
	req.SetBasicAuth(restSite, restTestPassword)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("a dropped answer arrived: %d", resp.StatusCode)
	}
	if a := get(uuidA); a.TransactionDetails.CardDetails.CaptureResponse.RefundAmount != 400 {
		t.Errorf("the dropped refund was not applied: %+v", a)
	}
	_, _, order := c.call(restTestPassword, "Order/Get", `{"orderId":"order-1","operationType":"CREDIT"}`)
	if len(order.Transactions) != 2 || order.Transactions[0].OperationType != "CREDIT" {
		t.Errorf("Order/Get CREDIT: %+v", order)
	}
	// Refunds left under verification, then refused: the amount is refundable again.
	c.backoffice("faults", Fault{Service: "Transaction/CancelOrRefund", Fault: FaultRunning})
	_, _, running := c.call(restTestPassword, "Transaction/CancelOrRefund", `{"uuid":"`+uuidA+`","amount":300,"currency":"EUR"}`)
	if running.Status != "RUNNING" || running.DetailedStatus != "UNDER_VERIFICATION" {
		t.Errorf("running refund: %+v", running)
	}
	c.backoffice("transactions/"+running.UUID+"/settle", map[string]string{"detailed_status": "REFUSED"})
	if a := get(uuidA); a.TransactionDetails.CardDetails.CaptureResponse.RefundAmount != 400 {
		t.Errorf("after a refused refund: %+v", a)
	}
	// Unavailable and an undocumented code apply nothing.
	c.backoffice("faults", Fault{Service: "Transaction/CancelOrRefund", Fault: FaultError, Code: "PSP_999"})
	if got := errCode("Transaction/CancelOrRefund", `{"uuid":"`+uuidA+`","amount":100,"currency":"EUR"}`); got != "PSP_999" {
		t.Errorf("queued error: %s", got)
	}
	c.backoffice("faults", Fault{Service: "Transaction/CancelOrRefund", Fault: FaultUnavailable})
	if resp, err := http.Post(c.base+"/api-payment/V4/Transaction/CancelOrRefund", "application/json", nil); err != nil || resp.StatusCode != 502 {
		t.Errorf("unavailable: %v %v", resp, err)
	}
	if a := get(uuidA); a.TransactionDetails.CardDetails.CaptureResponse.RefundAmount != 400 {
		t.Errorf("faults applied something: %+v", a)
	}
}
