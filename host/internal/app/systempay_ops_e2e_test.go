package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// systempayOpsMode is the systempay mode with Lyra's REST API: SITE, REST
// (the TEST REST password line, or nothing), VALIDATION and the sandbox
// URL (%s) are replaced.
const systempayOpsMode = `      systempay:
        enabled: true
        order: 8
        config:
          site_id: "SITE"
          key_test: "e2e-ops-test-key-0001"
          key_production: "e2e-ops-production-key-0001"
          payment_url: "%s/systempay/vads-payment/"
          api_url: "%s/systempay/api-payment/"
          validation_mode: "VALIDATION"
REST`

const lyraRESTPassword = "testpassword_E2EOPS0123456789abcdefABCDEF"

// lyraShop is a sandbox shop with its own REST password; its IPNs are not
// retried, so a lost one stays lost.
func lyraShop(t *testing.T, sandbox, site string) {
	t.Helper()
	sandboxPost(t, sandbox+"/systempay/backoffice/shops", map[string]any{"site_id": site, "key_test": "e2e-ops-test-key-0001",
		"key_production": "e2e-ops-production-key-0001", "retries": 0})
	sandboxPost(t, sandbox+"/systempay/backoffice/rest/keys", map[string]any{"site_id": site, "password_test": lyraRESTPassword})
}

func lyraBackoffice(t *testing.T, sandbox, path string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	r, err := http.Post(sandbox+"/systempay/backoffice/rest/"+path, "application/json", bytes.NewReader(b))
	if err != nil || r.StatusCode >= 300 {
		t.Fatalf("POST %s: %v %v", path, r, err)
	}
	r.Body.Close()
}

type lyraTransaction struct {
	UUID           string `json:"uuid"`
	Amount         int64  `json:"amount"`
	DetailedStatus string `json:"detailedStatus"`
	OperationType  string `json:"operationType"`
}

// lyraTransactions lists the sandbox's transactions matching a query
// (uuid=, parent=).
func lyraTransactions(t *testing.T, sandbox, query string) []lyraTransaction {
	t.Helper()
	r, err := http.Get(sandbox + "/systempay/backoffice/rest/transactions?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var out []lyraTransaction
	if err := json.NewDecoder(r.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// providerTransactionID reads the session's Lyra uuid.
func (h *host) providerTransactionID(id string) string {
	h.t.Helper()
	var s struct {
		ProviderTransactionID string `json:"provider_transaction_id"`
	}
	h.expect(h.do("GET", "/v1/sessions/"+id, siteKey, nil), http.StatusOK).json(h.t, &s)
	return s.ProviderTransactionID
}

// lyraPay creates a systempay session of 10.00 EUR, posts its form to the
// sandbox and accepts the payment there.
func lyraPay(t *testing.T, h *host) sessionJSON {
	t.Helper()
	b := newBrowser(t)
	s := h.create("systempay", 1000)
	init := onlyForm(t, h.expect(h.do("GET", "/pay/"+s.ID, "", nil), http.StatusOK).body)
	status, hosted, _ := b.submit(h.base, init, nil)
	if status != http.StatusOK {
		t.Fatalf("vads-payment: %d %s", status, hosted)
	}
	if status, body, _ := b.submit(init.action, onlyForm(t, hosted), url.Values{"choice": {"accept"}}); status != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", status, body)
	}
	return s
}

// TestSystemPayOperations: refunds, captures, cancellations and queries of
// SystemPay sessions through the host, the plugin and Lyra's REST API in
// the sandbox.
func TestSystemPayOperations(t *testing.T) {
	sandbox := startSandbox(t)
	janitor := "{interval: 200ms, query_schedule: [300ms, 300ms, 300ms, 300ms]}"
	mode := func(site, validation string, rest bool) string {
		m := strings.NewReplacer("%s", sandbox, "SITE", site, "VALIDATION", validation).Replace(systempayOpsMode)
		if rest {
			return strings.Replace(m, "REST", "          rest_password_test: \""+lyraRESTPassword+"\"\n", 1)
		}
		return strings.Replace(m, "REST", "", 1)
	}
	lyraShop(t, sandbox, "22334455")
	lyraShop(t, sandbox, "22334456")
	proxy := &flakyProxy{}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	auto := startHost(t, hostOptions{dir: providerDir, modes: mode("22334455", "", true), janitor: janitor, publicURL: ps.URL})
	proxy.mu.Lock()
	proxy.target = auto.base
	proxy.mu.Unlock()
	manual := startHost(t, hostOptions{dir: providerDir, modes: mode("22334456", "1", true), janitor: janitor})

	paid := func(t *testing.T, h *host) sessionJSON {
		t.Helper()
		s := lyraPay(t, h)
		if got := h.get(s.ID).Status; got != "paid" {
			t.Fatalf("after the IPN: %s", got)
		}
		return s
	}

	t.Run("partial, partial, over-refund, rest after capture", func(t *testing.T) {
		h := auto.with(t)
		s := paid(t, h)
		lyraBackoffice(t, sandbox, "capture-batch", nil)
		if op := h.operate(s.ID, "refund", map[string]any{"amount": 300}, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "partially_refunded" {
			t.Fatalf("first partial refund %+v", op)
		}
		if op := h.operate(s.ID, "refund", map[string]any{"amount": 200}, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.RefundedAmount != 500 {
			t.Fatalf("second partial refund %+v", op)
		}
		if code := h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 501}), http.StatusUnprocessableEntity).errorCode(t); code != "amount_exceeded" {
			t.Errorf("over-refund: %s", code)
		}
		if op := h.operate(s.ID, "refund", nil, http.StatusCreated); op.Operation.Amount != 500 || op.Session.Status != "refunded" {
			t.Fatalf("refund of the rest %+v", op)
		}
		uuid := h.providerTransactionID(s.ID)
		credits := lyraTransactions(t, sandbox, "parent="+uuid)
		if len(credits) != 3 || credits[0].OperationType != "CREDIT" || credits[0].Amount+credits[1].Amount+credits[2].Amount != 1000 {
			t.Errorf("Lyra's refunds: %+v", credits)
		}
	})

	t.Run("before capture a refund is a cancellation", func(t *testing.T) {
		h := auto.with(t)
		s := paid(t, h)
		if op := h.operate(s.ID, "refund", map[string]any{"amount": 400}, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "partially_refunded" {
			t.Fatalf("partial refund %+v", op)
		}
		uuid := h.providerTransactionID(s.ID)
		if tx := lyraTransactions(t, sandbox, "uuid="+uuid); len(tx) != 1 || tx[0].Amount != 600 || tx[0].DetailedStatus != "AUTHORISED" {
			t.Errorf("after a partial refund before capture: %+v", tx)
		}
		if op := h.operate(s.ID, "refund", nil, http.StatusCreated); op.Session.Status != "refunded" {
			t.Fatalf("refund of the rest %+v", op)
		}
		if tx := lyraTransactions(t, sandbox, "uuid="+uuid); len(tx) != 1 || tx[0].DetailedStatus != "CANCELLED" {
			t.Errorf("after refunding all before capture: %+v", tx)
		}
		if c := lyraTransactions(t, sandbox, "parent="+uuid); len(c) != 0 {
			t.Errorf("CREDITs before capture: %+v", c)
		}
	})

	t.Run("authorize then capture", func(t *testing.T) {
		h := manual.with(t)
		s := lyraPay(t, h)
		if got := h.get(s.ID).Status; got != "authorized" {
			t.Fatalf("after the IPN: %s", got)
		}
		if op := h.operate(s.ID, "capture", nil, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "paid" {
			t.Fatalf("capture %+v", op)
		}
		if tx := lyraTransactions(t, sandbox, "uuid="+h.providerTransactionID(s.ID)); len(tx) != 1 || tx[0].DetailedStatus != "AUTHORISED" {
			t.Errorf("validated at Lyra: %+v", tx)
		}
	})

	t.Run("authorize then partial capture", func(t *testing.T) {
		h := manual.with(t)
		s := lyraPay(t, h)
		if op := h.operate(s.ID, "capture", map[string]any{"amount": 700}, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "paid" {
			t.Fatalf("capture %+v", op)
		}
		if tx := lyraTransactions(t, sandbox, "uuid="+h.providerTransactionID(s.ID)); len(tx) != 1 || tx[0].Amount != 700 {
			t.Errorf("at Lyra: %+v", tx)
		}
		lyraBackoffice(t, sandbox, "capture-batch", nil)
		if code := h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 701}), http.StatusUnprocessableEntity).errorCode(t); code != "amount_exceeded" {
			t.Errorf("refund above the captured amount: %s", code)
		}
		if op := h.operate(s.ID, "refund", nil, http.StatusCreated); op.Operation.Amount != 700 || op.Session.Status != "refunded" {
			t.Errorf("refund of the captured amount %+v", op)
		}
	})

	t.Run("authorize then cancel", func(t *testing.T) {
		h := manual.with(t)
		s := lyraPay(t, h)
		if op := h.operate(s.ID, "cancel", nil, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "cancelled" {
			t.Fatalf("cancel %+v", op)
		}
		if tx := lyraTransactions(t, sandbox, "uuid="+h.providerTransactionID(s.ID)); len(tx) != 1 || tx[0].DetailedStatus != "CANCELLED" {
			t.Errorf("at Lyra: %+v", tx)
		}
	})

	t.Run("a silent payment is settled by the janitor's query", func(t *testing.T) {
		h := auto.with(t)
		proxy.mu.Lock()
		proxy.failFirst = 1000
		proxy.mu.Unlock()
		s := lyraPay(t, h)
		proxy.mu.Lock()
		proxy.failFirst = 0
		proxy.mu.Unlock()
		eventually(t, 10*time.Second, "janitor query", func() bool { return h.get(s.ID).Status == "paid" })
		got := h.get(s.ID)
		last := got.Events[len(got.Events)-1]
		if last.Source != "janitor" || last.Result != "applied" || last.To != "paid" {
			t.Errorf("settled by %+v", last)
		}
		// The query found the payment by order and trans id, and kept its uuid.
		uuid := h.providerTransactionID(s.ID)
		if tx := lyraTransactions(t, sandbox, "uuid="+uuid); len(tx) != 1 {
			t.Fatalf("uuid %q: %+v", uuid, tx)
		}
		if op := h.operate(s.ID, "refund", map[string]any{"amount": 100}, http.StatusCreated); op.Operation.Status != "succeeded" {
			t.Errorf("refund after the query %+v", op)
		}
	})

	t.Run("a refund whose answer was lost is made once", func(t *testing.T) {
		h := auto.with(t)
		s := paid(t, h)
		lyraBackoffice(t, sandbox, "capture-batch", nil)
		if op := h.operate(s.ID, "refund", map[string]any{"amount": 250}, http.StatusCreated); op.Operation.Status != "succeeded" {
			t.Fatalf("first refund %+v", op)
		}
		lyraBackoffice(t, sandbox, "faults", map[string]any{"service": "Transaction/CancelOrRefund", "fault": "drop"})
		op := h.operate(s.ID, "refund", map[string]any{"amount": 300}, http.StatusAccepted)
		if op.Operation.Status != "unknown" || op.Session.Status != "partially_refunded" || op.Session.RefundedAmount != 250 {
			t.Fatalf("lost answer %+v", op)
		}
		eventually(t, 10*time.Second, "the janitor's retry", func() bool {
			var v struct {
				RefundedAmount int64 `json:"refunded_amount"`
			}
			h.expect(h.do("GET", "/v1/sessions/"+s.ID, siteKey, nil), http.StatusOK).json(t, &v)
			return v.RefundedAmount == 550
		})
		time.Sleep(time.Second) // further janitor rounds refund nothing more
		credits := lyraTransactions(t, sandbox, "parent="+h.providerTransactionID(s.ID))
		if len(credits) != 2 || credits[0].Amount != 250 || credits[1].Amount != 300 {
			t.Errorf("Lyra's refunds: %+v", credits)
		}
		if code := h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 451}), http.StatusUnprocessableEntity).errorCode(t); code != "amount_exceeded" {
			t.Errorf("over-refund after the retry: %s", code)
		}
	})

	t.Run("without the REST password the operations are unsupported, with the reason", func(t *testing.T) {
		// Another shop: this host's fresh database restarts the daily trans ids.
		lyraShop(t, sandbox, "22334457")
		h := startHost(t, hostOptions{dir: providerDir, modes: mode("22334457", "", false)}).with(t)
		var p struct {
			SiteModes []struct {
				Site         string   `json:"site"`
				Mode         string   `json:"mode"`
				Capabilities []string `json:"capabilities"`
				Unsupported  []struct {
					Capability string `json:"capability"`
					Reason     string `json:"reason"`
				} `json:"unsupported"`
			} `json:"site_modes"`
		}
		h.expect(h.do("GET", "/admin/v1/plugins", adminKey, nil), http.StatusOK).json(t, &p)
		found := false
		for _, m := range p.SiteModes {
			if m.Site == "shop" && m.Mode == "systempay" {
				found = true
				if len(m.Capabilities) != 0 || len(m.Unsupported) != 6 || !strings.Contains(m.Unsupported[0].Reason, "rest_password_test") {
					t.Errorf("systempay without a REST password: %+v", m)
				}
			}
		}
		if !found {
			t.Fatalf("no systempay site mode in %+v", p)
		}
		s := paid(t, h)
		r := h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 100}), http.StatusConflict)
		if !strings.Contains(string(r.body), "rest_password_test") || r.errorCode(t) != "unsupported" {
			t.Errorf("refund: %s", r.body)
		}
		r = h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/reconcile", adminKey, nil), http.StatusConflict)
		if r.errorCode(t) != "unsupported" {
			t.Errorf("reconcile: %s", r.body)
		}
	})
}
