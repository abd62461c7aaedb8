package mercanet

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/payhost/payhost/sdk/payment"
)

// TestOfficeSealSamples reproduces the Office seal samples of the
// provider sheet (testdata/office_seals.json says where each comes from).
func TestOfficeSealSamples(t *testing.T) {
	raw, err := os.ReadFile("testdata/office_seals.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Key     string `json:"key"`
		Samples []struct {
			Name    string          `json:"name"`
			Message json.RawMessage `json:"message"`
			Seal    string          `json:"seal"`
		} `json:"samples"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Samples) < 4 {
		t.Fatalf("%d samples", len(file.Samples))
	}
	for _, s := range file.Samples {
		t.Run(s.Name, func(t *testing.T) {
			var msg map[string]any
			dec := json.NewDecoder(bytes.NewReader(s.Message))
			dec.UseNumber()
			if err := dec.Decode(&msg); err != nil {
				t.Fatal(err)
			}
			if got := SealOffice(msg, file.Key); got != s.Seal {
				t.Errorf("seal %s, want %s", got, s.Seal)
			}
			msg["seal"] = strings.ToUpper(s.Seal)
			b, _ := json.Marshal(msg)
			if _, err := verifyOfficeAnswer(b, file.Key); err != nil {
				t.Errorf("its own seal (upper-case hex) does not verify: %v", err)
			}
			msg["seal"] = s.Seal
			msg["zzExtra"] = "x" // a field the plugin does not know is sealed too
			b, _ = json.Marshal(msg)
			if _, err := verifyOfficeAnswer(b, file.Key); payment.ErrorCode(err) != payment.CodeInvalidSignature {
				t.Errorf("an added field kept the seal valid: %v", err)
			}
		})
	}
	// Nested objects and lists contribute their values at the parent's place.
	nested := map[string]any{"b": map[string]any{"z": "1", "a": json.Number("2")}, "a": []any{"x", "y"}, "c": nil, "keyVersion": "1"}
	if got, want := SealOffice(nested, "k"), SealJSON(map[string]string{"a": "xy", "b": "21"}, "k"); got != want {
		t.Errorf("nested seal %s, want %s", got, want)
	}
}

// recorder is an Office server that records request bodies and answers
// what the test asks, sealed with the test key unless told otherwise.
type recorder struct {
	mu     sync.Mutex
	bodies []map[string]any
	answer func(path string, req map[string]any) map[string]any
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var req map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.Decode(&req)
	rec.mu.Lock()
	rec.bodies = append(rec.bodies, req)
	rec.mu.Unlock()
	out := rec.answer(r.URL.Path, req)
	if out["seal"] == nil {
		out["seal"] = SealOffice(out, testKey)
	} else if out["seal"] == "" {
		delete(out, "seal")
	}
	json.NewEncoder(w).Encode(out)
}

func officeConfig(url string) payment.Config {
	cfg := config(SealSHA256)
	cfg[keyEnvironment] = url
	cfg[keyOffice] = "true"
	return cfg
}

// TestRequestsMatchTheSheet: the diagnostic request of the sheet's sample
// is sent byte for byte; a refund carries the sheet's fields, sealed by
// the rule (expected seal computed independently with Python's hmac).
func TestRequestsMatchTheSheet(t *testing.T) {
	rec := &recorder{answer: func(path string, req map[string]any) map[string]any {
		if strings.HasSuffix(path, "getTransactionData") {
			return map[string]any{"getTransDataResponseCode": "00", "transactionStatus": "CAPTURED", "currentAmount": json.Number("5000"), "originAmount": json.Number("5000")}
		}
		return map[string]any{"responseCode": "00"}
	}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	s := session()
	s.Reference, s.Amount = "TREFA1B2C3", 5000
	resp, err := New(nil).Refund(context.Background(), payment.RefundRequest{Session: s, Config: officeConfig(srv.URL), Amount: 1000})
	if err != nil || resp.Status != payment.OperationSucceeded {
		t.Fatalf("refund = %+v, %v", resp, err)
	}
	if len(rec.bodies) != 2 {
		t.Fatalf("%d requests", len(rec.bodies))
	}
	wantDiag := `{"interfaceVersion":"DR_WS_2.55","keyVersion":"1","merchantId":"211000021310001","seal":"7665f3e96bdd380d876b28457c383570818aa58e3ddbdd393bcf1eb4e1b3f28f","transactionReference":"TREFA1B2C3"}`
	if got, _ := json.Marshal(rec.bodies[0]); string(got) != wantDiag {
		t.Errorf("diagnostic request\n got %s\nwant %s", got, wantDiag)
	}
	wantRefund := `{"currencyCode":"978","interfaceVersion":"CR_WS_2.55","keyVersion":"1","merchantId":"211000021310001","operationAmount":1000,"seal":"7f0b13c3fa6a8e4cd65c44fbf383d78657845daf9ae2fa4ca508ab2da7eadf2f","transactionReference":"TREFA1B2C3"}`
	if got, _ := json.Marshal(rec.bodies[1]); string(got) != wantRefund {
		t.Errorf("refund request\n got %s\nwant %s", got, wantRefund)
	}
}

// TestOfficeResponseCodes: every documented responseCode of a refund is
// mapped; 90, 99, undocumented codes and untrusted answers are unknown
// (an error), never success.
func TestOfficeResponseCodes(t *testing.T) {
	tests := []struct {
		code   string
		noSeal bool
		status payment.OperationStatus
		err    payment.Code
	}{
		{code: "00", status: payment.OperationSucceeded},
		{code: "60", status: payment.OperationPending},
		{code: "90", err: payment.CodeProviderUnavailable},
		{code: "99", err: payment.CodeProviderUnavailable},
		{code: "42", err: payment.CodeProviderUnavailable},
		{code: "", err: payment.CodeProviderUnavailable},
		{code: "00", noSeal: true, err: payment.CodeInvalidSignature},
	}
	for _, c := range []string{"24", "25", "12", "30", "34", "40", "51", "03", "05", "94", "02", "14", "17", "54", "63", "75", "97"} {
		tests = append(tests, struct {
			code   string
			noSeal bool
			status payment.OperationStatus
			err    payment.Code
		}{code: c, status: payment.OperationFailed})
	}
	for _, tc := range tests {
		rec := &recorder{answer: func(path string, req map[string]any) map[string]any {
			if strings.HasSuffix(path, "getTransactionData") {
				return map[string]any{"getTransDataResponseCode": "00", "transactionStatus": "CAPTURED", "currentAmount": json.Number("1999")}
			}
			out := map[string]any{"responseCode": tc.code, "errorFieldName": "operationAmount"}
			if tc.noSeal {
				out["seal"] = ""
			}
			return out
		}}
		srv := httptest.NewServer(rec)
		resp, err := New(nil).Refund(context.Background(), payment.RefundRequest{Session: session(), Config: officeConfig(srv.URL), Amount: 500})
		srv.Close()
		if payment.ErrorCode(err) != tc.err || resp.Status != tc.status {
			t.Errorf("responseCode %q (no seal %v) = %+v, %v; want %q / %q", tc.code, tc.noSeal, resp, err, tc.status, tc.err)
		}
		if err == nil && (resp.ResponseCode != tc.code || resp.ResponseMessage == "") {
			t.Errorf("responseCode %q: %+v", tc.code, resp)
		}
	}
}

// TestWithheldWithoutOffice: a configuration without an Office server
// takes payments but withholds the operations, saying why.
func TestWithheldWithoutOffice(t *testing.T) {
	tests := []struct {
		name, key, value, reason string
	}{
		{"office enabled, sandbox URL", keyEnvironment, "http://127.0.0.1:9/mercanet", ""},
		{"office disabled", keyOffice, "false", "no Office server option"},
		{"simu environment", keyEnvironment, "simu", "simu environment has no Office server"},
	}
	for _, tc := range tests {
		cfg := officeConfig("http://127.0.0.1:9/mercanet")
		cfg[tc.key] = tc.value
		resp, err := New(nil).ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: ModeID, Config: cfg})
		if err != nil || len(resp.Problems) != 0 {
			t.Fatalf("%s: %+v, %v", tc.name, resp, err)
		}
		if tc.reason == "" {
			if len(resp.Unsupported) != 0 {
				t.Errorf("%s: withheld %+v", tc.name, resp.Unsupported)
			}
			continue
		}
		if len(resp.Unsupported) != 4 || !strings.Contains(resp.Unsupported[0].Reason, tc.reason) {
			t.Errorf("%s: withheld %+v", tc.name, resp.Unsupported)
		}
		_, err = New(nil).Refund(context.Background(), payment.RefundRequest{Session: session(), Config: cfg, Amount: 1})
		if payment.ErrorCode(err) != payment.CodeUnsupported {
			t.Errorf("%s: refund %v", tc.name, err)
		}
	}
	cfg := officeConfig("http://127.0.0.1:9/mercanet")
	cfg[keyOfficeKeyVersion] = "2"
	if resp, _ := New(nil).ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: ModeID, Config: cfg}); len(resp.Problems) != 1 {
		t.Errorf("office_key_version without office_secret_key: %+v", resp)
	}
}

// TestCreditStatuses: after a refund the Office reports TO_CREDIT (the
// sheet's newStatus) or CREDITED whether part or all was refunded. Query
// leaves the session as it is (the host settles refunds one by one), and a
// further refund is sent, for the Office to accept or refuse (24, 51).
func TestCreditStatuses(t *testing.T) {
	tests := []struct {
		status     string
		wantStatus payment.Status
	}{
		{"CAPTURED", payment.StatusPaid},
		{"TO_CREDIT", payment.StatusUnknown},
		{"CREDITED", payment.StatusUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.status, func(t *testing.T) {
			rec := &recorder{answer: func(path string, req map[string]any) map[string]any {
				if strings.HasSuffix(path, "getTransactionData") {
					return map[string]any{"getTransDataResponseCode": "00", "transactionStatus": tc.status, "originAmount": json.Number("2000"),
						"currentAmount": json.Number("1500"), "remainingAmount": json.Number("1500"), "currencyCode": "978"}
				}
				return map[string]any{"responseCode": "00", "newStatus": "TO_CREDIT", "newAmount": json.Number("1000")}
			}}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			q, err := New(nil).Query(context.Background(), payment.QueryRequest{Session: session(), Config: officeConfig(srv.URL)})
			if err != nil || q.Outcome.Status != tc.wantStatus || !strings.Contains(q.Outcome.ResponseMessage, tc.status) {
				t.Errorf("query = %+v, %v; want status %q", q.Outcome, err, tc.wantStatus)
			}
			r, err := New(nil).Refund(context.Background(), payment.RefundRequest{Session: session(), Config: officeConfig(srv.URL), Amount: 500,
				OperationHistory: payment.OperationHistory{Attempt: 1}})
			if err != nil || r.Status != payment.OperationSucceeded {
				t.Errorf("refund = %+v, %v", r, err)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if n := len(rec.bodies); n != 3 {
				t.Errorf("%d requests, want the query, the diagnostic and the refund", n)
			}
		})
	}
}
