package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// ogoneOpsMode is an Ogone mode with a DirectLink API user; PSPID and
// OPERATION are replaced.
const ogoneOpsMode = `      ogone:
        enabled: true
        order: 6
        config:
          pspid: "PSPID"
          sha_in: "e2e-sha-in-passphrase"
          sha_out: "e2e-sha-out-passphrase"
          hash_algorithm: "SHA-512"
          environment: "SANDBOX/ogone/ncol/test"
          operation: "OPERATION"
          directlink_user: "e2eapi"
          directlink_password: "e2e-api-password"
          directlink_sha_in: "e2e-directlink-sha-in"
`

// opsJanitor asks again about open operations and pending sessions every
// few hundred milliseconds.
const opsJanitor = "{interval: 100ms, query_schedule: [200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms]}"

// ogoneOps is a host whose Ogone mode talks to the sandbox's DirectLink,
// with its own merchant there (post-sale to this host).
type ogoneOps struct {
	*host
	sandbox, pspid string
}

func startOgoneOps(t *testing.T, sandbox, pspid, operation string) *ogoneOps {
	t.Helper()
	mode := strings.NewReplacer("PSPID", pspid, "SANDBOX", sandbox, "OPERATION", operation).Replace(ogoneOpsMode)
	h := startHost(t, hostOptions{dir: providerDir, modes: mode, janitor: opsJanitor})
	o := &ogoneOps{host: h, sandbox: sandbox, pspid: pspid}
	o.merchant(t, h.base+"/notify/ogone")
	// Offline processing, as Ogone: every maintenance answers pending
	// (91, 61, 81) and settles 300 ms later with a post-sale request.
	sandboxJSON(t, sandbox+"/ogone/backoffice/directlink/users", map[string]any{"pspid": pspid, "userid": "e2eapi",
		"password": "e2e-api-password", "sha_in": "e2e-directlink-sha-in", "settle_after": int64(300 * time.Millisecond)})
	return o
}

func (o *ogoneOps) merchant(t *testing.T, postSale string) {
	t.Helper()
	sandboxJSON(t, o.sandbox+"/ogone/backoffice/merchants", map[string]any{"pspid": o.pspid, "sha_in": "e2e-sha-in-passphrase",
		"sha_out": "e2e-sha-out-passphrase", "algorithm": "SHA-512", "postsale_url": postSale, "retry_delay": int64(100 * time.Millisecond), "attempts": 1})
}

func sandboxJSON(t *testing.T, u string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	r, err := http.Post(u, "application/json", bytes.NewReader(b))
	if err != nil || r.StatusCode != http.StatusNoContent {
		t.Fatalf("POST %s: %v %v", u, r, err)
	}
}

// order is the sandbox's DirectLink view of a session's order.
func (o *ogoneOps) order(t *testing.T, reference string) (v struct {
	Captured, Refunded int64
	Closed             bool
	Requests           map[string]int
}) {
	t.Helper()
	r, err := http.Get(o.sandbox + "/ogone/backoffice/directlink/orders?pspid=" + o.pspid + "&orderid=" + reference)
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("sandbox order %s: %v %v", reference, r, err)
	}
	defer r.Body.Close()
	json.NewDecoder(r.Body).Decode(&v)
	return v
}

// operate posts a refund, capture or cancel and returns the answer.
func (o *ogoneOps) operate(t *testing.T, id, kind string, amount int64, want int) operationJSON {
	t.Helper()
	var body any
	if amount > 0 {
		body = map[string]any{"amount": amount}
	}
	var op operationJSON
	o.with(t).expect(o.do("POST", "/v1/sessions/"+id+"/"+kind, siteKey, body), want).json(t, &op)
	return op
}

type opsSession struct {
	Status         string `json:"status"`
	RefundedAmount int64  `json:"refunded_amount"`
	CapturedAmount int64  `json:"captured_amount"`
	Operations     []struct {
		ID     string `json:"id"`
		Kind   string `json:"kind"`
		Amount int64  `json:"amount"`
		Status string `json:"status"`
	} `json:"operations"`
}

func (o *ogoneOps) session(t *testing.T, id string) opsSession {
	t.Helper()
	var s opsSession
	o.with(t).expect(o.do("GET", "/v1/sessions/"+id, siteKey, nil), http.StatusOK).json(t, &s)
	return s
}

// settled waits for the janitor to settle the operation and the session
// to reach status.
func (o *ogoneOps) settled(t *testing.T, id, opID, status string) opsSession {
	t.Helper()
	var s opsSession
	eventually(t, 15*time.Second, "operation "+opID+" settled, session "+status, func() bool {
		s = o.session(t, id)
		for _, op := range s.Operations {
			if op.ID == opID && op.Status == "succeeded" {
				return s.Status == status
			}
		}
		return false
	})
	return s
}

func TestOgoneOperationsThroughSandbox(t *testing.T) {
	sandbox := startSandbox(t)
	sale := startOgoneOps(t, sandbox, "e2eopsal", "SAL")
	auth := startOgoneOps(t, sandbox, "e2eopres", "RES")

	t.Run("partial refunds, over-refund refused, full refund", func(t *testing.T) {
		s, _ := ogonePay(t, sale.with(t), "accept")
		first := sale.operate(t, s.ID, "refund", 500, http.StatusAccepted)
		if first.Operation.Status != "pending" {
			t.Fatalf("DirectLink answers a refund pending (81): %+v", first.Operation)
		}
		sale.settled(t, s.ID, first.Operation.ID, "partially_refunded")
		// Ogone's post-sale request for the settled refund (STATUS 8,
		// PAYIDSUB 1) is recorded, never applied as a whole-order refund.
		eventually(t, 10*time.Second, "maintenance post-sale recorded", func() bool {
			return strings.Contains(strings.Join(timeline(sale.with(t).get(s.ID)), " "), "notification:recorded:")
		})
		second := sale.operate(t, s.ID, "refund", 400, http.StatusAccepted)
		if got := sale.settled(t, s.ID, second.Operation.ID, "partially_refunded"); got.RefundedAmount != 900 {
			t.Errorf("refunded %d after two partial refunds, want 900", got.RefundedAmount)
		}
		r := sale.with(t).expect(sale.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 1009}), http.StatusUnprocessableEntity)
		if code := r.errorCode(t); code != "amount_exceeded" {
			t.Errorf("over-refund code %s", code)
		}
		rest := sale.operate(t, s.ID, "refund", 0, http.StatusAccepted)
		if rest.Operation.Amount != 1008 {
			t.Errorf("full refund of the rest: %+v", rest.Operation)
		}
		if got := sale.settled(t, s.ID, rest.Operation.ID, "refunded"); got.RefundedAmount != 1908 {
			t.Errorf("refunded %d, want 1908", got.RefundedAmount)
		}
		if o := sale.order(t, s.Reference); o.Refunded != 1908 || o.Requests["RFD"] != 2 || o.Requests["RFS"] != 1 || !o.Closed {
			t.Errorf("at Ogone: %+v", o)
		}
		if tl := strings.Join(timeline(sale.with(t).get(s.ID)), " "); strings.Contains(tl, "rejected") {
			t.Errorf("a maintenance post-sale was rejected: %s", tl)
		}
	})

	t.Run("authorised then captured", func(t *testing.T) {
		s, _ := ogonePay(t, auth.with(t), "accept")
		if got := auth.session(t, s.ID).Status; got != "authorized" {
			t.Fatalf("after RES: %s", got)
		}
		r := auth.with(t).expect(auth.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, nil), http.StatusConflict)
		if code := r.errorCode(t); code != "invalid_state" {
			t.Errorf("refund of an authorisation: %s", code)
		}
		op := auth.operate(t, s.ID, "capture", 0, http.StatusAccepted)
		if got := auth.settled(t, s.ID, op.Operation.ID, "paid"); got.CapturedAmount != 1908 {
			t.Errorf("captured %d; timeline %v; operations %+v", got.CapturedAmount, timeline(auth.with(t).get(s.ID)), got.Operations)
		}
		if o := auth.order(t, s.Reference); o.Captured != 1908 || o.Requests["SAS"] != 1 {
			t.Errorf("at Ogone: %+v", o)
		}
	})

	t.Run("authorised, captured in part (SAS), refunded up to the capture", func(t *testing.T) {
		s, _ := ogonePay(t, auth.with(t), "accept")
		op := auth.operate(t, s.ID, "capture", 1500, http.StatusAccepted)
		if got := auth.settled(t, s.ID, op.Operation.ID, "paid"); got.CapturedAmount != 1500 {
			t.Fatalf("captured %d, want 1500", got.CapturedAmount)
		}
		r := auth.with(t).expect(auth.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 1501}), http.StatusUnprocessableEntity)
		if code := r.errorCode(t); code != "amount_exceeded" {
			t.Errorf("refund of more than captured: %s", code)
		}
		rest := auth.operate(t, s.ID, "refund", 0, http.StatusAccepted)
		if rest.Operation.Amount != 1500 {
			t.Errorf("full refund: %+v", rest.Operation)
		}
		auth.settled(t, s.ID, rest.Operation.ID, "refunded")
		if o := auth.order(t, s.Reference); o.Captured != 1500 || o.Refunded != 1500 || o.Requests["SAS"] != 1 || o.Requests["RFS"] != 1 {
			t.Errorf("at Ogone: %+v", o)
		}
	})

	t.Run("authorised then cancelled", func(t *testing.T) {
		s, _ := ogonePay(t, auth.with(t), "accept")
		op := auth.operate(t, s.ID, "cancel", 0, http.StatusAccepted)
		auth.settled(t, s.ID, op.Operation.ID, "cancelled")
		if o := auth.order(t, s.Reference); o.Requests["DES"] != 1 || !o.Closed {
			t.Errorf("at Ogone: %+v", o)
		}
	})

	t.Run("lost answer: the retry finds the refund and refunds once", func(t *testing.T) {
		s, _ := ogonePay(t, sale.with(t), "accept")
		r, err := http.PostForm(sandbox+"/ogone/backoffice/directlink/drop", url.Values{"pspid": {"e2eopsal"}, "count": {"1"}})
		if err != nil || r.StatusCode != http.StatusNoContent {
			t.Fatal(r, err)
		}
		op := sale.operate(t, s.ID, "refund", 700, http.StatusAccepted)
		if op.Operation.Status != "unknown" {
			t.Fatalf("refund whose answer was lost: %+v", op.Operation)
		}
		if got := sale.settled(t, s.ID, op.Operation.ID, "partially_refunded"); got.RefundedAmount != 700 {
			t.Errorf("refunded %d, want 700", got.RefundedAmount)
		}
		if o := sale.order(t, s.Reference); o.Requests["RFD"] != 1 || o.Refunded != 700 {
			t.Errorf("the lost refund was sent again: %+v", o)
		}
	})

	t.Run("silent payment settled by the janitor's query", func(t *testing.T) {
		sale.merchant(t, "http://127.0.0.1:1/notify/ogone") // the post-sale never arrives
		defer sale.merchant(t, sale.base+"/notify/ogone")
		s, _ := ogonePay(t, sale.with(t), "accept")
		var got sessionJSON
		eventually(t, 15*time.Second, "janitor query", func() bool { got = sale.with(t).get(s.ID); return got.Status == "paid" })
		last := got.Events[len(got.Events)-1]
		if last.Source != "janitor" || last.Result != "applied" || last.To != "paid" {
			t.Errorf("settled by %+v", last)
		}
	})
}

// TestOgoneWithoutDirectLink: a mode without an API user takes payments
// and declares the operations unsupported, with the reason, to operators
// and to the shop.
func TestOgoneWithoutDirectLink(t *testing.T) {
	sandbox := startSandbox(t)
	h := startHost(t, hostOptions{dir: providerDir, modes: strings.NewReplacer("%s", sandbox, "OPERATION", "SAL").Replace(ogoneMode)})
	var plugins struct {
		SiteModes []struct {
			Site, Mode   string
			Capabilities []string
			Unsupported  []struct{ Capability, Reason string }
		} `json:"site_modes"`
	}
	h.expect(h.do("GET", "/admin/v1/plugins", adminKey, nil), http.StatusOK).json(t, &plugins)
	found := false
	for _, m := range plugins.SiteModes {
		if m.Site != "shop" || m.Mode != "ogone" {
			continue
		}
		found = true
		if len(m.Capabilities) != 0 {
			t.Errorf("capabilities without DirectLink: %v", m.Capabilities)
		}
		reasons := map[string]string{}
		for _, u := range m.Unsupported {
			reasons[u.Capability] = u.Reason
		}
		for _, c := range []string{"refund", "capture", "cancel", "query"} {
			if !strings.Contains(reasons[c], "directlink_user") {
				t.Errorf("%s unsupported because %q", c, reasons[c])
			}
		}
	}
	if !found {
		t.Fatalf("no site mode shop/ogone in %+v", plugins)
	}
	s := h.create("ogone", 1908)
	r := h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/cancel", siteKey, nil), http.StatusConflict)
	if code := r.errorCode(t); code != "unsupported" || !strings.Contains(string(r.body), "directlink_user") {
		t.Errorf("cancel without DirectLink: %s", r.body)
	}
}
