package ogone_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/plugins/ogone"
	"github.com/payhost/payhost/plugins/ogone/sandbox"
	"github.com/payhost/payhost/sdk/payment"
)

// dlEnv is a sandbox with one merchant and its DirectLink API user.
type dlEnv struct {
	t   *testing.T
	url string
	cfg payment.Config
	n   int
}

func newDLEnv(t *testing.T, online bool, settle time.Duration) *dlEnv {
	t.Helper()
	srv := httptest.NewServer(sandbox.New())
	t.Cleanup(srv.Close)
	e := &dlEnv{t: t, url: srv.URL, cfg: payment.Config{"pspid": "opshop", "sha_in": "ops-sha-in-pass", "sha_out": "ops-sha-out-pass",
		"hash_algorithm": ogone.SHA512, "charset": ogone.CharsetUTF8, "environment": srv.URL + "/ncol/test", "operation": "SAL", "language": "en_US",
		"directlink_user": "opsapi", "directlink_password": "ops-api-password", "directlink_sha_in": "ops-directlink-sha"}}
	e.backoffice("merchants", map[string]any{"pspid": "opshop", "sha_in": "ops-sha-in-pass", "sha_out": "ops-sha-out-pass", "algorithm": ogone.SHA512})
	e.backoffice("directlink/users", map[string]any{"pspid": "opshop", "userid": "opsapi", "password": "ops-api-password",
		"sha_in": "ops-directlink-sha", "online": online, "settle_after": int64(settle)})
	return e
}

func (e *dlEnv) backoffice(path string, v any) {
	e.t.Helper()
	b, _ := json.Marshal(v)
	r, err := http.Post(e.url+"/backoffice/"+path, "application/json", bytes.NewReader(b))
	if err != nil || r.StatusCode != http.StatusNoContent {
		e.t.Fatalf("back office %s: %v %v", path, r, err)
	}
}

var actionRe = regexp.MustCompile(`action="page/([0-9a-f]+)"`)

// pay takes a payment of amount through the hosted page (SAL or RES) and
// returns the session as the host would know it after the feedback.
func (e *dlEnv) pay(operation string, amount int64) payment.Session {
	e.t.Helper()
	e.n++
	cfg := payment.Config{}
	for k, v := range e.cfg {
		cfg[k] = v
	}
	cfg["operation"] = operation
	s := payment.Session{ID: "ps_op" + string(rune('a'+e.n)), Mode: ogone.ModeID, Reference: "OPORDER" + string(rune('A'+e.n)), Amount: amount, Currency: "EUR",
		URLs: payment.URLs{Return: "https://shop.example/return", Cancel: "https://shop.example/cancel"}}
	begin, err := ogone.New().Begin(context.Background(), payment.BeginRequest{Session: s, Config: cfg})
	if err != nil {
		e.t.Fatal(err)
	}
	form := url.Values{}
	for _, f := range begin.Form.Fields {
		form.Set(f.Name, f.Value)
	}
	r, err := http.PostForm(begin.Form.URL, form)
	if err != nil {
		e.t.Fatal(err)
	}
	var page bytes.Buffer
	page.ReadFrom(r.Body)
	r.Body.Close()
	m := actionRe.FindStringSubmatch(page.String())
	if m == nil {
		e.t.Fatalf("hosted page: %s", page.String())
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err = c.PostForm(e.url+"/ncol/test/page/"+m[1], url.Values{"choice": {"accept"}})
	if err != nil {
		e.t.Fatal(err)
	}
	r.Body.Close()
	loc, _ := url.Parse(r.Header.Get("Location"))
	s.ProviderTransactionID = loc.Query().Get("PAYID")
	s.Status = payment.StatusPaid
	if operation == "RES" {
		s.Status = payment.StatusAuthorized
	}
	return s
}

func (e *dlEnv) order(s payment.Session) sandbox.OrderView {
	e.t.Helper()
	r, err := http.Get(e.url + "/backoffice/directlink/orders?pspid=opshop&payid=" + s.ProviderTransactionID)
	if err != nil || r.StatusCode != http.StatusOK {
		e.t.Fatalf("order view: %v %v", r, err)
	}
	defer r.Body.Close()
	var v sandbox.OrderView
	json.NewDecoder(r.Body).Decode(&v)
	return v
}

func TestOperationsAgainstSandbox(t *testing.T) {
	ctx := context.Background()
	p := ogone.New()
	e := newDLEnv(t, true, 0)

	t.Run("partial refunds up to the paid amount, then over-refund refused", func(t *testing.T) {
		s := e.pay("SAL", 1908)
		r1, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_1", Amount: 500})
		if err != nil || r1.Status != payment.OperationSucceeded || r1.ProviderOperationID != s.ProviderTransactionID+"/1" {
			t.Fatalf("first partial refund = %+v, %v", r1, err)
		}
		done := []payment.OperationRecord{{ID: "op_1", Kind: "refund", Amount: 500, Status: "succeeded", ProviderOperationID: r1.ProviderOperationID}}
		r2, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_2", Amount: 400, OperationHistory: payment.OperationHistory{Attempt: 1, Operations: done}})
		if err != nil || r2.Status != payment.OperationSucceeded || r2.ProviderOperationID != s.ProviderTransactionID+"/2" {
			t.Fatalf("second partial refund = %+v, %v", r2, err)
		}
		done = append(done, payment.OperationRecord{ID: "op_2", Kind: "refund", Amount: 400, Status: "succeeded", ProviderOperationID: r2.ProviderOperationID})
		over, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_3", Amount: 1100, OperationHistory: payment.OperationHistory{Attempt: 1, Operations: done}})
		if err != nil || over.Status != payment.OperationFailed || over.ResponseCode != "50001129" {
			t.Errorf("over-refund = %+v, %v", over, err)
		}
		last, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_4", Amount: 1008, OperationHistory: payment.OperationHistory{Attempt: 1, Operations: done}})
		if err != nil || last.Status != payment.OperationSucceeded {
			t.Fatalf("last refund = %+v, %v", last, err)
		}
		o := e.order(s)
		if o.Refunded != 1908 || !o.Closed || len(o.History) != 3 || o.History[2].Operation != "RFS" || o.History[0].Operation != "RFD" {
			t.Errorf("order after refunds: %+v", o)
		}
	})

	t.Run("authorisation: refund before capture refused, capture, then query", func(t *testing.T) {
		s := e.pay("RES", 2500)
		early, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_r", Amount: 100})
		if err != nil || early.Status != payment.OperationFailed || early.ResponseCode != "50001127" {
			t.Errorf("refund before capture = %+v, %v", early, err)
		}
		q, err := p.Query(ctx, payment.QueryRequest{Session: s, Config: e.cfg})
		if err != nil || q.Outcome.Status != payment.StatusAuthorized || !q.Outcome.Verified || q.Outcome.Amount != 2500 || q.Outcome.Currency != "EUR" || q.Outcome.Reference != s.Reference {
			t.Errorf("query of the authorisation = %+v, %v", q.Outcome, err)
		}
		c, err := p.Capture(ctx, payment.CaptureRequest{Session: s, Config: e.cfg, OperationID: "op_c", Amount: 2000})
		if err != nil || c.Status != payment.OperationSucceeded {
			t.Fatalf("partial capture = %+v, %v", c, err)
		}
		again, err := p.Capture(ctx, payment.CaptureRequest{Session: s, Config: e.cfg, OperationID: "op_c2", Amount: 500})
		if err != nil || again.Status != payment.OperationFailed || again.ResponseCode != "50001127" {
			t.Errorf("capture after the last capture = %+v, %v", again, err)
		}
		if o := e.order(s); o.Captured != 2000 || o.History[0].Operation != "SAS" {
			t.Errorf("order after capture: %+v", o)
		}
	})

	t.Run("cancel an authorisation", func(t *testing.T) {
		s := e.pay("RES", 700)
		c, err := p.Cancel(ctx, payment.CancelRequest{Session: s, Config: e.cfg, OperationID: "op_x"})
		if err != nil || c.Status != payment.OperationSucceeded || c.ResponseCode != "6" {
			t.Errorf("cancel = %+v, %v", c, err)
		}
		q, err := p.Query(ctx, payment.QueryRequest{Session: s, Config: e.cfg})
		if err != nil || q.Outcome.Status != payment.StatusCancelled {
			t.Errorf("query after cancel = %+v, %v", q.Outcome, err)
		}
	})

	t.Run("unknown order, wrong credentials, wrong passphrase", func(t *testing.T) {
		s := e.pay("SAL", 1000)
		if q, err := p.Query(ctx, payment.QueryRequest{Session: s, Config: e.cfg}); err != nil || q.Outcome.Status != payment.StatusPaid {
			t.Fatalf("query of the sale = %+v, %v", q.Outcome, err)
		}
		unknown := s
		unknown.ProviderTransactionID = "999"
		r, err := p.Refund(ctx, payment.RefundRequest{Session: unknown, Config: e.cfg, OperationID: "op_u", Amount: 100})
		if err != nil || r.Status != payment.OperationFailed || r.ResponseCode != "50001130" {
			t.Errorf("unknown PAYID = %+v, %v", r, err)
		}
		q, err := p.Query(ctx, payment.QueryRequest{Session: unknown, Config: e.cfg})
		if err != nil || q.Outcome.Status != payment.StatusUnknown || q.Outcome.ResponseCode != "50001130" {
			t.Errorf("query of an unknown PAYID = %+v, %v", q.Outcome, err)
		}
		for key, code := range map[string]string{"directlink_password": "50001119", "directlink_sha_in": "50001111"} {
			bad := payment.Config{}
			for k, v := range e.cfg {
				bad[k] = v
			}
			bad[key] = "not-the-right-one"
			r, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: bad, OperationID: "op_b", Amount: 100})
			if err != nil || r.Status != payment.OperationFailed || r.ResponseCode != code {
				t.Errorf("wrong %s = %+v, %v", key, r, err)
			}
			if _, err := p.Query(ctx, payment.QueryRequest{Session: s, Config: bad}); payment.ErrorCode(err) != payment.CodeProviderRejected {
				t.Errorf("query with a wrong %s: %v", key, err)
			}
		}
		if o := e.order(s); len(o.History) != 0 {
			t.Errorf("refused requests changed the order: %+v", o)
		}
	})

	t.Run("lost answer: the retry finds the refund and does not send it again", func(t *testing.T) {
		s := e.pay("SAL", 3000)
		first, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_a", Amount: 1000})
		if err != nil {
			t.Fatal(err)
		}
		req := payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_l", Amount: 1000, OperationHistory: payment.OperationHistory{Attempt: 1,
			Operations: []payment.OperationRecord{{ID: "op_a", Kind: "refund", Amount: 1000, Status: "succeeded", ProviderOperationID: first.ProviderOperationID}}}}
		r, err := http.PostForm(e.url+"/backoffice/directlink/drop", url.Values{"pspid": {"opshop"}, "count": {"1"}})
		if err != nil || r.StatusCode != http.StatusNoContent {
			t.Fatal(r, err)
		}
		if _, err := p.Refund(ctx, req); payment.ErrorCode(err) != payment.CodeProviderUnavailable {
			t.Fatalf("refund whose answer is lost: %v", err)
		}
		req.Attempt = 2
		got, err := p.Refund(ctx, req)
		if err != nil || got.Status != payment.OperationSucceeded || got.ProviderOperationID != s.ProviderTransactionID+"/2" {
			t.Fatalf("retry = %+v, %v", got, err)
		}
		if o := e.order(s); o.Requests["RFD"] != 2 || o.Refunded != 2000 || len(o.History) != 2 {
			t.Errorf("the refund was sent again: %+v", o)
		}
	})

	t.Run("retry of an attempt that never reached Ogone sends it", func(t *testing.T) {
		s := e.pay("SAL", 3000)
		got, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_n", Amount: 700, OperationHistory: payment.OperationHistory{Attempt: 2}})
		if err != nil || got.Status != payment.OperationSucceeded {
			t.Fatalf("retry = %+v, %v", got, err)
		}
		if o := e.order(s); o.Requests["RFD"] != 1 || o.Refunded != 700 {
			t.Errorf("order: %+v", o)
		}
	})
}

// TestOfflineMaintenance: Ogone's default processing answers pending (81)
// and settles later; the retry reads the history item, never re-sends.
func TestOfflineMaintenance(t *testing.T) {
	ctx := context.Background()
	p := ogone.New()
	e := newDLEnv(t, false, 300*time.Millisecond)
	s := e.pay("SAL", 1500)
	r, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_p", Amount: 500})
	if err != nil || r.Status != payment.OperationPending || r.ResponseCode != "81" || r.ProviderOperationID != s.ProviderTransactionID+"/1" {
		t.Fatalf("offline refund = %+v, %v", r, err)
	}
	req := payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_p", Amount: 500, OperationHistory: payment.OperationHistory{Attempt: 2, ProviderOperationID: r.ProviderOperationID}}
	if got, err := p.Refund(ctx, req); err != nil || got.Status != payment.OperationPending {
		t.Errorf("retry before settlement = %+v, %v", got, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := p.Refund(ctx, req)
		if err == nil && got.Status == payment.OperationSucceeded && got.ResponseCode == "8" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never settled: %+v, %v", got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if o := e.order(s); o.Requests["RFD"] != 1 {
		t.Errorf("a pending refund was sent again: %+v", o)
	}
}

func TestOperationsWithoutDirectLink(t *testing.T) {
	cfg := payment.Config{"pspid": "opshop", "sha_in": "ops-sha-in-pass", "sha_out": "ops-sha-out-pass"}
	_, err := ogone.New().Refund(context.Background(), payment.RefundRequest{Config: cfg, Amount: 1})
	var pe *payment.Error
	if payment.ErrorCode(err) != payment.CodeUnsupported || !errors.As(err, &pe) || pe.Message == "" {
		t.Errorf("refund without DirectLink: %v", err)
	}
}

// TestMaintenancePostSale: the post-sale request Ogone sends when a
// maintenance settles verifies with SHA-OUT and is recorded, not applied.
func TestMaintenancePostSale(t *testing.T) {
	got := make(chan []byte, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer hook.Close()
	e := newDLEnv(t, false, 10*time.Millisecond)
	s := e.pay("SAL", 1500)
	e.backoffice("merchants", map[string]any{"pspid": "opshop", "sha_in": "ops-sha-in-pass", "sha_out": "ops-sha-out-pass",
		"algorithm": ogone.SHA512, "postsale_url": hook.URL, "attempts": 1})
	if _, err := ogone.New().Refund(context.Background(), payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_ps", Amount: 500}); err != nil {
		t.Fatal(err)
	}
	var body []byte
	select {
	case body = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("no post-sale request")
	}
	resp, err := ogone.New().HandleNotification(context.Background(), payment.CallbackRequest{Session: s, Config: e.cfg,
		Request: payment.HTTPRequest{Method: "POST", URL: "/notify/ogone", Header: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: body}})
	if err != nil || resp.Outcome == nil || resp.Outcome.Status != payment.StatusUnknown || !resp.Outcome.Verified || resp.Outcome.ResponseCode != "8" ||
		resp.Outcome.Amount != 0 || resp.Outcome.Currency != "" || resp.Outcome.Payload["AMOUNT"] != "5" || resp.Outcome.Payload["PAYIDSUB"] != "1" {
		t.Errorf("maintenance post-sale %s = %+v, %v", body, resp.Outcome, err)
	}
}

// TestUncertainAnswer: a maintenance answered uncertain (NCSTATUS 2,
// STATUS 82) is unknown, keeps its history item, and the retry reads that
// item instead of refunding again.
func TestUncertainAnswer(t *testing.T) {
	ctx := context.Background()
	p := ogone.New()
	e := newDLEnv(t, true, 0)
	s := e.pay("SAL", 1500)
	r, err := http.PostForm(e.url+"/backoffice/directlink/uncertain", url.Values{"pspid": {"opshop"}, "count": {"1"}})
	if err != nil || r.StatusCode != http.StatusNoContent {
		t.Fatal(r, err)
	}
	first, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_u", Amount: 500})
	if err != nil || first.Status != payment.OperationUnknown || first.ProviderOperationID != s.ProviderTransactionID+"/1" {
		t.Fatalf("uncertain refund = %+v, %v", first, err)
	}
	retry, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_u", Amount: 500,
		OperationHistory: payment.OperationHistory{Attempt: 2, ProviderOperationID: first.ProviderOperationID}})
	if err != nil || retry.Status != payment.OperationSucceeded || retry.ResponseCode != "8" {
		t.Errorf("retry = %+v, %v", retry, err)
	}
	if o := e.order(s); o.Requests["RFD"] != 1 || o.Refunded != 500 {
		t.Errorf("order: %+v", o)
	}
}

// TestCallerIPChecked: a caller outside "Checks for DirectLink" is refused
// (unknown order/1/i) and nothing happens.
func TestCallerIPChecked(t *testing.T) {
	e := newDLEnv(t, true, 0)
	s := e.pay("SAL", 1500)
	e.backoffice("directlink/users", map[string]any{"pspid": "opshop", "userid": "opsapi", "password": "ops-api-password",
		"sha_in": "ops-directlink-sha", "online": true, "allowed_ips": []string{"192.0.2.10"}})
	got, err := ogone.New().Refund(context.Background(), payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_ip", Amount: 500})
	if err != nil || got.Status != payment.OperationFailed || got.ResponseCode != "50001111" || !strings.Contains(got.ResponseMessage, "unknown order/1/i") {
		t.Errorf("refund from a refused IP = %+v, %v", got, err)
	}
}

// TestRetryLookupRefused: the retry of an operation Ogone may have applied
// first queries its history; a refused query (wrong API password or
// passphrase) says nothing about the operation, which stays unknown with
// its history item, never failed.
func TestRetryLookupRefused(t *testing.T) {
	ctx := context.Background()
	p := ogone.New()
	e := newDLEnv(t, false, time.Hour)
	with := func(key, value string) payment.Config {
		c := payment.Config{}
		for k, v := range e.cfg {
			c[k] = v
		}
		c[key] = value
		return c
	}
	tests := []struct {
		name string
		cfg  payment.Config
	}{
		{"wrong password", with("directlink_password", "wrong-password")},
		{"wrong passphrase", with("directlink_sha_in", "wrong-passphrase")},
		{"wrong user", with("directlink_user", "nobody")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := e.pay("SAL", 1500)
			r, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_p", Amount: 500})
			if err != nil || r.Status != payment.OperationPending {
				t.Fatalf("offline refund = %+v, %v", r, err)
			}
			poll := payment.OperationHistory{Attempt: 2, ProviderOperationID: r.ProviderOperationID}
			got, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: tc.cfg, OperationID: "op_p", Amount: 500, OperationHistory: poll})
			if err != nil || got.Status != payment.OperationUnknown || got.ProviderOperationID != r.ProviderOperationID {
				t.Errorf("pending refund polled with a refused query = %+v, %v; want unknown, %s kept", got, err, r.ProviderOperationID)
			}
			// Without the history item (a lost answer), the scan is refused too.
			got, err = p.Refund(ctx, payment.RefundRequest{Session: s, Config: tc.cfg, OperationID: "op_q", Amount: 300,
				OperationHistory: payment.OperationHistory{Attempt: 2}})
			if err != nil || got.Status != payment.OperationUnknown {
				t.Errorf("history scan refused = %+v, %v; want unknown", got, err)
			}
			if o := e.order(s); o.Requests["RFD"] != 1 {
				t.Errorf("sent again: %+v", o)
			}
		})
	}
}

// TestQueryStatuses: the order STATUS a query reads. Statuses about
// refunds (8x and 94, a refund declined by the acquirer) say nothing of
// the session: recorded, never a refused or refunded payment.
func TestQueryStatuses(t *testing.T) {
	tests := []struct {
		status string
		want   payment.Status
	}{
		{"9", payment.StatusPaid},
		{"5", payment.StatusAuthorized},
		{"93", payment.StatusRefused},
		{"94", payment.StatusUnknown},
		{"8", payment.StatusUnknown},
		{"81", payment.StatusUnknown},
		{"84", payment.StatusUnknown},
		{"88", payment.StatusUnknown},
		{"100", payment.StatusUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.status, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !strings.HasSuffix(r.URL.Path, "/querydirect.asp") {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "text/XML; charset=iso-8859-1")
				io.WriteString(w, `<ncresponse orderID="ORDERQ" PAYID="3014644340" PAYIDSUB="2" NCSTATUS="0" NCERROR="0" NCERRORPLUS="!" STATUS="`+
					tc.status+`" amount="15" currency="EUR"/>`)
			}))
			defer srv.Close()
			cfg := payment.Config{"pspid": "opshop", "sha_in": "ops-sha-in-pass", "sha_out": "ops-sha-out-pass", "hash_algorithm": ogone.SHA512,
				"environment": srv.URL + "/ncol/test", "directlink_user": "opsapi", "directlink_password": "ops-api-password", "directlink_sha_in": "ops-directlink-sha"}
			s := payment.Session{Reference: "ORDERQ", Amount: 1500, Currency: "EUR", ProviderTransactionID: "3014644340"}
			q, err := ogone.New().Query(context.Background(), payment.QueryRequest{Session: s, Config: cfg})
			if err != nil || q.Outcome.Status != tc.want || !q.Outcome.Verified || q.Outcome.ResponseCode != tc.status {
				t.Errorf("STATUS %s = %+v, %v; want %q", tc.status, q.Outcome, err, tc.want)
			}
		})
	}
}

// TestPartialCapture: the host captures once, so a capture of less than
// the authorisation is SAS (last capture) with the lower AMOUNT; the order
// is then paid for that amount, refundable up to it and no more, and a
// second capture is refused. Online and offline (91, then 9).
func TestPartialCapture(t *testing.T) {
	ctx := context.Background()
	p := ogone.New()
	for _, online := range []bool{true, false} {
		name := "offline"
		if online {
			name = "online"
		}
		t.Run(name, func(t *testing.T) {
			e := newDLEnv(t, online, 50*time.Millisecond)
			s := e.pay("RES", 2500)
			c, err := p.Capture(ctx, payment.CaptureRequest{Session: s, Config: e.cfg, OperationID: "op_c", Amount: 1800, OperationHistory: payment.OperationHistory{Attempt: 1}})
			want := payment.OperationSucceeded
			if !online {
				want = payment.OperationPending
			}
			if err != nil || c.Status != want || c.ProviderOperationID != s.ProviderTransactionID+"/1" || c.Payload["AMOUNT"] != "18" {
				t.Fatalf("partial capture = %+v, %v; want %s", c, err, want)
			}
			if !online {
				poll := payment.OperationHistory{Attempt: 2, ProviderOperationID: c.ProviderOperationID}
				eventually := time.Now().Add(5 * time.Second)
				for {
					r, err := p.Capture(ctx, payment.CaptureRequest{Session: s, Config: e.cfg, OperationID: "op_c", Amount: 1800, OperationHistory: poll})
					if err == nil && r.Status == payment.OperationSucceeded && r.ResponseCode == "9" {
						break
					}
					if time.Now().After(eventually) {
						t.Fatalf("capture never settled: %+v, %v", r, err)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			o := e.order(s)
			if o.Captured != 1800 || len(o.History) != 1 || o.History[0].Operation != "SAS" || o.History[0].Amount != 1800 || o.Requests["SAS"] != 1 ||
				!o.CapturesClosed || o.Closed {
				t.Errorf("order after a partial capture: %+v", o)
			}
			q, err := p.Query(ctx, payment.QueryRequest{Session: s, Config: e.cfg})
			if err != nil || q.Outcome.Status != payment.StatusPaid {
				t.Errorf("query after the capture = %+v, %v", q.Outcome, err)
			}
			again, err := p.Capture(ctx, payment.CaptureRequest{Session: s, Config: e.cfg, OperationID: "op_c2", Amount: 700, OperationHistory: payment.OperationHistory{Attempt: 1}})
			if err != nil || again.Status != payment.OperationFailed || again.ResponseCode != "50001127" {
				t.Errorf("a second capture (the rest was released) = %+v, %v", again, err)
			}
			captured := []payment.OperationRecord{{ID: "op_c", Kind: "capture", Amount: 1800, Status: "succeeded", ProviderOperationID: c.ProviderOperationID}}
			over, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_o", Amount: 1801, OperationHistory: payment.OperationHistory{Attempt: 1, Operations: captured}})
			if err != nil || over.Status != payment.OperationFailed || over.ResponseCode != "50001129" {
				t.Errorf("refund of more than captured = %+v, %v", over, err)
			}
			r, err := p.Refund(ctx, payment.RefundRequest{Session: s, Config: e.cfg, OperationID: "op_r", Amount: 1800, OperationHistory: payment.OperationHistory{Attempt: 1, Operations: captured}})
			if err != nil || (r.Status != payment.OperationSucceeded && r.Status != payment.OperationPending) {
				t.Errorf("refund of the captured amount = %+v, %v", r, err)
			}
			if o := e.order(s); o.Refunded != 1800 || o.Requests["RFS"] != 1 {
				t.Errorf("order after the refund: %+v", o)
			}
		})
	}
}
