// Package httpapi serves the host's HTTP endpoints (design §6): the shop API,
// the browser pages (/pay, /return), provider notifications, the operator API
// and health checks. Service errors become HTTP statuses here and nowhere
// else (errors.go).
package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/session"
)

// Authenticator maps a site API key to its site id, in constant time.
type Authenticator interface {
	SiteForKey(apiKey string) (siteID string, ok bool)
	IsAdminKey(apiKey string) bool
}

// PluginLister reports the loaded plugins for operators.
type PluginLister interface {
	// PluginsJSON returns a JSON-encodable description of every plugin.
	PluginsJSON() any
}

// Options configures the handler.
type Options struct {
	Service *session.Service
	Auth    Authenticator
	Plugins PluginLister
	// Ready reports whether the host can serve (storage answers).
	Ready func(ctx context.Context) error
	// PublicURL is the host's external base URL; plugins see request URLs
	// under it, as the provider called them.
	PublicURL string
	// MaxBodyBytes bounds every request body (default 1 MiB).
	MaxBodyBytes int64
	// Metrics serves /metrics; nil answers 404.
	Metrics http.Handler
	Logger  hclog.Logger
	Now     func() time.Time
}

// Server is the HTTP handler of the host.
type Server struct {
	svc       *session.Service
	auth      Authenticator
	plugins   PluginLister
	ready     func(ctx context.Context) error
	publicURL string
	maxBody   int64
	metrics   http.Handler
	log       hclog.Logger
	now       func() time.Time
	mux       *http.ServeMux
}

var _ http.Handler = (*Server)(nil)

// New builds the handler; it does no I/O.
func New(o Options) *Server {
	s := &Server{
		svc: o.Service, auth: o.Auth, plugins: o.Plugins, ready: o.Ready,
		publicURL: o.PublicURL, maxBody: o.MaxBodyBytes, metrics: o.Metrics, log: o.Logger, now: o.Now,
		mux: http.NewServeMux(),
	}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	if s.log == nil {
		s.log = hclog.NewNullLogger()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.routes()
	return s
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("POST /v1/eligibility", s.shop(s.handleEligibility))
	m.HandleFunc("POST /v1/sessions", s.shop(s.handleCreate))
	m.HandleFunc("GET /v1/sessions/{id}", s.shop(s.handleGet))
	m.HandleFunc("POST /v1/sessions/{id}/refund", s.shop(s.handleOperation(session.OperationRefund)))
	m.HandleFunc("POST /v1/sessions/{id}/capture", s.shop(s.handleOperation(session.OperationCapture)))
	m.HandleFunc("POST /v1/sessions/{id}/cancel", s.shop(s.handleOperation(session.OperationCancel)))

	m.HandleFunc("GET /pay/{id}", s.handlePay)
	m.HandleFunc("GET /return/{id}", s.handleReturn)
	m.HandleFunc("POST /return/{id}", s.handleReturn)
	m.HandleFunc("GET /notify/{plugin}", s.handleNotify)
	m.HandleFunc("POST /notify/{plugin}", s.handleNotify)
	m.HandleFunc("GET /notify/{plugin}/{id}", s.handleNotify)
	m.HandleFunc("POST /notify/{plugin}/{id}", s.handleNotify)

	m.HandleFunc("GET /admin/v1/plugins", s.admin(s.handlePlugins))
	m.HandleFunc("GET /admin/v1/sessions", s.admin(s.handleAdminList))
	m.HandleFunc("GET /admin/v1/sessions/{id}", s.admin(s.handleAdminGet))
	m.HandleFunc("POST /admin/v1/sessions/{id}/confirm", s.admin(s.handleConfirm))
	m.HandleFunc("POST /admin/v1/sessions/{id}/reconcile", s.admin(s.handleReconcile))
	m.HandleFunc("POST /admin/v1/sessions/{id}/resolve", s.admin(s.handleResolve))
	m.HandleFunc("GET /admin/v1/sessions/{id}/deliveries", s.admin(s.handleDeliveries))
	m.HandleFunc("POST /admin/v1/sessions/{id}/deliveries/{outbox}/redeliver", s.admin(s.handleRedeliver))

	m.HandleFunc("GET /healthz", s.handleHealthz)
	m.HandleFunc("GET /readyz", s.handleReadyz)
	m.HandleFunc("GET /openapi.yaml", s.handleOpenAPI)
	if s.metrics != nil {
		m.Handle("GET /metrics", s.metrics)
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
}

// ServeHTTP adds panic recovery and access logging around the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic serving request", "path", r.URL.Path, "panic", p)
			if !rec.wrote {
				writeError(rec, http.StatusInternalServerError, "internal", "internal error")
			}
		}
		// The query string is not logged: returns carry provider data.
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", s.now().Sub(start))
	}()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	r.Body = http.MaxBytesReader(rec, r.Body, s.maxBody)
	s.mux.ServeHTTP(rec, r)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.log.Warn("not ready", "error", err)
			writeError(w, http.StatusServiceUnavailable, "not_ready", "the host cannot serve yet")
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
