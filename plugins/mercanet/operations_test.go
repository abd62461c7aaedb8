package mercanet_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/payhost/payhost/plugins/mercanet"
	"github.com/payhost/payhost/plugins/mercanet/sandbox"
	"github.com/payhost/payhost/sdk/payment"
)

const (
	testMerchant = "211000021310001"
	testKey      = "S9i8qClCnb2CZU3y3Vn0toIOgz3z_aBi79akR30vM9o"
)

var pageToken = regexp.MustCompile(`action="page/([0-9a-f]+)"`)

// office runs the plugin's operations against the sandbox's Office server.
type office struct {
	t   *testing.T
	srv *httptest.Server
	p   *mercanet.Provider
	cfg payment.Config
}

func newOffice(t *testing.T) *office {
	srv := httptest.NewServer(sandbox.New(nil))
	t.Cleanup(srv.Close)
	cfg := payment.Config{"merchant_id": testMerchant, "secret_key": testKey, "key_version": "1", "seal_algorithm": mercanet.SealSHA256,
		"interface_version": "HP_2.20", "environment": srv.URL, "capture_mode": mercanet.CaptureAuthor, "office": "true"}
	return &office{t: t, srv: srv, p: mercanet.New(nil), cfg: cfg}
}

func (o *office) post(path string, form url.Values) string {
	o.t.Helper()
	resp, err := http.PostForm(o.srv.URL+path, form)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		o.t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// pay begins a session through the plugin and has the customer accept it
// on the sandbox's page (no automatic response).
func (o *office) pay(ref string, amount int64, captureMode string) payment.Session {
	o.t.Helper()
	cfg := o.config()
	cfg["capture_mode"] = captureMode
	s := payment.Session{ID: "ps_" + ref, Mode: mercanet.ModeID, Reference: ref, Amount: amount, Currency: "EUR", Status: payment.StatusPending,
		URLs: payment.URLs{Return: "http://127.0.0.1:1/return", Notify: "http://127.0.0.1:1/notify"}}
	b, err := o.p.Begin(context.Background(), payment.BeginRequest{Session: s, Config: cfg})
	if err != nil {
		o.t.Fatal(err)
	}
	form := url.Values{}
	for _, f := range b.Form.Fields {
		form.Set(f.Name, f.Value)
	}
	m := pageToken.FindStringSubmatch(o.post("/paymentInit", form))
	if m == nil {
		o.t.Fatal("no payment page")
	}
	o.post("/page/"+m[1], url.Values{"choice": {"accept-silent"}})
	s.Status = payment.StatusPaid
	if captureMode == mercanet.CaptureValidation {
		s.Status = payment.StatusAuthorized
	}
	return s
}

func (o *office) config() payment.Config {
	c := payment.Config{}
	for k, v := range o.cfg {
		c[k] = v
	}
	return c
}

func (o *office) arm(ref, fault string) {
	o.post("/backoffice/office/faults", url.Values{"transactionReference": {ref}, "fault": {fault}})
}

// state is the sandbox's view: status, what is left, and its operations.
func (o *office) state(ref string) (status string, current int64, ops int) {
	o.t.Helper()
	resp, err := http.Get(o.srv.URL + "/backoffice/office/transactions/" + testMerchant + "/" + ref)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Status     string            `json:"status"`
		Current    int64             `json:"current"`
		Operations []json.RawMessage `json:"operations"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		o.t.Fatal(err)
	}
	return st.Status, st.Current, len(st.Operations)
}

func (o *office) refund(s payment.Session, amount int64, retry bool) (payment.OperationResponse, error) {
	return o.p.Refund(context.Background(), payment.RefundRequest{Session: s, Config: o.config(), OperationID: "op_1", Amount: amount, OperationHistory: history(s, retry)})
}

// refunded records the refunds the host counts as succeeded.
var refunded = map[string]int64{}

// history is what the host sends: the attempt and the settled refunds.
func history(s payment.Session, retry bool) payment.OperationHistory {
	h := payment.OperationHistory{Attempt: 1}
	if retry {
		h.Attempt = 2
	}
	if r := refunded[s.Reference]; r > 0 {
		h.Operations = []payment.OperationRecord{{ID: "op_0", Kind: "refund", Amount: r, Status: "succeeded"}}
	}
	return h
}

func TestRefundsThroughTheSandbox(t *testing.T) {
	o := newOffice(t)
	s := o.pay("REF1", 2000, mercanet.CaptureAuthor)

	// Before remittance the refund is a cancellation of part of the amount.
	if r, err := o.refund(s, 500, false); err != nil || r.Status != payment.OperationSucceeded || r.ResponseCode != "00" {
		t.Fatalf("refund before remittance = %+v, %v", r, err)
	}
	if st, cur, _ := o.state("REF1"); st != "TO_CAPTURE" || cur != 1500 {
		t.Fatalf("after a cancel: %s %d", st, cur)
	}
	refunded["REF1"] = 500
	o.post("/backoffice/office/remit", url.Values{"merchantId": {testMerchant}, "transactionReference": {"REF1"}})
	if r, err := o.refund(s, 700, false); err != nil || r.Status != payment.OperationSucceeded {
		t.Fatalf("refund after remittance = %+v, %v", r, err)
	}
	refunded["REF1"] = 1200
	if r, err := o.refund(s, 801, false); err != nil || r.Status != payment.OperationFailed || r.ResponseCode != "51" {
		t.Errorf("over-refund = %+v, %v", r, err)
	}
	if r, err := o.refund(s, 800, false); err != nil || r.Status != payment.OperationSucceeded {
		t.Errorf("refund of the rest = %+v, %v", r, err)
	}
	if _, cur, ops := o.state("REF1"); cur != 0 || ops != 4 {
		t.Errorf("at the end: %d left, %d operations (cancel, remittance, two refunds)", cur, ops)
	}
}

// TestRetryNeverRefundsTwice: a retry after an unknown outcome looks at
// the transaction first and only sends again when the first attempt is
// provably absent.
func TestRetryNeverRefundsTwice(t *testing.T) {
	o := newOffice(t)
	tests := []struct {
		name, fault string
		wantOps     int
	}{
		{"answer lost after the refund was applied", sandbox.FaultLoseAnswer, 2},
		{"90 with the refund applied", sandbox.Fault90Applied, 2},
		{"90 without the refund", sandbox.Fault90NotApplied, 2},
		{"unsealed answer", sandbox.FaultNoSeal, 2},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o.t = t
			ref := "RETRY" + string(rune('A'+i))
			s := o.pay(ref, 1000, mercanet.CaptureAuthor)
			o.post("/backoffice/office/remit", url.Values{"merchantId": {testMerchant}, "transactionReference": {ref}})
			o.arm(ref, tc.fault)
			if r, err := o.refund(s, 300, false); err == nil {
				t.Fatalf("first attempt = %+v: its outcome should be unknown", r)
			}
			r, err := o.refund(s, 300, true)
			if err != nil || r.Status != payment.OperationSucceeded {
				t.Fatalf("retry = %+v, %v", r, err)
			}
			// Another retry after a success the host did not store yet
			// finds it too, and sends nothing.
			if r, err := o.refund(s, 300, true); err != nil || r.Status != payment.OperationSucceeded {
				t.Fatalf("second retry = %+v, %v", r, err)
			}
			if _, cur, ops := o.state(ref); cur != 700 || ops != tc.wantOps {
				t.Errorf("%d left, %d operations; want 700 and one refund after the remittance", cur, ops)
			}
		})
	}

	t.Run("ambiguous state stays unknown", func(t *testing.T) {
		o.t = t
		s := o.pay("AMBIG", 1000, mercanet.CaptureAuthor)
		if r, err := o.refund(s, 100, false); err != nil || r.Status != payment.OperationSucceeded {
			t.Fatal(r, err)
		}
		// The host does not know of that refund (none settled): 900
		// left is neither "1000, absent" nor "700, applied".
		if r, err := o.refund(s, 300, true); payment.ErrorCode(err) != payment.CodeProviderUnavailable {
			t.Errorf("retry = %+v, %v; want unknown", r, err)
		}
		if _, cur, _ := o.state("AMBIG"); cur != 900 {
			t.Errorf("%d left: the retry sent something", cur)
		}
	})
}

func TestCaptureAndCancelThroughTheSandbox(t *testing.T) {
	o := newOffice(t)
	ctx := context.Background()
	s := o.pay("VAL1", 1500, mercanet.CaptureValidation)
	if st, _, _ := o.state("VAL1"); st != "TO_VALIDATE" {
		t.Fatalf("status %s", st)
	}
	if r, err := o.refund(s, 100, false); err != nil || r.Status != payment.OperationFailed {
		t.Errorf("refund of an authorization = %+v, %v", r, err)
	}
	o.arm("VAL1", sandbox.FaultLoseAnswer)
	if _, err := o.p.Capture(ctx, payment.CaptureRequest{Session: s, Config: o.config(), Amount: 1200}); err == nil {
		t.Fatal("capture with a lost answer succeeded")
	}
	if r, err := o.p.Capture(ctx, payment.CaptureRequest{Session: s, Config: o.config(), Amount: 1200, OperationHistory: payment.OperationHistory{Attempt: 2}}); err != nil || r.Status != payment.OperationSucceeded {
		t.Fatalf("capture retry = %+v, %v", r, err)
	}
	if st, cur, ops := o.state("VAL1"); st != "TO_CAPTURE" || cur != 1200 || ops != 1 {
		t.Errorf("after a partial validation: %s %d, %d operations", st, cur, ops)
	}

	a := o.pay("CAN1", 900, mercanet.CaptureValidation)
	o.arm("CAN1", sandbox.Fault90NotApplied)
	if _, err := o.p.Cancel(ctx, payment.CancelRequest{Session: a, Config: o.config()}); err == nil {
		t.Fatal("cancel answered 90 succeeded")
	}
	for range 2 {
		if r, err := o.p.Cancel(ctx, payment.CancelRequest{Session: a, Config: o.config(), OperationHistory: payment.OperationHistory{Attempt: 2}}); err != nil || r.Status != payment.OperationSucceeded {
			t.Fatalf("cancel retry = %+v, %v", r, err)
		}
	}
	if st, cur, ops := o.state("CAN1"); st != "CANCELLED" || cur != 0 || ops != 1 {
		t.Errorf("after cancel: %s %d, %d operations", st, cur, ops)
	}
	if r, err := o.p.Capture(ctx, payment.CaptureRequest{Session: a, Config: o.config(), Amount: 900}); err != nil || r.Status != payment.OperationFailed {
		t.Errorf("capture of a cancelled authorization = %+v, %v", r, err)
	}

	pending := payment.Session{Reference: "NEVERPAID", Amount: 100, Currency: "EUR", Status: payment.StatusPending}
	if r, err := o.p.Cancel(ctx, payment.CancelRequest{Session: pending, Config: o.config()}); err != nil || r.Status != payment.OperationSucceeded {
		t.Errorf("cancel of a page never confirmed = %+v, %v", r, err)
	}

	bad := o.config()
	bad["secret_key"] = "002001000000001_KEY1"
	if _, err := o.p.Refund(ctx, payment.RefundRequest{Session: s, Config: bad, Amount: 1}); payment.ErrorCode(err) != payment.CodeInvalidSignature {
		t.Errorf("wrong key: %v (the sandbox's 34 is sealed with the right key, so it cannot be trusted)", err)
	}
	other := o.config()
	other["merchant_id"] = "999999999999999"
	if _, err := o.p.Query(ctx, payment.QueryRequest{Session: s, Config: other}); payment.ErrorCode(err) != payment.CodeInvalidSignature {
		t.Errorf("unknown merchant: %v (its 03 answer is unsealed)", err)
	}
}

// TestRetryLookupRefused: a retry first reads the transaction; a refused
// getTransactionData (here a sealed 34: the key version is wrong) says
// nothing about the earlier attempt, which may have been applied: the
// outcome stays unknown, never failed.
func TestRetryLookupRefused(t *testing.T) {
	o := newOffice(t)
	ctx := context.Background()
	tests := []struct {
		name, ref, capture string
		remit              bool
		op                 func(s payment.Session, cfg payment.Config, attempt int) (payment.OperationResponse, error)
	}{
		{"refund", "LOOKR", mercanet.CaptureAuthor, true, func(s payment.Session, cfg payment.Config, attempt int) (payment.OperationResponse, error) {
			return o.p.Refund(ctx, payment.RefundRequest{Session: s, Config: cfg, OperationID: "op_r", Amount: 300, OperationHistory: payment.OperationHistory{Attempt: attempt}})
		}},
		{"capture", "LOOKC", mercanet.CaptureValidation, false, func(s payment.Session, cfg payment.Config, attempt int) (payment.OperationResponse, error) {
			return o.p.Capture(ctx, payment.CaptureRequest{Session: s, Config: cfg, OperationID: "op_c", Amount: 1000, OperationHistory: payment.OperationHistory{Attempt: attempt}})
		}},
		{"cancel", "LOOKX", mercanet.CaptureValidation, false, func(s payment.Session, cfg payment.Config, attempt int) (payment.OperationResponse, error) {
			return o.p.Cancel(ctx, payment.CancelRequest{Session: s, Config: cfg, OperationID: "op_x", OperationHistory: payment.OperationHistory{Attempt: attempt}})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o.t = t
			s := o.pay(tc.ref, 1000, tc.capture)
			if tc.remit {
				o.post("/backoffice/office/remit", url.Values{"merchantId": {testMerchant}, "transactionReference": {tc.ref}})
			}
			o.arm(tc.ref, sandbox.FaultLoseAnswer)
			if r, err := tc.op(s, o.config(), 1); err == nil {
				t.Fatalf("lost answer = %+v, want an error", r)
			}
			_, _, ops := o.state(tc.ref)
			bad := o.config()
			bad["key_version"] = "2" // the Office answers a sealed 34
			r, err := tc.op(s, bad, 2)
			if payment.ErrorCode(err) == payment.CodeProviderRejected || (err == nil && r.Status != payment.OperationUnknown) {
				t.Errorf("retry with a refused look-up = %+v, %v; want unknown", r, err)
			}
			// At a first attempt the same refusal is a failure: nothing was sent.
			if r, err := tc.op(s, bad, 1); payment.ErrorCode(err) != payment.CodeProviderRejected {
				t.Errorf("first attempt with a refused look-up = %+v, %v; want provider_rejected", r, err)
			}
			r, err = tc.op(s, o.config(), 2)
			if err != nil || r.Status != payment.OperationSucceeded {
				t.Errorf("retry once the Office answers = %+v, %v", r, err)
			}
			if _, _, now := o.state(tc.ref); now != ops {
				t.Errorf("%d operations, %d before the retries: sent again", now, ops)
			}
		})
	}
}

// TestPendingPolledNeverSentAgain: an operation the Office answers 60
// (pending) keeps an id; the host's retries with it only poll
// getTransactionData (still pending while nothing moved, done once it
// did), never send it again, though what is left still reads as if it had
// never been sent.
func TestPendingPolledNeverSentAgain(t *testing.T) {
	o := newOffice(t)
	ctx := context.Background()
	type call func(s payment.Session, h payment.OperationHistory) (payment.OperationResponse, error)
	refund := func(amount int64) call {
		return func(s payment.Session, h payment.OperationHistory) (payment.OperationResponse, error) {
			return o.p.Refund(ctx, payment.RefundRequest{Session: s, Config: o.config(), OperationID: "op_r", Amount: amount, OperationHistory: h})
		}
	}
	tests := []struct {
		name, ref, capture string
		remit              bool
		op                 call
		wantStatus         string
		wantCurrent        int64
	}{
		{"refund after remittance", "PENDR", mercanet.CaptureAuthor, true, refund(300), "TO_CREDIT", 700},
		{"refund before remittance (a cancel)", "PENDB", mercanet.CaptureAuthor, false, refund(300), "TO_CAPTURE", 700},
		{"capture", "PENDC", mercanet.CaptureValidation, false, func(s payment.Session, h payment.OperationHistory) (payment.OperationResponse, error) {
			return o.p.Capture(ctx, payment.CaptureRequest{Session: s, Config: o.config(), OperationID: "op_c", Amount: 800, OperationHistory: h})
		}, "TO_CAPTURE", 800},
		{"cancel", "PENDX", mercanet.CaptureValidation, false, func(s payment.Session, h payment.OperationHistory) (payment.OperationResponse, error) {
			return o.p.Cancel(ctx, payment.CancelRequest{Session: s, Config: o.config(), OperationID: "op_x", OperationHistory: h})
		}, "CANCELLED", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o.t = t
			s := o.pay(tc.ref, 1000, tc.capture)
			if tc.remit {
				o.post("/backoffice/office/remit", url.Values{"merchantId": {testMerchant}, "transactionReference": {tc.ref}})
			}
			_, _, ops := o.state(tc.ref)
			o.arm(tc.ref, sandbox.FaultPending)
			first, err := tc.op(s, payment.OperationHistory{Attempt: 1})
			if err != nil || first.Status != payment.OperationPending || first.ResponseCode != "60" || first.ProviderOperationID == "" {
				t.Fatalf("60 = %+v, %v; want pending with an id", first, err)
			}
			poll := payment.OperationHistory{Attempt: 2, ProviderOperationID: first.ProviderOperationID}
			for range 2 {
				r, err := tc.op(s, poll)
				if err != nil || r.Status != payment.OperationPending || r.ProviderOperationID != first.ProviderOperationID {
					t.Fatalf("poll before the Office applied it = %+v, %v; want pending", r, err)
				}
			}
			if _, cur, now := o.state(tc.ref); now != ops || cur != 1000 {
				t.Fatalf("the poll sent the operation again: %d left, %d operations (%d before)", cur, now, ops)
			}
			o.post("/backoffice/office/settle", url.Values{"merchantId": {testMerchant}, "transactionReference": {tc.ref}})
			r, err := tc.op(s, poll)
			if err != nil || r.Status != payment.OperationSucceeded || r.ProviderOperationID != first.ProviderOperationID {
				t.Errorf("poll once applied = %+v, %v; want succeeded", r, err)
			}
			if st, cur, now := o.state(tc.ref); st != tc.wantStatus || cur != tc.wantCurrent || now != ops+1 {
				t.Errorf("at the end: %s, %d left, %d operations (%d before); want %s, %d left, one more", st, cur, now, ops, tc.wantStatus, tc.wantCurrent)
			}
		})
	}

	t.Run("another refund meanwhile: unknown", func(t *testing.T) {
		o.t = t
		s := o.pay("PENDO", 1000, mercanet.CaptureAuthor)
		o.post("/backoffice/office/remit", url.Values{"merchantId": {testMerchant}, "transactionReference": {"PENDO"}})
		o.arm("PENDO", sandbox.FaultPending)
		first, err := refund(300)(s, payment.OperationHistory{Attempt: 1})
		if err != nil || first.Status != payment.OperationPending {
			t.Fatal(first, err)
		}
		if r, err := refund(100)(s, payment.OperationHistory{Attempt: 1}); err != nil || r.Status != payment.OperationSucceeded {
			t.Fatal(r, err)
		}
		r, err := refund(300)(s, payment.OperationHistory{Attempt: 2, ProviderOperationID: first.ProviderOperationID})
		if err != nil || r.Status != payment.OperationUnknown || r.ProviderOperationID != first.ProviderOperationID {
			t.Errorf("poll after another refund = %+v, %v; want unknown", r, err)
		}
	})
}
