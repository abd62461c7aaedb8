package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestRetryAfter: a 503 invites a retry unless the plugin failed
// permanently, which only an operator can fix.
func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		status int
		msg    string
		want   string
	}{
		{"restarting", http.StatusServiceUnavailable, "plugin offline is not running (restarting)", "5"},
		{"permanent, session", http.StatusServiceUnavailable, `the plugin of mode "test" failed permanently and needs an operator; retrying will not help`, ""},
		{"permanent, call", http.StatusServiceUnavailable, "plugin offline failed permanently (checksum mismatch); an operator must fix it and reload", ""},
		{"not a 503", http.StatusNotFound, "no such session", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			writeError(w, tc.status, "plugin_unavailable", tc.msg)
			if got := w.Header().Get("Retry-After"); got != tc.want {
				t.Errorf("Retry-After %q, want %q", got, tc.want)
			}
		})
	}
}
