// Package metrics exposes the host's Prometheus metrics on a registry of
// its own (no global state): plugin calls, sessions and transitions,
// notifications, webhook deliveries and plugin restarts.
package metrics

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/payhost/payhost/host/internal/session"
)

// Metrics holds the collectors; it implements the observer interfaces of
// the session service, the plugin manager and the webhook worker.
type Metrics struct {
	reg           *prometheus.Registry
	pluginCalls   *prometheus.CounterVec
	pluginLatency *prometheus.HistogramVec
	created       *prometheus.CounterVec
	transitions   *prometheus.CounterVec
	notifications *prometheus.CounterVec
	deliveries    *prometheus.CounterVec
	deliveryTime  *prometheus.HistogramVec
	latePayments  *prometheus.CounterVec
	pruned        *prometheus.CounterVec
	httpRequests  *prometheus.CounterVec
	httpLatency   *prometheus.HistogramVec
	reloads       *prometheus.CounterVec
}

// Sources read at scrape time.
type Sources struct {
	// OldestUndelivered reports the oldest webhook still waiting.
	OldestUndelivered func(ctx context.Context) (time.Time, bool, error)
	// NeedingAttention counts the sessions marked for an operator.
	NeedingAttention func(ctx context.Context) (int, error)
	// Restarts reports each plugin's restart count.
	Restarts func() map[string]int
	// PluginUp reports, for each discovered plugin, whether a healthy
	// process serves it.
	PluginUp func() map[string]bool
	// GroupCommits reports the write transactions committed and the
	// commits that carried them (SQLite's group commit); nil elsewhere.
	GroupCommits func() (transactions, commits int64)
	// Version and Built label payhost_build_info.
	Version, Built string
}

// New registers every metric.
func New(src Sources) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		pluginCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "payhost_plugin_calls_total",
			Help: "Calls to plugins by plugin, method and outcome (ok or the SDK error code)."}, []string{"plugin", "method", "outcome"}),
		pluginLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "payhost_plugin_call_duration_seconds",
			Help: "Latency of plugin calls.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10)}, []string{"plugin", "method"}),
		created: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "payhost_sessions_created_total",
			Help: "Sessions created by mode."}, []string{"mode"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "payhost_session_events_total",
			Help: "Attempted session transitions by mode, target status, source and result (applied, duplicate, rejected, recorded)."},
			[]string{"mode", "status", "source", "result"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "payhost_notifications_total",
			Help: "Provider notifications by mode, result and reason (accepted = applied)."}, []string{"mode", "result", "reason"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "payhost_webhook_deliveries_total",
			Help: "Webhook delivery attempts by site and outcome (delivered or failed)."}, []string{"site", "outcome"}),
		deliveryTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "payhost_webhook_delivery_duration_seconds",
			Help: "Latency of webhook attempts.", Buckets: prometheus.ExponentialBuckets(0.005, 3, 9)}, []string{"site"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "payhost_http_requests_total",
			Help: "HTTP requests by route (the matched pattern) and status."}, []string{"route", "status"}),
		httpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "payhost_http_request_duration_seconds",
			Help: "Latency of HTTP requests by route.", Buckets: prometheus.ExponentialBuckets(0.001, 3, 10)}, []string{"route"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "payhost_reloads_total",
			Help: "Configuration and plugin reloads by outcome (applied or failed)."}, []string{"outcome"}),
		latePayments: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "payhost_late_payments_total",
			Help: "Payments or authorizations the provider reported for sessions already closed (cancelled, expired, refused, failed), by mode."}, []string{"mode"}),
	}
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "payhost_build_info",
		Help: "Always 1; the labels say which build runs."}, []string{"version", "built", "goversion"})
	build.WithLabelValues(src.Version, src.Built, runtime.Version()).Set(1)
	m.reg.MustRegister(m.httpRequests, m.httpLatency, m.reloads, build)
	for _, outcome := range []string{"applied", "failed"} {
		m.reloads.WithLabelValues(outcome) // present at 0 before the first reload
	}
	m.pruned = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "payhost_pruned_total",
		Help: "Rows removed by retention: idempotency_keys deleted, webhook_payloads emptied."}, []string{"kind"})
	m.reg.MustRegister(m.latePayments, m.pruned)
	m.reg.MustRegister(m.pluginCalls, m.pluginLatency, m.created, m.transitions, m.notifications, m.deliveries, m.deliveryTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if src.OldestUndelivered != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "payhost_webhook_oldest_undelivered_seconds",
			Help: "Age of the oldest webhook not delivered yet (0 when none waits)."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			t, ok, err := src.OldestUndelivered(ctx)
			if err != nil || !ok {
				return 0
			}
			return time.Since(t).Seconds()
		}))
	}
	if src.NeedingAttention != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "payhost_sessions_needing_attention",
			Help: "Sessions marked needs_attention (a late payment) and not resolved yet."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := src.NeedingAttention(ctx)
			if err != nil {
				return 0
			}
			return float64(n)
		}))
	}
	if src.GroupCommits != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "payhost_store_transactions_total",
			Help: "Write transactions committed (SQLite: through group commit)."}, func() float64 {
			txs, _ := src.GroupCommits()
			return float64(txs)
		}), prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "payhost_store_commits_total",
			Help: "Commits that carried them: transactions per commit tell how well concurrent writes are grouped."}, func() float64 {
			_, commits := src.GroupCommits()
			return float64(commits)
		}))
	}
	if src.Restarts != nil {
		m.reg.MustRegister(&restarts{desc: prometheus.NewDesc("payhost_plugin_restarts_total",
			"Restarts of each plugin process after a crash.", []string{"plugin"}, nil), read: src.Restarts})
	}
	if src.PluginUp != nil {
		m.reg.MustRegister(&pluginUp{desc: prometheus.NewDesc("payhost_plugin_up",
			"1 when a healthy process serves the plugin, 0 when it is down or refused.", []string{"plugin"}, nil), read: src.PluginUp})
	}
	return m
}

// HTTPRequest implements the HTTP server's observer.
func (m *Metrics) HTTPRequest(route string, status int, d time.Duration) {
	m.httpRequests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.httpLatency.WithLabelValues(route).Observe(d.Seconds())
}

// Reload counts a reload by outcome: "applied" or "failed".
func (m *Metrics) Reload(outcome string) { m.reloads.WithLabelValues(outcome).Inc() }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// PluginCall implements the plugin manager's observer.
func (m *Metrics) PluginCall(plugin, method, outcome string, d time.Duration) {
	m.pluginCalls.WithLabelValues(plugin, method, outcome).Inc()
	m.pluginLatency.WithLabelValues(plugin, method).Observe(d.Seconds())
}

// SessionCreated implements session.Metrics.
func (m *Metrics) SessionCreated(mode string) { m.created.WithLabelValues(mode).Inc() }

// Transition implements session.Metrics.
func (m *Metrics) Transition(mode string, to session.Status, src session.Source, result session.Result, reason string) {
	m.transitions.WithLabelValues(mode, string(to), string(src), string(result)).Inc()
	if reason == session.ReasonLatePayment {
		m.latePayments.WithLabelValues(mode).Inc()
	}
	if src == session.SourceNotification {
		m.notifications.WithLabelValues(mode, string(result), reason).Inc()
	}
}

// Pruned implements session.Metrics.
func (m *Metrics) Pruned(kind string, n int) { m.pruned.WithLabelValues(kind).Add(float64(n)) }

// Delivered implements the webhook worker's observer.
func (m *Metrics) Delivered(site string, ok bool, latency time.Duration) {
	outcome := "failed"
	if ok {
		outcome = "delivered"
	}
	m.deliveries.WithLabelValues(site, outcome).Inc()
	m.deliveryTime.WithLabelValues(site).Observe(latency.Seconds())
}

// restarts reads restart counts at scrape time.
type restarts struct {
	desc *prometheus.Desc
	read func() map[string]int
}

func (r *restarts) Describe(ch chan<- *prometheus.Desc) { ch <- r.desc }

func (r *restarts) Collect(ch chan<- prometheus.Metric) {
	for plugin, n := range r.read() {
		ch <- prometheus.MustNewConstMetric(r.desc, prometheus.CounterValue, float64(n), plugin)
	}
}

// pluginUp reads plugin health at scrape time.
type pluginUp struct {
	desc *prometheus.Desc
	read func() map[string]bool
}

func (u *pluginUp) Describe(ch chan<- *prometheus.Desc) { ch <- u.desc }

func (u *pluginUp) Collect(ch chan<- prometheus.Metric) {
	for plugin, up := range u.read() {
		v := 0.0
		if up {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(u.desc, prometheus.GaugeValue, v, plugin)
	}
}
