package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// These tests speak to the Office server as mercanet-operations.md
// describes it, with the sheet's own sealed samples; they do not use the
// plugin's Office code.

// sheetRefund is the sheet's example refund request (§3), sealed with the
// public test shop's key.
const sheetRefund = `{"currencyCode":"978","interfaceVersion":"CR_WS_2.55","keyVersion":"1","merchantId":"211000021310001",
 "operationAmount":1000,"operationOrigin":"BATCH","transactionReference":"TREFA1B2C3",
 "seal":"9b61c9c0122fcbc155a05f6d8934c58f92b5b703fb048c3b07e6f06f01d00052"}`

// sheetDiagnostic is the sheet's getTransactionData sample (§4).
const sheetDiagnostic = `{"interfaceVersion":"DR_WS_2.55","keyVersion":"1","merchantId":"211000021310001","transactionReference":"TREFA1B2C3",
 "seal":"7665f3e96bdd380d876b28457c383570818aa58e3ddbdd393bcf1eb4e1b3f28f"}`

var tokenRe = regexp.MustCompile(`action="page/([0-9a-f]+)"`)

// paySilently creates a transaction through paymentInit (SHA-256 seal
// computed here) and accepts it without an automatic response.
func paySilently(t *testing.T, srv *httptest.Server, ref, amount, captureMode string) {
	t.Helper()
	data := "amount=" + amount + "|currencyCode=978|merchantId=" + merchant + "|normalReturnUrl=http://127.0.0.1/return|keyVersion=1|transactionReference=" + ref
	if captureMode != "" {
		data += "|captureMode=" + captureMode
	}
	sum := sha256.Sum256([]byte(data + key))
	_, page := post(t, srv, "/paymentInit", url.Values{"Data": {data}, "InterfaceVersion": {"HP_2.20"}, "Seal": {hex.EncodeToString(sum[:])}})
	m := tokenRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no payment page: %s", page)
	}
	post(t, srv, "/page/"+m[1], url.Values{"choice": {"accept-silent"}})
}

// office posts a JSON body and returns the decoded answer, checking its
// seal (an answer without one comes back with "unsealed" set).
func officePost(t *testing.T, srv *httptest.Server, path, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	seal, _ := out["seal"].(string)
	switch {
	case seal == "":
		out["unsealed"] = true
	case officeSeal(out, key) != seal:
		t.Fatalf("%s: the answer's seal does not verify: %v", path, out)
	}
	return out
}

// sealed builds a request body sealed with k.
func sealed(fields map[string]any, k string) string {
	fields["seal"] = officeSeal(fields, k)
	b, _ := json.Marshal(fields)
	return string(b)
}

func TestOfficeSealMatchesTheSheet(t *testing.T) {
	tests := []struct{ name, msg, want string }{
		{"refund request", sheetRefund, "9b61c9c0122fcbc155a05f6d8934c58f92b5b703fb048c3b07e6f06f01d00052"},
		{"diagnostic request", sheetDiagnostic, "7665f3e96bdd380d876b28457c383570818aa58e3ddbdd393bcf1eb4e1b3f28f"},
		{"refund response", `{"acquirerResponseCode":"00","authorisationId":"123456","newAmount":0,"newStatus":"TO_CREDIT","operationDateTime":"2024-01-15T10:00:00+01:00","responseCode":"00"}`,
			"50af50a61b428abf73fd527c5e7dafa6d26bcbfebb71d3801e4b91f4212b350e"},
	}
	for _, tc := range tests {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(tc.msg))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if got := officeSeal(m, key); got != tc.want {
			t.Errorf("%s: seal %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestOfficeOperations(t *testing.T) {
	srv := httptest.NewServer(New(nil))
	defer srv.Close()
	const cash = "/rs-services/v2/cashManagement/"
	const diag = "/rs-services/v2/diagnostic/getTransactionData"
	req := func(ref string, amount int64) map[string]any {
		return map[string]any{"currencyCode": "978", "interfaceVersion": "CR_WS_2.55", "keyVersion": "1", "merchantId": merchant,
			"operationAmount": amount, "transactionReference": ref}
	}
	code := func(m map[string]any) string { s, _ := m["responseCode"].(string); return s }

	paySilently(t, srv, "TREFA1B2C3", "2500", "")
	if got := code(officePost(t, srv, cash+"refund", sheetRefund)); got != "24" {
		t.Errorf("refund before remittance: %s, want 24", got)
	}
	if got := officePost(t, srv, diag, sheetDiagnostic); got["transactionStatus"] != "TO_CAPTURE" || got["getTransDataResponseCode"] != "00" {
		t.Errorf("diagnostic before remittance: %v", got)
	}
	post(t, srv, "/backoffice/office/remit", url.Values{"merchantId": {merchant}, "transactionReference": {"TREFA1B2C3"}})
	if got := officePost(t, srv, cash+"refund", sheetRefund); code(got) != "00" || got["newAmount"] != json.Number("1500") {
		t.Errorf("the sheet's refund: %v", got)
	}
	if got := code(officePost(t, srv, cash+"refund", sealed(req("TREFA1B2C3", 1501), key))); got != "51" {
		t.Errorf("over-refund: %s, want 51", got)
	}
	if got := code(officePost(t, srv, cash+"cancel", sealed(req("TREFA1B2C3", 100), key))); got != "24" {
		t.Errorf("cancel after remittance: %s, want 24", got)
	}
	d := officePost(t, srv, diag, sheetDiagnostic)
	if d["currentAmount"] != json.Number("1500") || d["originAmount"] != json.Number("2500") || d["lastOperationName"] != "CREDIT" {
		t.Errorf("diagnostic after a refund: %v", d)
	}

	paySilently(t, srv, "VAL1", "1000", "VALIDATION")
	if got := code(officePost(t, srv, cash+"validate", sealed(req("VAL1", 1001), key))); got != "51" {
		t.Errorf("validate more than authorised: %s", got)
	}
	if got := code(officePost(t, srv, cash+"validate", sealed(req("VAL1", 800), key))); got != "00" {
		t.Errorf("partial validate: %s", got)
	}
	if got := code(officePost(t, srv, cash+"validate", sealed(req("VAL1", 800), key))); got != "24" {
		t.Errorf("validate twice: %s, want 24", got)
	}
	if got := code(officePost(t, srv, cash+"cancel", sealed(req("VAL1", 800), key))); got != "00" {
		t.Errorf("cancel before remittance: %s", got)
	}
	if d := officePost(t, srv, diag, sealed(map[string]any{"interfaceVersion": "DR_WS_2.55", "keyVersion": "1", "merchantId": merchant, "transactionReference": "VAL1"}, key)); d["transactionStatus"] != "CANCELLED" {
		t.Errorf("after a full cancel: %v", d)
	}

	wrongVersion := req("TREFA1B2C3", 10)
	wrongVersion["keyVersion"] = "2"
	noAmount := req("TREFA1B2C3", 10)
	delete(noAmount, "operationAmount")
	otherMerchant := req("TREFA1B2C3", 10)
	otherMerchant["merchantId"] = "999999999999999"
	refusals := []struct {
		name, body, code string
		unsealed         bool
	}{
		{"bad seal", sealed(req("TREFA1B2C3", 10), "wrong key"), "34", false},
		{"wrong key version", sealed(wrongVersion, key), "34", false},
		{"unknown merchant", sealed(otherMerchant, key), "03", true},
		{"unknown transaction", sealed(req("NOPE", 10), key), "25", false},
		{"no operationAmount", sealed(noAmount, key), "30", false},
		{"not JSON", "refund please", "30", true},
	}
	for _, tc := range refusals {
		got := officePost(t, srv, cash+"refund", tc.body)
		if code(got) != tc.code || (got["unsealed"] == true) != tc.unsealed {
			t.Errorf("%s: %v, want %s", tc.name, got, tc.code)
		}
	}
	if d := officePost(t, srv, diag, sealed(map[string]any{"interfaceVersion": "DR_WS_2.55", "keyVersion": "1", "merchantId": merchant, "transactionReference": "NOPE"}, key)); d["getTransDataResponseCode"] != "25" {
		t.Errorf("diagnostic of an unknown transaction: %v", d)
	}
}

func TestOfficeFaults(t *testing.T) {
	srv := httptest.NewServer(New(nil))
	defer srv.Close()
	paySilently(t, srv, "LOST1", "1000", "")
	arm := func(fault string) {
		post(t, srv, "/backoffice/office/faults", url.Values{"transactionReference": {"LOST1"}, "fault": {fault}})
	}
	cancel := func(amount int64) (map[string]any, error) {
		body := sealed(map[string]any{"currencyCode": "978", "interfaceVersion": "CR_WS_2.55", "keyVersion": "1", "merchantId": merchant,
			"operationAmount": amount, "transactionReference": "LOST1"}, key)
		resp, err := http.Post(srv.URL+"/rs-services/v2/cashManagement/cancel", "application/json", strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		return m, dec.Decode(&m)
	}
	current := func() json.Number {
		resp, err := http.Get(srv.URL + "/backoffice/office/transactions/" + merchant + "/LOST1")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st struct {
			Current json.Number `json:"current"`
		}
		json.NewDecoder(resp.Body).Decode(&st)
		return st.Current
	}
	arm(FaultLoseAnswer)
	if _, err := cancel(100); err == nil {
		t.Errorf("a lost answer arrived: %v", err)
	}
	if got := current(); got != "900" {
		t.Errorf("after a lost answer: %s left, want 900 (applied)", got)
	}
	arm(Fault90NotApplied)
	if m, _ := cancel(100); m["responseCode"] != "90" || current() != "900" {
		t.Errorf("90 not applied: %v, %s left", m, current())
	}
	arm(Fault90Applied)
	if m, _ := cancel(100); m["responseCode"] != "90" || current() != "800" {
		t.Errorf("90 applied: %v, %s left", m, current())
	}
	arm(FaultNoSeal)
	if m, _ := cancel(100); m["responseCode"] != "00" || m["seal"] != nil || current() != "700" {
		t.Errorf("no seal: %v, %s left", m, current())
	}
	arm(FaultPending)
	if m, _ := cancel(100); m["responseCode"] != "60" || m["seal"] == nil || m["operationDateTime"] == nil || current() != "700" {
		t.Errorf("60: %v, %s left (applied only once settled)", m, current())
	}
	post(t, srv, "/backoffice/office/settle", url.Values{"merchantId": {merchant}, "transactionReference": {"LOST1"}})
	if got := current(); got != "600" {
		t.Errorf("after settling the 60: %s left, want 600", got)
	}
}

// TestOfficeRefundLeavesToCredit: the refund answer's newStatus TO_CREDIT
// is the transaction's status afterwards, and it stays refundable until
// nothing is left.
func TestOfficeRefundLeavesToCredit(t *testing.T) {
	srv := httptest.NewServer(New(nil))
	defer srv.Close()
	paySilently(t, srv, "CRED1", "1000", "")
	post(t, srv, "/backoffice/office/remit", url.Values{"merchantId": {merchant}, "transactionReference": {"CRED1"}})
	refund := func(amount int64) map[string]any {
		return officePost(t, srv, "/rs-services/v2/cashManagement/refund", sealed(map[string]any{"currencyCode": "978", "interfaceVersion": "CR_WS_2.55",
			"keyVersion": "1", "merchantId": merchant, "operationAmount": amount, "transactionReference": "CRED1"}, key))
	}
	diag := func() map[string]any {
		return officePost(t, srv, "/rs-services/v2/diagnostic/getTransactionData", sealed(map[string]any{"interfaceVersion": "DR_WS_2.55",
			"keyVersion": "1", "merchantId": merchant, "transactionReference": "CRED1"}, key))
	}
	if got := refund(300); got["responseCode"] != "00" || got["newStatus"] != "TO_CREDIT" || got["newAmount"] != json.Number("700") {
		t.Errorf("first refund: %v", got)
	}
	if d := diag(); d["transactionStatus"] != "TO_CREDIT" || d["remainingAmount"] != json.Number("700") {
		t.Errorf("after a partial refund: %v", d)
	}
	if got := refund(701); got["responseCode"] != "51" {
		t.Errorf("over-refund: %v", got)
	}
	if got := refund(700); got["responseCode"] != "00" || got["newStatus"] != "TO_CREDIT" || got["newAmount"] != json.Number("0") {
		t.Errorf("second refund: %v", got)
	}
	if got := refund(1); got["responseCode"] != "51" {
		t.Errorf("refund of nothing left: %v", got)
	}
}
