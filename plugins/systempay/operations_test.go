package systempay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payhost/payhost/plugins/systempay"
	"github.com/payhost/payhost/plugins/systempay/sandbox"
	"github.com/payhost/payhost/sdk/payment"
)

// lyra is the sandbox platform on loopback, with the demo shop.
type lyra struct {
	t    *testing.T
	base string
	cfg  payment.Config
}

var refs atomic.Int64

func newLyra(t *testing.T) *lyra {
	srv := httptest.NewServer(sandbox.New())
	t.Cleanup(srv.Close)
	return &lyra{t: t, base: srv.URL, cfg: payment.Config{
		"site_id": sandbox.Demo.SiteID, "key_test": sandbox.Demo.KeyTest, "key_production": sandbox.Demo.KeyProduction,
		"ctx_mode": "TEST", "signature_algorithm": systempay.HMACSHA256, "payment_url": srv.URL + "/vads-payment/",
		"rest_password_test": sandbox.DemoREST.PasswordTest, "rest_password_production": sandbox.DemoREST.PasswordProduction,
		"api_url": srv.URL + "/api-payment/"}}
}

func (l *lyra) backoffice(path string, v any) {
	l.t.Helper()
	b, _ := json.Marshal(v)
	resp, err := http.Post(l.base+"/backoffice/"+path, "application/json", bytes.NewReader(b))
	if err != nil || resp.StatusCode >= 300 {
		l.t.Fatalf("%s: %v %v", path, resp, err)
	}
	resp.Body.Close()
}

var actionRe = regexp.MustCompile(`action="page/([0-9a-f]+)"`)

// pay begins a session (10.00 EUR, the given validation mode), accepts it
// on the hosted page and returns the session with the uuid Lyra's Query
// reports (no IPN: the session has no notification URL).
func (l *lyra) pay(validation string) payment.Session {
	l.t.Helper()
	s := payment.Session{ID: "ps_op", Mode: systempay.ModeID, Reference: fmt.Sprintf("%06d", 100+refs.Add(1)), OrderRef: "order-77",
		Amount: 1000, Currency: "EUR", CreatedAt: time.Now()}
	cfg := l.config(func(c payment.Config) { c["validation_mode"] = validation })
	begin, err := systempay.New().Begin(context.Background(), payment.BeginRequest{Session: s, Config: cfg})
	if err != nil {
		l.t.Fatal(err)
	}
	f := url.Values{}
	for _, fl := range begin.Form.Fields {
		f.Set(fl.Name, fl.Value)
	}
	resp, err := http.PostForm(begin.Form.URL, f)
	if err != nil {
		l.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := actionRe.FindSubmatch(page)
	if m == nil {
		l.t.Fatalf("payment page: %s", page)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.PostForm(l.base+"/vads-payment/page/"+string(m[1]), url.Values{"choice": {"accept"}})
	if err != nil {
		l.t.Fatal(err)
	}
	resp.Body.Close()
	q, err := systempay.New().Query(context.Background(), payment.QueryRequest{Session: s, Config: l.cfg})
	if err != nil || q.Outcome.ProviderTransactionID == "" {
		l.t.Fatalf("query after paying: %+v %v", q.Outcome, err)
	}
	s.ProviderTransactionID = q.Outcome.ProviderTransactionID
	return s
}

func (l *lyra) config(edit func(payment.Config)) payment.Config {
	c := payment.Config{}
	for k, v := range l.cfg {
		c[k] = v
	}
	if edit != nil {
		edit(c)
	}
	return c
}

// credits lists the refunds Lyra holds for a payment.
func (l *lyra) credits(uuid string) []struct {
	UUID           string `json:"uuid"`
	Amount         int64  `json:"amount"`
	DetailedStatus string `json:"detailedStatus"`
} {
	l.t.Helper()
	resp, err := http.Get(l.base + "/backoffice/rest/transactions?parent=" + uuid)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []struct {
		UUID           string `json:"uuid"`
		Amount         int64  `json:"amount"`
		DetailedStatus string `json:"detailedStatus"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return out
}

func (l *lyra) query(s payment.Session) payment.Outcome {
	l.t.Helper()
	q, err := systempay.New().Query(context.Background(), payment.QueryRequest{Session: s, Config: l.cfg})
	if err != nil {
		l.t.Fatal(err)
	}
	return q.Outcome
}

func refund(cfg payment.Config, s payment.Session, amount int64, h payment.OperationHistory) (payment.OperationResponse, error) {
	if h.Attempt == 0 {
		h.Attempt = 1
	}
	return systempay.New().Refund(context.Background(), payment.RefundRequest{Session: s, Config: cfg, OperationID: "op_" + fmt.Sprint(refs.Add(1)), Amount: amount, OperationHistory: h})
}

// unknown reports an outcome nobody knows: no usable answer (an error the
// host records as unknown) or an answer saying nothing definite.
func unknown(r payment.OperationResponse, err error) bool {
	if err != nil {
		return payment.ErrorCode(err) == payment.CodeProviderUnavailable || payment.ErrorCode(err) == payment.CodeTimeout
	}
	return r.Status == payment.OperationUnknown
}

func wantStatus(t *testing.T, what string, r payment.OperationResponse, err error, want payment.OperationStatus) {
	t.Helper()
	if err != nil || r.Status != want {
		t.Fatalf("%s: %+v, %v; want %s", what, r, err, want)
	}
}

func TestRESTAuthorizationHeader(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		w.Write([]byte(`{"status":"ERROR","answer":{"errorCode":"PSP_010","errorMessage":"transaction not found"}}`))
	}))
	defer srv.Close()
	cfg := payment.Config{"site_id": "69876357", "ctx_mode": "TEST", "rest_password_test": "testpassword_DEMOPRIVATEKEY23G4475zXZQ2UA5x7M", "api_url": srv.URL}
	s := payment.Session{Currency: "EUR", ProviderTransactionID: "c97b7e6f3dbc4c239baf283654f34710"}
	r, err := systempay.New().Refund(context.Background(), payment.RefundRequest{Session: s, Config: cfg, Amount: 100, OperationHistory: payment.OperationHistory{Attempt: 1}})
	// Lyra's documentation: the authentication page's example.
	if want := "Basic Njk4NzYzNTc6dGVzdHBhc3N3b3JkX0RFTU9QUklWQVRFS0VZMjNHNDQ3NXpYWlEyVUE1eDdN"; got != want {
		t.Errorf("Authorization %q, want %q", got, want)
	}
	if err != nil || r.Status != payment.OperationFailed || r.ResponseCode != "PSP_010" || strings.Contains(r.ResponseMessage, "testpassword") {
		t.Errorf("unknown transaction: %+v %v", r, err)
	}
}

// TestRefunds: before the remittance a refund is a cancellation (part of
// it lowers the amount); after it, each refund is a CREDIT, several up to
// the captured amount.
func TestRefunds(t *testing.T) {
	l := newLyra(t)
	t.Run("before capture", func(t *testing.T) {
		s := l.pay("")
		r, err := refund(l.cfg, s, 300, payment.OperationHistory{})
		wantStatus(t, "partial", r, err, payment.OperationSucceeded)
		if o := l.query(s); o.Amount != 700 || o.Status != payment.StatusPaid {
			t.Errorf("after a partial refund before capture: %+v", o)
		}
		r, err = refund(l.cfg, s, 800, payment.OperationHistory{})
		wantStatus(t, "more than is left", r, err, payment.OperationFailed)
		r, err = refund(l.cfg, s, 700, payment.OperationHistory{})
		wantStatus(t, "the rest", r, err, payment.OperationSucceeded)
		if o := l.query(s); o.Status != payment.StatusCancelled || o.ResponseCode != "CANCELLED" {
			t.Errorf("after refunding the rest before capture: %+v", o)
		}
		if c := l.credits(s.ProviderTransactionID); len(c) != 0 {
			t.Errorf("credits before capture: %+v", c)
		}
	})
	t.Run("after capture", func(t *testing.T) {
		s := l.pay("")
		l.backoffice("rest/capture-batch", nil)
		r, err := refund(l.cfg, s, 300, payment.OperationHistory{})
		wantStatus(t, "first partial", r, err, payment.OperationSucceeded)
		if r.ProviderOperationID == s.ProviderTransactionID || len(r.ProviderOperationID) != 32 {
			t.Errorf("the CREDIT's uuid: %q", r.ProviderOperationID)
		}
		r, err = refund(l.cfg, s, 200, payment.OperationHistory{})
		wantStatus(t, "second partial", r, err, payment.OperationSucceeded)
		r, err = refund(l.cfg, s, 600, payment.OperationHistory{})
		wantStatus(t, "over-refund", r, err, payment.OperationFailed)
		if r.ResponseCode != "PSP_020" {
			t.Errorf("over-refund code %s", r.ResponseCode)
		}
		r, err = refund(l.cfg, s, 500, payment.OperationHistory{})
		wantStatus(t, "the rest", r, err, payment.OperationSucceeded)
		if c := l.credits(s.ProviderTransactionID); len(c) != 3 {
			t.Errorf("credits %+v", c)
		}
	})
	t.Run("pending then settled", func(t *testing.T) {
		s := l.pay("")
		l.backoffice("rest/capture-batch", nil)
		l.backoffice("rest/faults", sandbox.Fault{Service: "Transaction/CancelOrRefund", Fault: sandbox.FaultRunning})
		r, err := refund(l.cfg, s, 400, payment.OperationHistory{})
		wantStatus(t, "under verification", r, err, payment.OperationPending)
		poll := payment.OperationHistory{Attempt: 2, ProviderOperationID: r.ProviderOperationID}
		again, err := refund(l.cfg, s, 400, poll)
		wantStatus(t, "still under verification", again, err, payment.OperationPending)
		l.backoffice("rest/transactions/"+r.ProviderOperationID+"/settle", map[string]string{"detailed_status": "CAPTURED"})
		again, err = refund(l.cfg, s, 400, poll)
		wantStatus(t, "settled", again, err, payment.OperationSucceeded)
		if c := l.credits(s.ProviderTransactionID); len(c) != 1 {
			t.Errorf("polling refunded again: %+v", c)
		}
	})
}

// TestRefundRetries: an answer lost after Lyra refunded is found on the
// retry and not refunded again; an attempt Lyra never applied is sent
// again; what cannot be told apart stays unknown.
func TestRefundRetries(t *testing.T) {
	l := newLyra(t)
	captured := func() payment.Session {
		s := l.pay("")
		l.backoffice("rest/capture-batch", nil)
		return s
	}
	t.Run("answer lost after the refund", func(t *testing.T) {
		s := captured()
		first, err := refund(l.cfg, s, 250, payment.OperationHistory{})
		wantStatus(t, "first refund", first, err, payment.OperationSucceeded)
		l.backoffice("rest/faults", sandbox.Fault{Service: "Transaction/CancelOrRefund", Fault: sandbox.FaultDrop})
		_, err = refund(l.cfg, s, 300, payment.OperationHistory{})
		if payment.ErrorCode(err) != payment.CodeProviderUnavailable {
			t.Fatalf("lost answer: %v, want provider_unavailable (unknown)", err)
		}
		others := []payment.OperationRecord{{ID: "op_a", Kind: "refund", Amount: 250, Status: "succeeded", ProviderOperationID: first.ProviderOperationID}}
		r, err := refund(l.cfg, s, 300, payment.OperationHistory{Attempt: 2, Operations: others})
		wantStatus(t, "retry", r, err, payment.OperationSucceeded)
		if c := l.credits(s.ProviderTransactionID); len(c) != 2 || r.ProviderOperationID == first.ProviderOperationID {
			t.Errorf("credits after the retry %+v, adopted %s", c, r.ProviderOperationID)
		}
	})
	t.Run("timeout after the refund", func(t *testing.T) {
		s := captured()
		l.backoffice("rest/faults", sandbox.Fault{Service: "Transaction/CancelOrRefund", Fault: sandbox.FaultSlow, DelayMS: 2000})
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := systempay.New().Refund(ctx, payment.RefundRequest{Session: s, Config: l.cfg, OperationID: "op_slow", Amount: 300,
			OperationHistory: payment.OperationHistory{Attempt: 1}})
		if payment.ErrorCode(err) != payment.CodeTimeout {
			t.Fatalf("timeout: %v, want timeout (unknown)", err)
		}
		r, err := refund(l.cfg, s, 300, payment.OperationHistory{Attempt: 2})
		wantStatus(t, "retry", r, err, payment.OperationSucceeded)
		if c := l.credits(s.ProviderTransactionID); len(c) != 1 {
			t.Errorf("credits %+v", c)
		}
	})
	t.Run("attempt never applied", func(t *testing.T) {
		s := captured()
		l.backoffice("rest/faults", sandbox.Fault{Service: "Transaction/CancelOrRefund", Fault: sandbox.FaultUnavailable})
		if _, err := refund(l.cfg, s, 300, payment.OperationHistory{}); payment.ErrorCode(err) != payment.CodeProviderUnavailable {
			t.Fatalf("502: %v", err)
		}
		r, err := refund(l.cfg, s, 300, payment.OperationHistory{Attempt: 2})
		wantStatus(t, "retry", r, err, payment.OperationSucceeded)
		if c := l.credits(s.ProviderTransactionID); len(c) != 1 || c[0].Amount != 300 {
			t.Errorf("credits %+v", c)
		}
	})
	t.Run("lost before capture", func(t *testing.T) {
		s := l.pay("")
		l.backoffice("rest/faults", sandbox.Fault{Service: "Transaction/Update", Fault: sandbox.FaultDrop})
		if _, err := refund(l.cfg, s, 300, payment.OperationHistory{}); payment.ErrorCode(err) != payment.CodeProviderUnavailable {
			t.Fatalf("lost answer: %v", err)
		}
		r, err := refund(l.cfg, s, 300, payment.OperationHistory{Attempt: 2})
		wantStatus(t, "retry", r, err, payment.OperationSucceeded)
		if o := l.query(s); o.Amount != 700 {
			t.Errorf("lowered twice: %+v", o)
		}
	})
	t.Run("a refund the host does not know of", func(t *testing.T) {
		s := captured()
		// Made in the back office: Lyra has taken back 100 the host never heard of.
		if r, err := refund(l.cfg, s, 100, payment.OperationHistory{}); err != nil || r.Status != payment.OperationSucceeded {
			t.Fatal(r, err)
		}
		l.backoffice("rest/faults", sandbox.Fault{Service: "Transaction/CancelOrRefund", Fault: sandbox.FaultUnavailable})
		refund(l.cfg, s, 300, payment.OperationHistory{})
		r, err := refund(l.cfg, s, 300, payment.OperationHistory{Attempt: 2})
		if !unknown(r, err) || !strings.Contains(r.ResponseMessage, "cannot be told") {
			t.Errorf("ambiguous retry: %+v %v", r, err)
		}
		if c := l.credits(s.ProviderTransactionID); len(c) != 1 {
			t.Errorf("credits %+v", c)
		}
	})
}

func TestOperationFailures(t *testing.T) {
	l := newLyra(t)
	s := l.pay("")
	l.backoffice("rest/capture-batch", nil)
	other := s
	other.ProviderTransactionID = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name  string
		cfg   payment.Config
		s     payment.Session
		fault *sandbox.Fault
		code  string // the failed answer's code; "" for an unknown outcome (an error)
	}{
		{"wrong password", l.config(func(c payment.Config) { c["rest_password_test"] = "testpassword_wrong" }), s, nil, "INT_905"},
		{"wrong shop", l.config(func(c payment.Config) { c["site_id"] = "11111111" }), s, nil, "INT_905"},
		{"wrong environment", l.config(func(c payment.Config) { c["ctx_mode"] = "PRODUCTION" }), s, nil, "INT_905"},
		{"unknown transaction", l.cfg, other, nil, "PSP_010"},
		{"undocumented error code", l.cfg, s, &sandbox.Fault{Service: "Transaction/CancelOrRefund", Fault: sandbox.FaultError, Code: "PSP_999"}, ""},
		{"documented error code", l.cfg, s, &sandbox.Fault{Service: "Transaction/CancelOrRefund", Fault: sandbox.FaultError, Code: "PSP_043"}, "PSP_043"},
		{"platform unavailable", l.cfg, s, &sandbox.Fault{Service: "Transaction/Get", Fault: sandbox.FaultUnavailable}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != nil {
				l.backoffice("rest/faults", tc.fault)
			}
			r, err := refund(tc.cfg, tc.s, 100, payment.OperationHistory{})
			if tc.code == "" {
				if !unknown(r, err) {
					t.Errorf("%+v, %v; want an unknown outcome", r, err)
				}
				return
			}
			if err != nil || r.Status != payment.OperationFailed || r.ResponseCode != tc.code {
				t.Errorf("%+v, %v; want failed %s", r, err, tc.code)
			}
		})
	}
	// An INT_905 answered with HTTP 200 reads the same.
	l.backoffice("rest/keys", sandbox.RESTKeys{SiteID: sandbox.Demo.SiteID, PasswordTest: sandbox.DemoREST.PasswordTest, AuthFailureStatus: 200})
	r, err := refund(l.config(func(c payment.Config) { c["rest_password_test"] = "testpassword_wrong" }), s, 100, payment.OperationHistory{})
	if err != nil || r.Status != payment.OperationFailed || r.ResponseCode != "INT_905" {
		t.Errorf("INT_905 with HTTP 200: %+v %v", r, err)
	}
	if c := l.credits(s.ProviderTransactionID); len(c) != 0 {
		t.Errorf("a failure refunded: %+v", c)
	}
}

func TestCaptureAndCancel(t *testing.T) {
	l := newLyra(t)
	p := systempay.New()
	ctx := context.Background()
	capture := func(s payment.Session, amount int64) (payment.OperationResponse, error) {
		return p.Capture(ctx, payment.CaptureRequest{Session: s, Config: l.cfg, OperationID: "op_c", Amount: amount, OperationHistory: payment.OperationHistory{Attempt: 1}})
	}
	cancel := func(s payment.Session) (payment.OperationResponse, error) {
		return p.Cancel(ctx, payment.CancelRequest{Session: s, Config: l.cfg, OperationID: "op_x", OperationHistory: payment.OperationHistory{Attempt: 1}})
	}
	s := l.pay("1")
	if o := l.query(s); o.Status != payment.StatusAuthorized {
		t.Fatalf("waiting for validation: %+v", o)
	}
	r, err := capture(s, 1000)
	wantStatus(t, "capture", r, err, payment.OperationSucceeded)
	r, err = capture(s, 1000)
	wantStatus(t, "capture again (a retry)", r, err, payment.OperationSucceeded)
	if o := l.query(s); o.Status != payment.StatusPaid {
		t.Errorf("after the capture: %+v", o)
	}
	r, err = cancel(s)
	wantStatus(t, "cancel a validated, uncaptured payment", r, err, payment.OperationSucceeded)
	l.backoffice("rest/capture-batch", nil)

	partial := l.pay("1")
	r, err = capture(partial, 600)
	wantStatus(t, "partial capture", r, err, payment.OperationSucceeded)
	if o := l.query(partial); o.Status != payment.StatusPaid || o.Amount != 600 {
		t.Errorf("after a partial capture: %+v", o)
	}
	r, err = capture(partial, 1000)
	wantStatus(t, "capture more than validated", r, err, payment.OperationFailed)

	authorized := l.pay("1")
	r, err = cancel(authorized)
	wantStatus(t, "cancel", r, err, payment.OperationSucceeded)
	r, err = cancel(authorized)
	wantStatus(t, "cancel again", r, err, payment.OperationSucceeded)
	r, err = capture(authorized, 1000)
	wantStatus(t, "capture a cancelled payment", r, err, payment.OperationFailed)
	if o := l.query(authorized); o.Status != payment.StatusCancelled {
		t.Errorf("after the cancel: %+v", o)
	}

	captured := l.pay("")
	l.backoffice("rest/capture-batch", nil)
	r, err = cancel(captured)
	wantStatus(t, "cancel a captured payment", r, err, payment.OperationFailed)

	nothing := payment.Session{Reference: "000999", OrderRef: "order-77", Currency: "EUR", CreatedAt: time.Now()}
	r, err = cancel(nothing)
	wantStatus(t, "cancel before any payment", r, err, payment.OperationFailed)
}

func TestQuery(t *testing.T) {
	l := newLyra(t)
	s := l.pay("")
	byOrder := s
	byOrder.ProviderTransactionID = ""
	for name, sess := range map[string]payment.Session{"by uuid": s, "by order and trans id": byOrder} {
		o := l.query(sess)
		if !o.Verified || o.Status != payment.StatusPaid || o.Amount != 1000 || o.Currency != "EUR" || o.Reference != s.Reference ||
			o.ProviderTransactionID != s.ProviderTransactionID {
			t.Errorf("%s: %+v", name, o)
		}
	}
	unpaid := payment.Session{Reference: "000998", OrderRef: "order-77", Currency: "EUR", CreatedAt: time.Now()}
	if o := l.query(unpaid); !o.Verified || o.Status != payment.StatusUnknown {
		t.Errorf("no payment yet: %+v", o)
	}
	if _, err := systempay.New().Query(context.Background(), payment.QueryRequest{Session: s,
		Config: l.config(func(c payment.Config) { c["rest_password_test"] = "testpassword_wrong" })}); payment.ErrorCode(err) != payment.CodeInvalidConfig {
		t.Errorf("wrong password: %v", err)
	}
}

func TestWithoutRESTPassword(t *testing.T) {
	l := newLyra(t)
	cfg := l.config(func(c payment.Config) { delete(c, "rest_password_test") })
	resp, err := systempay.New().ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: systempay.ModeID, Config: cfg})
	if err != nil || len(resp.Problems) != 0 || len(resp.Unsupported) != 6 || !strings.Contains(resp.Unsupported[0].Reason, "rest_password_test") {
		t.Errorf("no TEST password: %+v %v", resp, err)
	}
	resp, _ = systempay.New().ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: systempay.ModeID, Config: l.cfg})
	if len(resp.Unsupported) != 0 || len(resp.Problems) != 0 {
		t.Errorf("full configuration: %+v", resp)
	}
	// In PRODUCTION only the production password counts.
	prod := l.config(func(c payment.Config) { c["ctx_mode"] = "PRODUCTION"; delete(c, "rest_password_production") })
	resp, _ = systempay.New().ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: systempay.ModeID, Config: prod})
	if len(resp.Unsupported) != 6 || !strings.Contains(resp.Unsupported[0].Reason, "rest_password_production") {
		t.Errorf("no PRODUCTION password: %+v", resp)
	}
	bad := l.config(func(c payment.Config) {
		c["rest_password_test"] = "prodpassword_x"
		c["rest_password_production"] = "testpassword_x"
		c["api_url"] = "http://api.example/"
	})
	resp, _ = systempay.New().ValidateConfig(context.Background(), payment.ValidateConfigRequest{Mode: systempay.ModeID, Config: bad})
	if len(resp.Problems) != 3 {
		t.Errorf("swapped passwords, plain http: %+v", resp.Problems)
	}
	if _, err := systempay.New().Refund(context.Background(), payment.RefundRequest{Config: cfg, Amount: 1}); payment.ErrorCode(err) != payment.CodeUnsupported {
		t.Errorf("refund without a password: %v", err)
	}
}

// TestUnusableAnswers: whatever is not Lyra's envelope about the asked
// transaction leaves the outcome unknown (the janitor asks again), never
// succeeded nor failed.
func TestUnusableAnswers(t *testing.T) {
	const uuid = "c97b7e6f3dbc4c239baf283654f34710"
	captured := `{"status":"SUCCESS","answer":{"shopId":"69876357","uuid":"` + uuid + `","amount":1000,"currency":"EUR","status":"PAID","detailedStatus":"CAPTURED","operationType":"DEBIT"}}`
	tests := []struct {
		name        string
		status      int
		get, refund string
	}{
		{"HTTP 500", 500, `{"status":"ERROR","answer":{"errorCode":"PSP_010"}}`, ""},
		{"HTTP 302", 302, "", ""},
		{"not JSON", 200, "<html>maintenance</html>", ""},
		{"ERROR without a code", 200, `{"status":"ERROR","answer":{}}`, ""},
		{"SUCCESS with HTTP 401", 401, captured, ""},
		{"another transaction", 200, strings.Replace(captured, uuid, "00000000000000000000000000000000", 1), ""},
		{"another shop's payment", 200, strings.Replace(captured, "69876357", "11111111", 1), ""},
		{"a refund of another amount", 200, captured, `{"status":"SUCCESS","answer":{"uuid":"d97b7e6f3dbc4c239baf283654f34710","amount":999,"currency":"EUR","status":"PAID","detailedStatus":"AUTHORISED","operationType":"CREDIT","transactionDetails":{"parentTransactionUuid":"` + uuid + `"}}}`},
		{"a refund of another payment", 200, captured, `{"status":"SUCCESS","answer":{"uuid":"d97b7e6f3dbc4c239baf283654f34710","amount":100,"currency":"EUR","status":"PAID","detailedStatus":"AUTHORISED","operationType":"CREDIT","transactionDetails":{"parentTransactionUuid":"x"}}}`},
		{"a refund in an undocumented state", 200, captured, `{"status":"SUCCESS","answer":{"uuid":"d97b7e6f3dbc4c239baf283654f34710","amount":100,"currency":"EUR","status":"PAID","detailedStatus":"TELEPORTED","operationType":"CREDIT","transactionDetails":{"parentTransactionUuid":"` + uuid + `"}}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := tc.get
				if strings.HasSuffix(r.URL.Path, "/CancelOrRefund") {
					body = tc.refund
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(body))
			}))
			defer srv.Close()
			cfg := payment.Config{"site_id": "69876357", "ctx_mode": "TEST", "rest_password_test": "testpassword_x", "api_url": srv.URL}
			s := payment.Session{Currency: "EUR", Amount: 1000, ProviderTransactionID: uuid}
			r, err := systempay.New().Refund(context.Background(), payment.RefundRequest{Session: s, Config: cfg, Amount: 100, OperationHistory: payment.OperationHistory{Attempt: 1}})
			if !unknown(r, err) {
				t.Errorf("%+v, %v; want no answer", r, err)
			}
		})
	}
}

// TestRetryLookupRefused: on a retry the plugin first reads the payment; a
// definite refusal of that read says nothing about the earlier attempt,
// which may have been applied, so the outcome stays unknown (never failed).
func TestRetryLookupRefused(t *testing.T) {
	l := newLyra(t)
	p := systempay.New()
	ctx := context.Background()
	retry := payment.OperationHistory{Attempt: 2}
	tests := []struct {
		name       string
		validation string
		captured   bool
		service    string // the call whose answer is lost
		op         func(s payment.Session, h payment.OperationHistory) (payment.OperationResponse, error)
	}{
		{"refund", "", true, "Transaction/CancelOrRefund", func(s payment.Session, h payment.OperationHistory) (payment.OperationResponse, error) {
			return refund(l.cfg, s, 300, h)
		}},
		{"refund before capture", "", false, "Transaction/Update", func(s payment.Session, h payment.OperationHistory) (payment.OperationResponse, error) {
			return refund(l.cfg, s, 300, h)
		}},
		{"capture", "1", false, "Transaction/Validate", func(s payment.Session, h payment.OperationHistory) (payment.OperationResponse, error) {
			return p.Capture(ctx, payment.CaptureRequest{Session: s, Config: l.cfg, OperationID: "op_c", Amount: 1000, OperationHistory: h})
		}},
		{"cancel", "1", false, "Transaction/CancelOrRefund", func(s payment.Session, h payment.OperationHistory) (payment.OperationResponse, error) {
			return p.Cancel(ctx, payment.CancelRequest{Session: s, Config: l.cfg, OperationID: "op_x", OperationHistory: h})
		}},
	}
	for _, tc := range tests {
		for _, code := range []string{"PSP_001", "PSP_010", "INT_905"} {
			t.Run(tc.name+" "+code, func(t *testing.T) {
				s := l.pay(tc.validation)
				if tc.captured {
					l.backoffice("rest/capture-batch", nil)
				}
				l.backoffice("rest/faults", sandbox.Fault{Service: tc.service, Fault: sandbox.FaultDrop})
				if _, err := tc.op(s, payment.OperationHistory{Attempt: 1}); err == nil {
					t.Fatal("no error for a lost answer")
				}
				l.backoffice("rest/faults", sandbox.Fault{Service: "Transaction/Get", Fault: sandbox.FaultError, Code: code})
				r, err := tc.op(s, retry)
				if !unknown(r, err) {
					t.Errorf("retry with a refused look-up: %+v %v; want unknown", r, err)
				}
				// Once Lyra answers, the retry finds the earlier attempt made.
				r, err = tc.op(s, retry)
				wantStatus(t, "retry", r, err, payment.OperationSucceeded)
				if c := l.credits(s.ProviderTransactionID); tc.captured && len(c) != 1 {
					t.Errorf("credits %+v", c)
				}
			})
		}
	}
	t.Run("pending refund polled", func(t *testing.T) {
		s := l.pay("")
		l.backoffice("rest/capture-batch", nil)
		l.backoffice("rest/faults", sandbox.Fault{Service: "Transaction/CancelOrRefund", Fault: sandbox.FaultRunning})
		r, err := refund(l.cfg, s, 400, payment.OperationHistory{})
		wantStatus(t, "under verification", r, err, payment.OperationPending)
		l.backoffice("rest/faults", sandbox.Fault{Service: "Transaction/Get", Fault: sandbox.FaultError, Code: "PSP_010"})
		again, err := refund(l.cfg, s, 400, payment.OperationHistory{Attempt: 2, ProviderOperationID: r.ProviderOperationID})
		if !unknown(again, err) {
			t.Errorf("poll refused: %+v %v; want unknown", again, err)
		}
	})
}
