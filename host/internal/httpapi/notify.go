package httpapi

import (
	"net/http"

	"github.com/payhost/payhost/host/internal/session"
)

// handleNotify takes a provider's notification. The provider's expected
// answer is written only after the service committed; every failure answers
// non-2xx with a JSON error so the provider retries (or gives up on a
// forgery). A plugin name the host never discovered is 404: no provider
// sends there, so it is not worth a retry, nor more than a rate-limited
// warning.
func (s *Server) handleNotify(w http.ResponseWriter, r *http.Request) {
	plugin, id := r.PathValue("plugin"), r.PathValue("id")
	if !s.plugins.HasPlugin(plugin) {
		if ok, held := s.unknownPluginLog.allow(s.now()); ok {
			s.log.Warn("notification for an unknown plugin", "plugin", plugin, "remote_addr", r.RemoteAddr, "suppressed", held)
		}
		writeError(w, http.StatusNotFound, "unknown_plugin", "no plugin of that name")
		return
	}
	req, ok := s.providerRequest(w, r)
	if !ok {
		return
	}
	res, err := s.svc.HandleNotification(r.Context(), plugin, id, req)
	if err != nil {
		code := session.ErrorCode(err)
		status := statusFor(code)
		if status >= 500 {
			s.log.Error("notification failed", "plugin", plugin, "session_id", id, "code", code, "error", err)
		} else if ok, held := s.refusedNotifyLog.allow(s.now()); ok {
			s.log.Warn("notification refused", "plugin", plugin, "session_id", id, "code", code, "suppressed", held)
		}
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "30")
		}
		writeError(w, status, code, session.ErrorMessage(err))
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
