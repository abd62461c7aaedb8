// Package httpapi serves the host's HTTP endpoints (design §6): the shop API,
// the browser pages (/pay, /return), provider notifications, the operator API
// and health checks. Service errors become HTTP statuses here and nowhere
// else (errors.go).
package httpapi

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/checkout"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/web"
)

// Authenticator maps a site API key to its site id, in constant time.
type Authenticator interface {
	SiteForKey(apiKey string) (siteID string, ok bool)
	IsAdminKey(apiKey string) bool
}

// PluginLister reports the plugins.
type PluginLister interface {
	// PluginsJSON returns a JSON-encodable description of every plugin.
	PluginsJSON() any
	// HasPlugin reports whether a plugin of that name was discovered
	// (loaded or not).
	HasPlugin(name string) bool
}

// Options configures the handler.
type Options struct {
	Service   *session.Service
	Checkouts *checkout.Service
	// Pages renders the buyer pages.
	Pages   *web.Pages
	Auth    Authenticator
	Plugins PluginLister
	// Ready lists what keeps the host from serving (storage unreachable,
	// draining, an enabled mode without a healthy plugin); none means ready.
	Ready func(ctx context.Context) []ReadyProblem
	// Reload re-reads the configuration and the plugins directory
	// (POST /admin/v1/reload); nil answers 404.
	Reload func(ctx context.Context) (any, error)
	// Observer, when set, sees every request's route, status and latency.
	Observer Observer
	// PublicURL is the host's external base URL; plugins see request URLs
	// under it, as the provider called them.
	PublicURL string
	// PublicRate and PublicBurst bound the widget's endpoints per client
	// address: requests per second refilled, and at once (default 2 and
	// 30).
	PublicRate, PublicBurst float64
	// MaxBodyBytes bounds every request body (default 1 MiB).
	MaxBodyBytes int64
	// Metrics serves /metrics; nil answers 404.
	Metrics http.Handler
	// Operators, when set, lets the operator API take personal keys.
	Operators OperatorKeys
	// Audit, when set, records every operator API action and serves
	// GET /admin/v1/audit.
	Audit AuditLog
	// Console, when set, serves the operator console under /console/.
	Console http.Handler
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (clientaddr.go); none: the TCP peer is the client.
	TrustedProxies []netip.Prefix
	Logger         hclog.Logger
	Now            func() time.Time
}

// Server is the HTTP handler of the host.
type Server struct {
	svc       *session.Service
	checkouts *checkout.Service
	pages     *web.Pages
	// public limits the widget's endpoints per client address.
	public    *limiter
	auth      Authenticator
	plugins   PluginLister
	ready     func(ctx context.Context) []ReadyProblem
	reload    func(ctx context.Context) (any, error)
	observer  Observer
	publicURL string
	maxBody   int64
	metrics   http.Handler
	operators OperatorKeys
	audit     AuditLog
	console   http.Handler
	trusted   []netip.Prefix
	log       hclog.Logger
	now       func() time.Time
	mux       *http.ServeMux
	// Provider endpoints are open to anyone: what they refuse is logged
	// at most once a second per kind.
	unknownPluginLog, refusedNotifyLog logLimiter
}

var _ http.Handler = (*Server)(nil)

// New builds the handler; it does no I/O.
func New(o Options) *Server {
	s := &Server{
		svc: o.Service, checkouts: o.Checkouts, pages: o.Pages, auth: o.Auth, plugins: o.Plugins, ready: o.Ready,
		reload: o.Reload, observer: o.Observer,
		publicURL: o.PublicURL, maxBody: o.MaxBodyBytes, metrics: o.Metrics, log: o.Logger, now: o.Now,
		operators: o.Operators, audit: o.Audit, console: o.Console, trusted: o.TrustedProxies,
		mux:              http.NewServeMux(),
		unknownPluginLog: logLimiter{interval: time.Second},
		refusedNotifyLog: logLimiter{interval: time.Second},
	}
	if o.PublicRate <= 0 {
		o.PublicRate = 2
	}
	if o.PublicBurst < 1 {
		o.PublicBurst = 30
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
	s.public = newLimiter(o.PublicRate, o.PublicBurst, s.now)
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

	m.HandleFunc("POST /v1/checkouts", s.shop(s.handleCreateCheckout))
	m.HandleFunc("GET /v1/checkouts/{id}", s.shop(s.handleGetCheckout))
	m.HandleFunc("GET /checkout/{id}", s.handleCheckoutPage)
	m.HandleFunc("POST /checkout/{id}", s.handleCheckoutPick)
	m.HandleFunc("POST /checkout/{id}/abandon", s.handleCheckoutAbandon)
	m.Handle("GET "+web.StaticPrefix+"/", s.pages.Static())
	m.HandleFunc("GET /widget.js", s.handleWidget(false))
	m.HandleFunc("GET /widget/v"+web.WidgetVersion+".js", s.handleWidget(true))
	m.HandleFunc("OPTIONS /v1/public/checkouts/{id}", s.handlePublicPreflight)
	m.HandleFunc("OPTIONS /v1/public/checkouts/{id}/sessions", s.handlePublicPreflight)
	m.HandleFunc("GET /v1/public/checkouts/{id}", s.limitPublic(s.handlePublicCheckout))
	m.HandleFunc("POST /v1/public/checkouts/{id}/sessions", s.limitPublic(s.handlePublicPick))
	m.HandleFunc("OPTIONS /v1/public/checkouts/{id}/abandon", s.handlePublicPreflight)
	m.HandleFunc("POST /v1/public/checkouts/{id}/abandon", s.limitPublic(s.handlePublicAbandon))

	m.HandleFunc("GET /pay/{id}", s.handlePay)
	m.HandleFunc("GET /return/{id}", s.handleReturn)
	m.HandleFunc("POST /return/{id}", s.handleReturn)
	m.HandleFunc("GET /notify/{plugin}", s.handleNotify)
	m.HandleFunc("POST /notify/{plugin}", s.handleNotify)
	m.HandleFunc("GET /notify/{plugin}/{id}", s.handleNotify)
	m.HandleFunc("POST /notify/{plugin}/{id}", s.handleNotify)

	m.HandleFunc("GET /admin/v1/plugins", s.admin(s.handlePlugins))
	if s.reload != nil {
		m.HandleFunc("POST /admin/v1/reload", s.admin(s.handleReload))
	}
	m.HandleFunc("GET /admin/v1/sessions", s.admin(s.handleAdminList))
	m.HandleFunc("GET /admin/v1/sessions/{id}", s.admin(s.handleAdminGet))
	m.HandleFunc("POST /admin/v1/sessions/{id}/confirm", s.admin(s.handleConfirm))
	m.HandleFunc("POST /admin/v1/sessions/{id}/reconcile", s.admin(s.handleReconcile))
	m.HandleFunc("POST /admin/v1/sessions/{id}/resolve", s.admin(s.handleResolve))
	m.HandleFunc("GET /admin/v1/sessions/{id}/deliveries", s.admin(s.handleDeliveries))
	m.HandleFunc("POST /admin/v1/sessions/{id}/deliveries/{outbox}/redeliver", s.admin(s.handleRedeliver))

	if s.audit != nil {
		m.HandleFunc("GET /admin/v1/audit", s.admin(s.handleAudit))
	}
	if s.console != nil {
		m.Handle("/console/", s.console)
		m.Handle("GET /console", http.RedirectHandler("/console/", http.StatusFound))
	}

	m.HandleFunc("GET /healthz", s.handleHealthz)
	m.HandleFunc("GET /readyz", s.handleReadyz)
	m.HandleFunc("GET /openapi.yaml", s.handleOpenAPI)
	if s.metrics != nil {
		m.Handle("GET /metrics", s.metrics)
	}
	m.HandleFunc("/", s.handleNoRoute)
}

// handleNoRoute answers what no route takes: 405 with Allow when the path
// exists for other methods, 404 otherwise. (ServeMux would answer 405 by
// itself, but in plain text, and not with a catch-all route.)
func (s *Server) handleNoRoute(w http.ResponseWriter, r *http.Request) {
	if allow := s.allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here; allowed: "+strings.Join(allow, ", "))
		return
	}
	writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
}

// allowed lists the methods a route takes for r's path.
func (s *Server) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			out = append(out, m)
		}
	}
	return out
}

// ServeHTTP adds panic recovery and access logging around the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	if len(s.trusted) > 0 {
		if client, ok := clientBehind(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.trusted); ok {
			r = r.WithContext(r.Context()) // a copy: the caller's request stays as it came
			r.RemoteAddr = client
		}
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic serving request", "path", r.URL.Path, "panic", p)
			if !rec.wrote {
				writeError(rec, http.StatusInternalServerError, "internal", "internal error")
			}
		}
		// The query string is not logged: returns carry provider data. The
		// level is checked first: building the arguments costs allocations
		// on every request even when the line is dropped.
		d := s.now().Sub(start)
		if s.log.IsDebug() {
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", d)
		}
		if s.observer != nil {
			route := r.Pattern // set by the mux: the route, never the raw path
			if route == "" || route == "/" {
				route = "unmatched"
			}
			s.observer.HTTPRequest(route, rec.status, d)
		}
	}()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	r.Body = http.MaxBytesReader(rec, r.Body, s.maxBody)
	if bad := checkURL(r); bad != nil {
		writeError(rec, http.StatusBadRequest, bad.code, bad.msg)
		return
	}
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
		if down := s.ready(ctx); len(down) > 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not_ready", "down": down})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// ReadyProblem is one reason the host is not ready.
type ReadyProblem struct {
	// Component is what is down: "database", "shutdown", "site shop, mode test".
	Component string `json:"component"`
	Problem   string `json:"problem"`
	// Permanent is true when waiting will not help: an operator must act.
	Permanent bool `json:"permanent,omitempty"`
}

// Observer receives one call per HTTP request (metrics).
type Observer interface {
	HTTPRequest(route string, status int, d time.Duration)
}

func (s *Server) handleReload(w http.ResponseWriter, r *http.Request) {
	res, err := s.reload(r.Context())
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]string{"code": "reload_failed", "message": err.Error()}, "reload": res})
		return
	}
	writeJSON(w, http.StatusOK, res)
}
