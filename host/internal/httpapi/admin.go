package httpapi

import (
	"net/http"
	"strconv"

	"github.com/payhost/payhost/host/internal/session"
)

func (s *Server) handlePlugins(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"plugins": s.plugins.PluginsJSON()})
}

func (s *Server) handleAdminList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := session.Filter{SiteID: q.Get("site"), Status: session.Status(q.Get("status"))}
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
	sess, events, err := s.svc.Get(r.Context(), "", r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.svc.ViewWithEvents(sess, events))
}

func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	sess, err := s.svc.Confirm(r.Context(), r.PathValue("id"))
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
