package app_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/shop"
)

// receiver stands in for the shop: it verifies every webhook and records
// the event ids it accepted, in order. Its behaviour can be switched.
type receiver struct {
	t        *testing.T
	mu       sync.Mutex
	mode     string // "ok", "503", "hang"
	accepted []string
	attempts int
	srv      *http.Server
	addr     string
}

func newReceiver(t *testing.T) *receiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{t: t, mode: "ok", addr: ln.Addr().String()}
	r.serve(ln)
	t.Cleanup(func() { r.srv.Close() })
	return r
}

func (r *receiver) url() string { return "http://" + r.addr + "/hook" }

func (r *receiver) serve(ln net.Listener) {
	r.srv = &http.Server{Handler: http.HandlerFunc(r.handle)}
	go r.srv.Serve(ln)
}

func (r *receiver) handle(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	mode := r.mode
	r.attempts++
	r.mu.Unlock()
	switch mode {
	case "503":
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	case "hang":
		time.Sleep(2 * time.Second)
		return
	}
	if err := shop.VerifyWebhook(webhookSecret, req.Header.Get(shop.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
		r.t.Errorf("webhook does not verify: %v", err)
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.accepted = append(r.accepted, req.Header.Get(shop.EventIDHeader))
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) set(mode string) { r.mu.Lock(); r.mode = mode; r.mu.Unlock() }

func (r *receiver) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.accepted...)
}

// down stops listening (connection refused); up listens again on the same
// address.
func (r *receiver) down() { r.srv.Close() }
func (r *receiver) up(t *testing.T) {
	var ln net.Listener
	var err error
	for range 50 { // the port may linger briefly
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	r.serve(ln)
}

type deliveriesJSON struct {
	Events []struct {
		ID          int64   `json:"id"`
		EventID     string  `json:"event_id"`
		Attempts    int     `json:"attempts"`
		DeliveredAt *string `json:"delivered_at"`
	} `json:"events"`
	Deliveries []struct {
		EventID    string `json:"event_id"`
		StatusCode int    `json:"status_code"`
		Error      string `json:"error"`
	} `json:"deliveries"`
}

func (h *host) deliveries(id string) deliveriesJSON {
	h.t.Helper()
	var d deliveriesJSON
	h.expect(h.do("GET", "/admin/v1/sessions/"+id+"/deliveries", adminKey, nil), http.StatusOK).json(h.t, &d)
	return d
}

func TestWebhooksToTheShop(t *testing.T) {
	rcv := newReceiver(t)
	h := startHost(t, hostOptions{hook: rcv.url()})

	t.Run("signed, in order, once", func(t *testing.T) {
		h := h.with(t)
		s := h.create("test", 1500)
		h.expect(h.do("POST", "/notify/offline/"+s.ID, "", h.payForms(s.ID)["paid"].fields), http.StatusOK)
		want := []string{s.ID + ":pending", s.ID + ":paid"}
		eventually(t, 20*time.Second, "webhooks", func() bool { return len(rcv.events()) >= 2 })
		if got := rcv.events(); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("events %v, want %v", got, want)
		}
	})

	t.Run("receiver down, then back: every event once, attempts recorded", func(t *testing.T) {
		h := h.with(t)
		before := len(rcv.events())
		rcv.set("503")
		s := h.create("test", 1600)
		time.Sleep(300 * time.Millisecond) // a few 503s
		rcv.down()                         // then connection refused
		h.expect(h.do("POST", "/notify/offline/"+s.ID, "", h.payForms(s.ID)["paid"].fields), http.StatusOK)
		time.Sleep(300 * time.Millisecond)
		rcv.set("ok")
		rcv.up(t)
		eventually(t, 20*time.Second, "delivery after recovery", func() bool { return len(rcv.events()) >= before+2 })
		got := rcv.events()[before:]
		if strings.Join(got, " ") != s.ID+":pending "+s.ID+":paid" {
			t.Errorf("events after recovery %v", got)
		}
		// The receiver answers before the worker records the attempt.
		d := h.deliveries(s.ID)
		eventually(t, 20*time.Second, "delivery recorded", func() bool {
			d = h.deliveries(s.ID)
			return len(d.Events) == 2 && d.Events[1].DeliveredAt != nil
		})
		var refused, unavailable, ok int
		for _, a := range d.Deliveries {
			switch {
			case a.StatusCode == 503:
				unavailable++
			case a.StatusCode == 0 && strings.Contains(a.Error, "refused"):
				refused++
			case a.StatusCode == 204:
				ok++
			}
		}
		if unavailable == 0 || refused == 0 || ok != 2 {
			t.Errorf("attempts: %d × 503, %d refused, %d ok: %+v", unavailable, refused, ok, d.Deliveries)
		}
		// The first event waited through the outage; the second, queued
		// behind it, went out at its first attempt once the first was through.
		if len(d.Events) != 2 || d.Events[0].Attempts < 3 || d.Events[1].Attempts != 1 || d.Events[0].DeliveredAt == nil || d.Events[1].DeliveredAt == nil {
			t.Errorf("events %+v", d.Events)
		}
	})

	t.Run("redelivery", func(t *testing.T) {
		h := h.with(t)
		s := h.create("test", 1700)
		eventually(t, 20*time.Second, "first delivery", func() bool {
			d := h.deliveries(s.ID)
			return len(d.Events) == 1 && d.Events[0].DeliveredAt != nil
		})
		before := len(rcv.events())
		id := h.deliveries(s.ID).Events[0].ID
		h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/deliveries/"+itoa(id)+"/redeliver", adminKey, nil), http.StatusAccepted)
		eventually(t, 20*time.Second, "redelivery", func() bool { return len(rcv.events()) == before+1 })
		if got := rcv.events()[before]; got != s.ID+":pending" {
			t.Errorf("redelivered %s", got)
		}
		h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/deliveries/999999/redeliver", adminKey, nil), http.StatusNotFound)
	})

	t.Run("a hanging receiver is cut by the timeout", func(t *testing.T) {
		h := h.with(t)
		rcv.set("hang")
		s := h.create("test", 1800)
		eventually(t, 20*time.Second, "a timed-out attempt", func() bool {
			for _, a := range h.deliveries(s.ID).Deliveries {
				if a.StatusCode == 0 && strings.Contains(a.Error, "deadline") {
					return true
				}
			}
			return false
		})
		rcv.set("ok")
		eventually(t, 10*time.Second, "delivery once the receiver answers", func() bool {
			d := h.deliveries(s.ID)
			return len(d.Events) == 1 && d.Events[0].DeliveredAt != nil
		})
	})
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

type operationJSON struct {
	Operation struct {
		ID     string `json:"id"`
		Kind   string `json:"kind"`
		Amount int64  `json:"amount"`
		Status string `json:"status"`
	} `json:"operation"`
	Session struct {
		Status         string `json:"status"`
		RefundedAmount int64  `json:"refunded_amount"`
	} `json:"session"`
}

func (h *host) operate(id, kind string, body any, status int) operationJSON {
	h.t.Helper()
	var op operationJSON
	r := h.expect(h.do("POST", "/v1/sessions/"+id+"/"+kind, siteKey, body), status)
	if status < 300 {
		r.json(h.t, &op)
	}
	return op
}

func TestRefundCaptureCancel(t *testing.T) {
	dir := privatePlugins(t)
	h := startHost(t, hostOptions{dir: dir, janitor: "{interval: 200ms, query_schedule: [300ms, 300ms, 300ms, 300ms]}"})
	paid := func(t *testing.T, amount int64) sessionJSON {
		t.Helper()
		s := h.create("test", amount)
		h.expect(h.do("POST", "/notify/offline/"+s.ID, "", h.payForms(s.ID)["paid"].fields), http.StatusOK)
		return s
	}

	t.Run("partial, partial, over-refund, rest", func(t *testing.T) {
		h := h.with(t)
		s := paid(t, 10000)
		if op := h.operate(s.ID, "refund", map[string]any{"amount": 3000}, http.StatusCreated); op.Operation.Status != "succeeded" || op.Session.Status != "partially_refunded" || op.Session.RefundedAmount != 3000 {
			t.Fatalf("first refund %+v", op)
		}
		if op := h.operate(s.ID, "refund", map[string]any{"amount": 2000}, http.StatusCreated); op.Session.Status != "partially_refunded" || op.Session.RefundedAmount != 5000 {
			t.Fatalf("second refund %+v", op)
		}
		r := h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 5001}), http.StatusUnprocessableEntity)
		if code := r.errorCode(t); code != "amount_exceeded" {
			t.Errorf("over-refund code %s", code)
		}
		if op := h.operate(s.ID, "refund", nil, http.StatusCreated); op.Operation.Amount != 5000 || op.Session.Status != "refunded" {
			t.Fatalf("refund of the rest %+v", op)
		}
		h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 1}), http.StatusUnprocessableEntity)
	})
	t.Run("idempotent refund", func(t *testing.T) {
		h := h.with(t)
		s := paid(t, 5000)
		var first, again operationJSON
		h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 100}, "Idempotency-Key", "rf-1"), http.StatusCreated).json(t, &first)
		h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 100}, "Idempotency-Key", "rf-1"), http.StatusCreated).json(t, &again)
		if first.Operation.ID != again.Operation.ID || again.Session.RefundedAmount != 100 {
			t.Errorf("replayed refund %+v vs %+v", first, again)
		}
		h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 200}, "Idempotency-Key", "rf-1"), http.StatusUnprocessableEntity)
	})
	t.Run("capture and cancel", func(t *testing.T) {
		h := h.with(t)
		s := h.create("test", 4000)
		h.expect(h.do("POST", "/notify/offline/"+s.ID, "", h.payForms(s.ID)["authorized"].fields), http.StatusOK)
		h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, nil), http.StatusConflict) // authorized: capture or cancel
		if op := h.operate(s.ID, "capture", nil, http.StatusCreated); op.Session.Status != "paid" {
			t.Errorf("capture %+v", op)
		}
		c := h.create("test", 4000)
		if op := h.operate(c.ID, "cancel", nil, http.StatusCreated); op.Session.Status != "cancelled" {
			t.Errorf("cancel %+v", op)
		}
		h.expect(h.do("POST", "/v1/sessions/"+c.ID+"/cancel", siteKey, nil), http.StatusConflict)
	})
	t.Run("a mode without the capability", func(t *testing.T) {
		h := h.with(t)
		s := h.create("cheque", 2500)
		h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/confirm", adminKey, nil), http.StatusOK)
		r := h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 100}), http.StatusConflict)
		if code := r.errorCode(t); code != "unsupported" {
			t.Errorf("code %s", code)
		}
		h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", otherSiteKey, nil), http.StatusNotFound)
	})
	t.Run("plugin killed mid-call: unknown, then settled by the janitor", func(t *testing.T) {
		h := h.with(t)
		s := paid(t, 10000)
		exe := dir + "/payhost-plugin-offline"
		done := make(chan operationJSON)
		go func() {
			var op operationJSON
			r := h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 4242})
			if r.status != http.StatusAccepted {
				t.Errorf("refund during a crash: %d %s", r.status, r.body)
			} else {
				r.json(t, &op)
			}
			done <- op
		}()
		time.Sleep(500 * time.Millisecond)
		for _, pid := range pluginPIDs(t, exe) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		op := <-done
		if op.Operation.Status != "unknown" {
			t.Fatalf("operation after the crash: %+v", op)
		}
		eventually(t, 15*time.Second, "janitor settling the refund", func() bool {
			var got struct {
				Status     string `json:"status"`
				Operations []struct {
					Status string `json:"status"`
				} `json:"operations"`
			}
			h.expect(h.do("GET", "/v1/sessions/"+s.ID, siteKey, nil), http.StatusOK).json(t, &got)
			return got.Status == "partially_refunded" && len(got.Operations) == 1 && got.Operations[0].Status == "succeeded"
		})
	})
}

func TestAbandonedSessionExpires(t *testing.T) {
	h := startHost(t, hostOptions{lifetime: "1s", janitor: "{interval: 200ms, query_schedule: [1h]}"})
	s := h.create("test", 1000)
	forms := h.payForms(s.ID)
	eventually(t, 10*time.Second, "expiry", func() bool { return h.get(s.ID).Status == "expired" })
	got := h.get(s.ID)
	last := got.Events[len(got.Events)-1]
	if last.Source != "janitor" || last.Result != "applied" || last.Reason != "lifetime_exceeded" {
		t.Errorf("expiry event %+v", last)
	}
	// A late notification cannot revive it.
	h.expect(h.do("POST", "/notify/offline/"+s.ID, "", forms["paid"].fields), http.StatusOK)
	if got := h.get(s.ID).Status; got != "expired" {
		t.Errorf("after a late notification: %s", got)
	}
}

func TestMetrics(t *testing.T) {
	h := startHost(t, hostOptions{})
	s := h.create("test", 1000)
	forms := h.payForms(s.ID)
	h.expect(h.do("POST", "/notify/offline/"+s.ID, "", forms["paid"].fields), http.StatusOK)
	h.expect(h.do("POST", "/notify/offline/"+s.ID, "", forms["paid"].fields), http.StatusOK)
	bad := url.Values{}
	for k, v := range forms["paid"].fields {
		bad[k] = v
	}
	bad.Set("sig", strings.Repeat("0", 64))
	h.expect(h.do("POST", "/notify/offline/"+s.ID, "", bad), http.StatusBadRequest)
	var body string
	eventually(t, 20*time.Second, "a webhook attempt", func() bool {
		body = string(h.expect(h.do("GET", "/metrics", "", nil), http.StatusOK).body)
		return strings.Contains(body, "payhost_webhook_deliveries_total{")
	})
	for _, want := range []string{
		`payhost_sessions_created_total{mode="test"} 1`,
		`payhost_notifications_total{mode="test",reason="",result="applied"} 1`,
		`payhost_notifications_total{mode="test",reason="",result="duplicate"} 1`,
		`payhost_notifications_total{mode="test",reason="invalid_signature",result="rejected"} 1`,
		`payhost_plugin_calls_total{method="Begin",outcome="ok",plugin="offline"} 1`,
		`payhost_plugin_calls_total{method="HandleNotification",outcome="invalid_signature",plugin="offline"} 1`,
		`payhost_plugin_call_duration_seconds_bucket{method="Begin",plugin="offline"`,
		`payhost_plugin_restarts_total{plugin="offline"} 0`,
		`payhost_webhook_oldest_undelivered_seconds`,
		`payhost_webhook_deliveries_total{outcome="failed",site="shop"}`,
		`payhost_store_transactions_total `,
		`payhost_store_commits_total `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// SQLite's group commit: at least one transaction per commit.
	var txs, commits float64
	for _, line := range strings.Split(body, "\n") {
		fmt.Sscanf(line, "payhost_store_transactions_total %g", &txs)
		fmt.Sscanf(line, "payhost_store_commits_total %g", &commits)
	}
	if commits < 1 || txs < commits {
		t.Errorf("store counters: %g transactions in %g commits", txs, commits)
	}
}
