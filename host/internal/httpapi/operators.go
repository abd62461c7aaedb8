package httpapi

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"

	"github.com/payhost/payhost/host/internal/session"
)

// Operator roles, from least to most allowed.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
	RoleAdmin    = "admin"
)

// RoleRank orders the roles; an unknown role ranks below viewer.
func RoleRank(role string) int {
	switch role {
	case RoleViewer:
		return 1
	case RoleOperator:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// OperatorKeys maps an operator's personal API key to the operator, in
// constant time.
type OperatorKeys interface {
	OperatorForKey(key string) (name, role string, ok bool)
}

// AuditLog keeps the operators' actions.
type AuditLog interface {
	AppendAudit(ctx context.Context, e session.AuditEntry) error
	Audit(ctx context.Context, f session.AuditFilter) ([]session.AuditEntry, error)
}

// adminRole is the role an operator API request needs: reading takes a
// viewer, acting on sessions an operator, reloading and the audit log an
// admin.
func adminRole(r *http.Request) string {
	switch {
	case r.Pattern == "POST /admin/v1/reload" || r.Pattern == "GET /admin/v1/audit":
		return RoleAdmin
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		return RoleViewer
	}
	return RoleOperator
}

// authorized checks the role of an authenticated operator API request and
// audits it (every request but plain reads).
func (s *Server) authorized(w http.ResponseWriter, r *http.Request, who, role string, h http.HandlerFunc) {
	need := adminRole(r)
	audit := func(outcome string) {
		if s.audit == nil || (need == RoleViewer && outcome == "ok") {
			return
		}
		e := session.AuditEntry{At: s.now().UTC(), Actor: who, Role: role, Via: "api", Action: r.Pattern,
			Target: r.PathValue("id"), Remote: RemoteIP(r), Outcome: outcome}
		if err := s.audit.AppendAudit(context.WithoutCancel(r.Context()), e); err != nil {
			s.log.Error("audit log", "error", err)
		}
	}
	if RoleRank(role) < RoleRank(need) {
		audit("denied")
		writeError(w, http.StatusForbidden, "forbidden", "this needs the "+need+" role; "+who+" is "+role)
		return
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	h(rec, r)
	if rec.status >= 400 {
		audit("http_" + strconv.Itoa(rec.status))
		return
	}
	audit("ok")
}

// RemoteIP is the request's client address, without the port.
func RemoteIP(r *http.Request) string {
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return ip
	}
	return r.RemoteAddr
}

// handleAudit exports the audit log, newest first: JSON, or JSON lines
// with format=jsonl.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := session.AuditFilter{Actor: q.Get("actor"), Limit: 1000}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "invalid_request", "before must be a positive integer")
			return
		}
		f.Before = n
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, http.StatusBadRequest, "invalid_request", "limit must be an integer from 1 to 10000")
			return
		}
		f.Limit = n
	}
	entries, err := s.audit.Audit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch q.Get("format") {
	case "", "json":
		if entries == nil {
			entries = []session.AuditEntry{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
	case "jsonl":
		w.Header().Set("Content-Type", "application/jsonl")
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(w)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return
			}
		}
	default:
		writeError(w, http.StatusBadRequest, "invalid_request", "format must be json or jsonl")
	}
}
