package app_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payhost/payhost/sdk/shop"
)

// bodyReceiver keeps every verified webhook body by event id.
type bodyReceiver struct {
	mu     sync.Mutex
	bodies map[string][][]byte
	url    string
}

func newBodyReceiver(t *testing.T) *bodyReceiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &bodyReceiver{bodies: map[string][][]byte{}, url: "http://" + ln.Addr().String() + "/hook"}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if shop.VerifyWebhook(webhookSecret, req.Header.Get(shop.SignatureHeader), body, time.Now(), 5*time.Minute) != nil {
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		id := req.Header.Get(shop.EventIDHeader)
		r.bodies[id] = append(r.bodies[id], body)
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return r
}

func (r *bodyReceiver) get(id string) [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[id]
}

// attentionJSON is what these tests read of a session.
type attentionJSON struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	NeedsAttention bool   `json:"needs_attention"`
	CapturedAmount int64  `json:"captured_amount"`
	RefundedAmount int64  `json:"refunded_amount"`
	Events         []struct {
		Source, Result, From, To, Reason string
	} `json:"events"`
}

// TestLatePayment: a verified payment for a session already cancelled or
// refused is acknowledged to the provider, recorded, leaves the status
// alone, marks the session needs_attention (API, admin filter, metrics),
// sends the shop one session.late_payment webhook however often the
// provider repeats it, can be refunded through the API, and is resolved by
// an operator.
func TestLatePayment(t *testing.T) {
	rcv := newBodyReceiver(t)
	h := startHost(t, hostOptions{hook: rcv.url})
	bystander := h.create("test", 700)
	h.expect(h.do("POST", "/notify/offline/"+bystander.ID, "", h.payForms(bystander.ID)["paid"].fields), http.StatusOK)

	for _, closed := range []string{"cancelled", "refused"} {
		t.Run(closed, func(t *testing.T) {
			h := h.with(t)
			s := h.create("test", 1200)
			forms := h.payForms(s.ID)
			h.expect(h.do("POST", "/notify/offline/"+s.ID, "", forms[closed].fields), http.StatusOK)
			// The provider took the money anyway, and says so twice.
			h.expect(h.do("POST", "/notify/offline/"+s.ID, "", forms["paid"].fields), http.StatusOK)
			h.expect(h.do("POST", "/notify/offline/"+s.ID, "", forms["paid"].fields), http.StatusOK)

			var got attentionJSON
			h.expect(h.do("GET", "/v1/sessions/"+s.ID, siteKey, nil), http.StatusOK).json(t, &got)
			last := got.Events[len(got.Events)-1]
			if got.Status != closed || !got.NeedsAttention || got.CapturedAmount != 1200 ||
				last.Source != "notification" || last.Result != "recorded" || last.Reason != "late_payment" || last.To != "paid" {
				t.Fatalf("after the late payment: %+v", got)
			}
			listed := func() bool {
				for _, l := range listSessions(t, h, "?needs_attention=true") {
					if l.ID == bystander.ID {
						t.Errorf("a paid session listed as needing attention")
					}
					if l.ID == s.ID {
						return true
					}
				}
				return false
			}
			if !listed() {
				t.Errorf("%s not listed with needs_attention=true", s.ID)
			}
			h.expect(h.do("GET", "/admin/v1/sessions?needs_attention=maybe", adminKey, nil), http.StatusBadRequest)

			eventID := s.ID + ":late_payment:paid"
			eventually(t, 20*time.Second, "the late payment webhook", func() bool { return len(rcv.get(eventID)) > 0 })
			time.Sleep(300 * time.Millisecond) // a second one would have come by now
			bodies := rcv.get(eventID)
			var hook struct {
				Event       string `json:"event"`
				ID          string `json:"id"`
				Status      string `json:"status"`
				LatePayment struct {
					Status   string `json:"status"`
					Amount   int64  `json:"amount"`
					Currency string `json:"currency"`
				} `json:"late_payment"`
				NeedsAttention bool `json:"needs_attention"`
			}
			if err := json.Unmarshal(bodies[0], &hook); err != nil {
				t.Fatal(err)
			}
			if len(bodies) != 1 || hook.Event != "session.late_payment" || hook.ID != s.ID || hook.Status != closed ||
				hook.LatePayment.Status != "paid" || hook.LatePayment.Amount != 1200 || hook.LatePayment.Currency != "EUR" || !hook.NeedsAttention {
				t.Errorf("%d late payment webhooks, the first: %s", len(bodies), bodies[0])
			}

			metrics := string(h.expect(h.do("GET", "/metrics", "", nil), http.StatusOK).body)
			if !strings.Contains(metrics, `payhost_late_payments_total{mode="test"}`) || !strings.Contains(metrics, "payhost_sessions_needing_attention ") {
				t.Errorf("no late payment metrics")
			}

			// The shop gives the money back; the session keeps its status.
			op := h.operate(s.ID, "refund", nil, http.StatusCreated)
			if op.Operation.Status != "succeeded" || op.Operation.Amount != 1200 || op.Session.Status != closed || op.Session.RefundedAmount != 1200 {
				t.Fatalf("refund of the late payment: %+v", op)
			}
			h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, map[string]any{"amount": 1}), http.StatusUnprocessableEntity)

			h.expect(h.do("POST", "/admin/v1/sessions/"+s.ID+"/resolve", adminKey, nil), http.StatusOK).json(t, &got)
			if got.NeedsAttention || got.Status != closed {
				t.Errorf("after resolve: %+v", got)
			}
			if listed() {
				t.Errorf("%s still listed after resolve", s.ID)
			}
		})
	}
	// A late authorization holds the buyer's money without taking it: the
	// shop cancels it at the provider through the API; the session keeps
	// its status and the shop is told once.
	t.Run("late authorization cancelled", func(t *testing.T) {
		h := h.with(t)
		s := h.create("test", 1300)
		forms := h.payForms(s.ID)
		h.expect(h.do("POST", "/notify/offline/"+s.ID, "", forms["cancelled"].fields), http.StatusOK)
		h.operate(s.ID, "cancel", nil, http.StatusConflict) // nothing to cancel yet
		h.expect(h.do("POST", "/notify/offline/"+s.ID, "", forms["authorized"].fields), http.StatusOK)
		h.expect(h.do("POST", "/v1/sessions/"+s.ID+"/refund", siteKey, nil), http.StatusConflict) // nothing was captured
		op := h.operate(s.ID, "cancel", nil, http.StatusCreated)
		if op.Operation.Status != "succeeded" || op.Session.Status != "cancelled" {
			t.Fatalf("cancel of the late authorization: %+v", op)
		}
		if r := h.do("POST", "/v1/sessions/"+s.ID+"/cancel", siteKey, nil); r.status != http.StatusConflict || r.errorCode(t) != "invalid_state" {
			t.Errorf("a second cancel: %d %s", r.status, r.body)
		}
		eventID := s.ID + ":late_authorization_cancelled"
		eventually(t, 20*time.Second, "the late authorization's cancellation webhook", func() bool { return len(rcv.get(eventID)) > 0 })
		if got := h.get(s.ID); got.Status != "cancelled" {
			t.Errorf("after the cancellation: %s", got.Status)
		}
		// A session closed without any late authorization has nothing to cancel.
		other := h.create("test", 1400)
		h.expect(h.do("POST", "/notify/offline/"+other.ID, "", h.payForms(other.ID)["refused"].fields), http.StatusOK)
		h.operate(other.ID, "cancel", nil, http.StatusConflict)
	})
}
