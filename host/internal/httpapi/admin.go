package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

func (s *Server) handlePlugins(w http.ResponseWriter, r *http.Request) {
	modes := []siteModeView{}
	for _, m := range s.svc.SiteModeCapabilities() {
		v := siteModeView{Site: m.Site, Mode: m.Mode, Plugin: m.Plugin, Enabled: m.Enabled, Capabilities: []string{}, Unsupported: []unsupportedView{}}
		for _, c := range []payment.Capability{payment.CapabilityRefund, payment.CapabilityPartialRefund, payment.CapabilityCapture,
			payment.CapabilityPartialCapture, payment.CapabilityCancel, payment.CapabilityQuery} {
			if m.Capabilities.Has(c) {
				v.Capabilities = append(v.Capabilities, string(c))
			}
		}
		for _, u := range m.Unsupported {
			v.Unsupported = append(v.Unsupported, unsupportedView{Capability: string(u.Capability), Reason: u.Reason})
		}
		modes = append(modes, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"plugins": s.plugins.PluginsJSON(), "site_modes": modes})
}

// siteModeView is what a site's mode can do, and why it cannot do more.
type siteModeView struct {
	Site         string            `json:"site"`
	Mode         string            `json:"mode"`
	Plugin       string            `json:"plugin"`
	Enabled      bool              `json:"enabled"`
	Capabilities []string          `json:"capabilities"`
	Unsupported  []unsupportedView `json:"unsupported"`
}

type unsupportedView struct {
	Capability string `json:"capability"`
	Reason     string `json:"reason"`
}

func (s *Server) handleAdminList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := session.Filter{SiteID: q.Get("site"), Status: session.Status(q.Get("status"))}
	switch q.Get("needs_attention") {
	case "", "false":
	case "true":
		f.NeedsAttention = true
	default:
		writeError(w, http.StatusBadRequest, "invalid_request", "needs_attention must be true or false")
		return
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "invalid_request", "limit must be an integer from 1 to 1000")
			return
		}
		f.Limit = n
	}
	list, err := s.svc.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]session.View, len(list))
	for i, sess := range list {
		out[i] = s.svc.View(sess)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

func (s *Server) handleAdminGet(w http.ResponseWriter, r *http.Request) {
	sess, events, ops, err := s.svc.Record(r.Context(), "", r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.svc.ViewWithEvents(sess, events, ops))
}

func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	sess, err := s.svc.Confirm(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.svc.View(sess))
}

func (s *Server) handleResolve(w http.ResponseWriter, r *http.Request) {
	sess, err := s.svc.Resolve(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.svc.View(sess))
}

func (s *Server) handleReconcile(w http.ResponseWriter, r *http.Request) {
	sess, err := s.svc.Reconcile(r.Context(), r.PathValue("id"), session.SourceOperator)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.svc.View(sess))
}

type deliveryView struct {
	EventID    string    `json:"event_id"`
	OutboxID   int64     `json:"outbox_id"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"`
	LatencyMS  int64     `json:"latency_ms"`
	Response   string    `json:"response,omitempty"`
	Error      string    `json:"error,omitempty"`
}

type outboxView struct {
	ID          int64      `json:"id"`
	EventID     string     `json:"event_id"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at"`
	GivenUpAt   *time.Time `json:"given_up_at"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) handleDeliveries(w http.ResponseWriter, r *http.Request) {
	msgs, ds, err := s.svc.Deliveries(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Events     []outboxView   `json:"events"`
		Deliveries []deliveryView `json:"deliveries"`
	}{Events: []outboxView{}, Deliveries: []deliveryView{}}
	for _, m := range msgs {
		out.Events = append(out.Events, outboxView{ID: m.ID, EventID: m.EventID, Status: string(m.Status), Attempts: m.Attempts,
			CreatedAt: m.CreatedAt, DeliveredAt: timePtr(m.DeliveredAt), GivenUpAt: timePtr(m.GivenUpAt)})
	}
	for _, d := range ds {
		out.Deliveries = append(out.Deliveries, deliveryView{EventID: d.EventID, OutboxID: d.OutboxID, At: d.At, StatusCode: d.StatusCode,
			LatencyMS: d.Latency.Milliseconds(), Response: d.Response, Error: d.Error})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleRedeliver(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("outbox"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "the event number must be an integer")
		return
	}
	if err := s.svc.Redeliver(r.Context(), r.PathValue("id"), id); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "queued"})
}
