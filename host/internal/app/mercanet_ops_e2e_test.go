package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// officeBackoffice drives the sandbox's Office server (faults, remittance).
func officeBackoffice(t *testing.T, sandbox, path string, form url.Values) {
	t.Helper()
	r, err := http.PostForm(sandbox+"/mercanet/backoffice/office/"+path, form)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusNoContent {
		t.Fatalf("POST %s: %d", path, r.StatusCode)
	}
}

// officeState is the sandbox's view of a transaction.
type officeState struct {
	Status     string `json:"status"`
	Current    int64  `json:"current"`
	Operations []struct {
		Name   string `json:"name"`
		Amount int64  `json:"amount"`
	} `json:"operations"`
}

func officeTransaction(t *testing.T, sandbox, ref string) officeState {
	t.Helper()
	r, err := http.Get(sandbox + "/mercanet/backoffice/office/transactions/211000021310001/" + ref)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var st officeState
	if err := json.NewDecoder(r.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func (st officeState) names() string {
	var out []string
	for _, op := range st.Operations {
		out = append(out, op.Name)
	}
	return strings.Join(out, ",")
}

// TestMercanetOperationsThroughSandbox: refunds, validation, cancellation,
// the janitor's Query and a retry after a lost answer, through the host,
// the plugin binary and the sandbox's Office server.
func TestMercanetOperationsThroughSandbox(t *testing.T) {
	sandbox := startSandbox(t)
	const janitor = "{interval: 200ms, query_schedule: [300ms, 300ms, 300ms, 300ms]}"
	h := startHost(t, hostOptions{dir: providerDir, modes: strings.ReplaceAll(mercanetMode, "%s", sandbox), janitor: janitor})
	remit := func(t *testing.T, ref string) {
		officeBackoffice(t, sandbox, "remit", url.Values{"merchantId": {"211000021310001"}, "transactionReference": {ref}})
	}

	t.Run("partial, partial, over-refund, rest", func(t *testing.T) {
		h := h.with(t)
		s, _ := mercanetPay(t, h, "accept")
		if got := h.get(s.ID).Status; got != "paid" {
			t.Fatalf("status %s", got)
		}
		// Before the remittance Mercanet gives back by cancelling part
		// of the transaction, after it by a refund.
		if op := h.operate(s.ID, "refund", map[string]any{"amount": 500}, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "partially_refunded" {
			t.Fatalf("first partial refund %+v", op)
		}
		remit(t, s.Reference)
		if op := h.operate(s.ID, "refund", map[string]any{"amount": 700}, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.RefundedAmount != 1200 {
			t.Fatalf("second partial refund %+v", op)
		}
		// Mercanet now reports TO_CREDIT: an operator's reconcile records
		// it and leaves the session partially refunded.
		h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/reconcile", adminKey, nil), http.StatusOK)
		if got := h.get(s.ID); got.Status != "partially_refunded" {
			t.Errorf("after reconcile: %s %v", got.Status, timeline(got))
		}
		if code := h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 800}), http.StatusUnprocessableEntity).errorCode(t); code != "amount_exceeded" {
			t.Errorf("over-refund: %s", code)
		}
		if op := h.operate(s.ID, "refund", nil, http.StatusCreated); op.Operation.Amount != 799 || op.Session.Status != "refunded" {
			t.Fatalf("refund of the rest %+v", op)
		}
		if st := officeTransaction(t, sandbox, s.Reference); st.Current != 0 || st.names() != "CANCEL,DEBIT_CAPTURE,CREDIT,CREDIT" {
			t.Errorf("at Mercanet: %+v", st)
		}
	})

	t.Run("a silent payment settled by the janitor's Query", func(t *testing.T) {
		h := h.with(t)
		s, _ := mercanetPay(t, h, "accept-silent")
		eventually(t, 10*time.Second, "janitor query", func() bool { return h.get(s.ID).Status == "paid" })
		got := h.get(s.ID)
		if last := got.Events[len(got.Events)-1]; last.Source != "janitor" || last.Result != "applied" {
			t.Errorf("settled by %+v", last)
		}
	})

	t.Run("the answer of a refund is lost: the janitor's retry refunds once", func(t *testing.T) {
		h := h.with(t)
		s, _ := mercanetPay(t, h, "accept")
		remit(t, s.Reference)
		officeBackoffice(t, sandbox, "faults", url.Values{"transactionReference": {s.Reference}, "fault": {"lose-answer"}})
		op := h.operate(s.ID, "refund", map[string]any{"amount": 600}, http.StatusAccepted)
		if op.Operation.Status != "unknown" || op.Session.Status != "paid" {
			t.Fatalf("refund with a lost answer %+v", op)
		}
		eventually(t, 10*time.Second, "janitor retry", func() bool { return h.get(s.ID).Status == "partially_refunded" })
		if st := officeTransaction(t, sandbox, s.Reference); st.Current != 1399 || st.names() != "DEBIT_CAPTURE,CREDIT" {
			t.Errorf("at Mercanet: %+v", st)
		}
		// The rest is refunded once more, and only once.
		if op := h.operate(s.ID, "refund", nil, http.StatusCreated); op.Operation.Amount != 1399 || op.Session.Status != "refunded" {
			t.Fatalf("refund of the rest %+v", op)
		}
	})

	t.Run("a refund answered 60 (pending): the janitor polls, never sends it again", func(t *testing.T) {
		h := h.with(t)
		s, _ := mercanetPay(t, h, "accept")
		remit(t, s.Reference)
		officeBackoffice(t, sandbox, "faults", url.Values{"transactionReference": {s.Reference}, "fault": {"60-pending"}})
		op := h.operate(s.ID, "refund", map[string]any{"amount": 500}, http.StatusAccepted)
		if op.Operation.Status != "pending" || op.Session.Status != "paid" {
			t.Fatalf("refund answered 60 %+v", op)
		}
		time.Sleep(700 * time.Millisecond) // the janitor polls while the Office has not applied it
		if st := officeTransaction(t, sandbox, s.Reference); st.Current != 1999 || st.names() != "DEBIT_CAPTURE" {
			t.Fatalf("at Mercanet before settling: %+v", st)
		}
		officeBackoffice(t, sandbox, "settle", url.Values{"merchantId": {"211000021310001"}, "transactionReference": {s.Reference}})
		eventually(t, 10*time.Second, "janitor poll", func() bool { return h.get(s.ID).Status == "partially_refunded" })
		if st := officeTransaction(t, sandbox, s.Reference); st.Current != 1499 || st.names() != "DEBIT_CAPTURE,CREDIT" {
			t.Errorf("at Mercanet: %+v", st)
		}
	})

	t.Run("a 90 without the refund: the retry sends it", func(t *testing.T) {
		h := h.with(t)
		s, _ := mercanetPay(t, h, "accept")
		officeBackoffice(t, sandbox, "faults", url.Values{"transactionReference": {s.Reference}, "fault": {"90-not-applied"}})
		h.operate(s.ID, "refund", map[string]any{"amount": 400}, http.StatusAccepted)
		eventually(t, 10*time.Second, "janitor retry", func() bool { return h.get(s.ID).Status == "partially_refunded" })
		if st := officeTransaction(t, sandbox, s.Reference); st.Current != 1599 || st.names() != "CANCEL" {
			t.Errorf("at Mercanet: %+v", st)
		}
	})
}

// TestMercanetValidationThroughSandbox: with captureMode VALIDATION a
// payment is authorized, then validated (captured) or cancelled.
func TestMercanetValidationThroughSandbox(t *testing.T) {
	sandbox := startSandbox(t)
	modes := strings.ReplaceAll(mercanetMode, "%s", sandbox) + "          capture_mode: VALIDATION\n"
	h := startHost(t, hostOptions{dir: providerDir, modes: modes})

	t.Run("authorize, capture", func(t *testing.T) {
		h := h.with(t)
		s, _ := mercanetPay(t, h, "accept")
		if got := h.get(s.ID).Status; got != "authorized" {
			t.Fatalf("status %s", got)
		}
		if op := h.operate(s.ID, "capture", nil, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "paid" {
			t.Fatalf("capture %+v", op)
		}
		if st := officeTransaction(t, sandbox, s.Reference); st.Status != "TO_CAPTURE" || st.Current != 1999 || st.names() != "VALIDATE" {
			t.Errorf("at Mercanet: %+v", st)
		}
	})

	t.Run("authorize, capture less, refund", func(t *testing.T) {
		h := h.with(t)
		s, _ := mercanetPay(t, h, "accept")
		if op := h.operate(s.ID, "capture", map[string]any{"amount": 1500}, http.StatusCreated); op.Session.Status != "paid" {
			t.Fatalf("partial capture %+v", op)
		}
		h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 1501}), http.StatusUnprocessableEntity)
		if op := h.operate(s.ID, "refund", nil, http.StatusCreated); op.Operation.Amount != 1500 || op.Session.Status != "refunded" {
			t.Fatalf("refund %+v", op)
		}
		if st := officeTransaction(t, sandbox, s.Reference); st.Status != "CANCELLED" || st.names() != "VALIDATE,CANCEL" {
			t.Errorf("at Mercanet: %+v", st)
		}
	})

	t.Run("authorize, cancel", func(t *testing.T) {
		h := h.with(t)
		s, _ := mercanetPay(t, h, "accept")
		if op := h.operate(s.ID, "cancel", nil, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "cancelled" {
			t.Fatalf("cancel %+v", op)
		}
		if st := officeTransaction(t, sandbox, s.Reference); st.Status != "CANCELLED" || st.Current != 0 {
			t.Errorf("at Mercanet: %+v", st)
		}
	})
}

// TestMercanetWithoutOffice: a contract without the Office option takes
// payments; the operations are withheld with the reason, shown to
// operators and given to the shop.
func TestMercanetWithoutOffice(t *testing.T) {
	sandbox := startSandbox(t)
	modes := strings.ReplaceAll(mercanetMode, "%s", sandbox) + "          office: \"false\"\n"
	h := startHost(t, hostOptions{dir: providerDir, modes: modes})
	s, _ := mercanetPay(t, h, "accept")
	if got := h.get(s.ID).Status; got != "paid" {
		t.Fatalf("status %s", got)
	}
	r := h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 100}), http.StatusConflict)
	if !strings.Contains(string(r.body), "no Office server option") {
		t.Errorf("refund refused with %s", r.body)
	}
	var plugins struct {
		SiteModes []struct {
			Site         string   `json:"site"`
			Mode         string   `json:"mode"`
			Capabilities []string `json:"capabilities"`
			Unsupported  []struct {
				Capability, Reason string
			} `json:"unsupported"`
		} `json:"site_modes"`
	}
	h.expect(h.do("GET", "/admin/v1/plugins", adminKey, nil), http.StatusOK).json(t, &plugins)
	found := false
	for _, m := range plugins.SiteModes {
		if m.Site != "shop" || m.Mode != "mercanet" {
			continue
		}
		found = true
		if len(m.Capabilities) != 0 || len(m.Unsupported) != 4 || !strings.Contains(m.Unsupported[0].Reason, "office: false") {
			t.Errorf("mercanet on shop: %+v", m)
		}
	}
	if !found {
		t.Errorf("no mercanet mode in %+v", plugins)
	}
}
