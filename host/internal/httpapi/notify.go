package httpapi

import (
	"net/http"

	"github.com/payhost/payhost/host/internal/session"
)

// handleNotify takes a provider's notification. The provider's expected
// answer is written only after the service committed; every failure answers
// non-2xx in plain text so the provider retries (or gives up on a forgery).
func (s *Server) handleNotify(w http.ResponseWriter, r *http.Request) {
	req, ok := s.providerRequest(w, r)
	if !ok {
		return
	}
	plugin, id := r.PathValue("plugin"), r.PathValue("id")
	res, err := s.svc.HandleNotification(r.Context(), plugin, id, req)
	if err != nil {
		code := session.ErrorCode(err)
		status := statusFor(code)
		if status >= 500 {
			s.log.Error("notification failed", "plugin", plugin, "session_id", id, "code", code, "error", err)
		} else {
			s.log.Warn("notification refused", "plugin", plugin, "session_id", id, "code", code)
		}
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "30")
		}
		http.Error(w, code, status)
		return
	}
	for k, vs := range res.Response.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" && len(res.Response.Body) > 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(res.Response.StatusCode)
	_, _ = w.Write(res.Response.Body)
}
