// Package app assembles the host: configuration, storage, plugins, the
// session service and the HTTP server. cmd/payhost only handles signals and
// flags and delegates here, so tests run the whole program in-process.
//
// Lifecycle: fill a Main, call Open (loads everything, starts plugins,
// listens), Serve (blocks until Close), Close (safe after a partial Open,
// idempotent).
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/checkout"
	"github.com/payhost/payhost/host/internal/config"
	"github.com/payhost/payhost/host/internal/console"
	"github.com/payhost/payhost/host/internal/httpapi"
	"github.com/payhost/payhost/host/internal/metrics"
	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/postgres"
	"github.com/payhost/payhost/host/internal/store/sqlite"
	"github.com/payhost/payhost/host/internal/store/sqlstore"
	"github.com/payhost/payhost/host/internal/web"
	"github.com/payhost/payhost/host/internal/webhook"
)

// Main is the payhost server program.
type Main struct {
	// ConfigPath is the YAML configuration file.
	ConfigPath string
	// Getenv reads the environment (PAYHOST_* overrides, env: secrets);
	// nil means os.LookupEnv.
	Getenv func(string) (string, bool)
	// Listener, when set, is used instead of listening on the configured
	// address (tests pass a loopback listener on port 0).
	Listener net.Listener
	// LogOutput receives the logs; nil means stderr.
	LogOutput io.Writer
	// Version and Built identify the build (payhost_build_info).
	Version, Built string

	// Set by Open. Config is the configuration Open loaded; a reload
	// replaces what runs, not this field.
	Config  *config.Config
	Logger  hclog.Logger
	Store   session.Store
	Plugins *pluginmgr.Manager
	Metrics *metrics.Metrics

	switches *console.Switches
	// logins limits console sign-ins across reloads.
	logins    *console.LoginLimiter
	cur       atomic.Pointer[running]
	reloadMu  sync.Mutex
	draining  atomic.Bool
	server    *http.Server
	ln        net.Listener
	closeOnce sync.Once
	closeErr  error
}

// running is what a configuration builds: the sites, the service and the
// HTTP handler over them, and the background workers. A reload builds a new
// one and switches to it at once; requests in flight finish on the old one.
type running struct {
	cfg     *config.Config
	svc     *session.Service
	handler http.Handler
	stop    context.CancelFunc
	workers sync.WaitGroup
}

// Open loads the configuration, opens storage (applying migrations), starts
// and checks the plugins, and listens. On error, everything already started
// is stopped again.
func (m *Main) Open(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			_ = m.Close()
		}
	}()
	cfg, err := loadConfig(ctx, m.ConfigPath, m.getenv(), hclog.NewNullLogger())
	if err != nil {
		return err
	}
	m.Config = cfg
	out := m.LogOutput
	if out == nil {
		out = os.Stderr
	}
	m.Logger = hclog.New(&hclog.LoggerOptions{
		Name:       "payhost",
		Level:      hclog.LevelFromString(cfg.Log.Level),
		JSONFormat: cfg.Log.Format == "json",
		Output:     out,
	})

	if m.Getenv == nil {
		for _, k := range cfg.UnknownEnv(os.Environ()) {
			m.Logger.Warn("unknown environment variable ignored (a typo?)", "variable", k, "known", strings.Join(config.EnvVars(), " "))
		}
	}
	m.Store, err = OpenStore(ctx, cfg.Database)
	if err != nil {
		return err
	}

	var mgr *pluginmgr.Manager
	var groupCommits func() (int64, int64)
	if g, ok := m.Store.(interface{ GroupStats() sqlstore.GroupStats }); ok && cfg.Database.Driver != "postgres" {
		groupCommits = func() (int64, int64) {
			st := g.GroupStats()
			return st.Transactions, st.Commits
		}
	}
	m.Metrics = metrics.New(metrics.Sources{
		GroupCommits:      groupCommits,
		OldestUndelivered: m.Store.OldestUndelivered,
		NeedingAttention:  m.Store.CountNeedingAttention,
		Restarts: func() map[string]int {
			out := map[string]int{}
			for _, p := range mgr.Plugins() {
				out[p.Name] = p.Restarts
			}
			return out
		},
		PluginUp: func() map[string]bool {
			out := map[string]bool{}
			for _, p := range mgr.Plugins() {
				out[p.Name] = p.Healthy
			}
			return out
		},
		Version: m.Version,
		Built:   m.Built,
	})
	opts := pluginOptions(cfg, m.Logger.Named("plugins"))
	opts.Observer, opts.DrainTimeout = m.Metrics, cfg.Shutdown.DrainTimeout
	m.Plugins = pluginmgr.New(opts)
	mgr = m.Plugins
	if err := m.Plugins.Start(ctx); err != nil {
		return fmt.Errorf("starting plugins: %w", err)
	}
	rs, err := m.build(ctx, cfg, m.Plugins)
	if err != nil {
		return err
	}
	m.server = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.cur.Load().handler.ServeHTTP(w, r) }),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          m.Logger.Named("http").StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}),
	}
	m.ln = m.Listener
	if m.ln == nil {
		if m.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
		}
	}
	m.cur.Store(rs)
	m.startWorkers(rs)
	m.Logger.Info("payhost ready", "listen", m.ln.Addr().String(), "public_url", cfg.PublicURL,
		"environment", cfg.Environment, "database", cfg.Database.Driver, "sites", len(cfg.Sites), "version", m.Version)
	return nil
}

func (m *Main) getenv() func(string) (string, bool) {
	if m.Getenv != nil {
		return m.Getenv
	}
	return os.LookupEnv
}

// build checks every site's modes against the plugins (src is the manager
// or a staged reload) and assembles the service and the handler.
func (m *Main) build(ctx context.Context, cfg *config.Config, src modeSource) (*running, error) {
	sites, err := buildSites(ctx, cfg, src)
	if err != nil {
		return nil, err
	}
	consoleStore, ok := m.Store.(console.Store)
	if !ok {
		return nil, fmt.Errorf("the %s store does not keep the console's data", cfg.Database.Driver)
	}
	if m.switches == nil {
		m.switches = console.NewSwitches(consoleStore, m.Logger.Named("console"))
	}
	if m.logins == nil {
		m.logins = console.NewLoginLimiter(5, time.Minute)
	}
	svc := session.NewService(session.Options{
		Store:            m.Store,
		Catalog:          catalog{m.Plugins},
		Sites:            sites,
		PublicURL:        cfg.PublicURL,
		Logger:           m.Logger.Named("sessions"),
		QuerySchedule:    cfg.Janitor.QuerySchedule,
		Metrics:          m.Metrics,
		CallTimeout:      cfg.Plugins.CallTimeout,
		StrandedAfter:    cfg.Janitor.StrandedAfter,
		KeyRetention:     cfg.Janitor.Retention.IdempotencyKeys,
		PayloadRetention: cfg.Janitor.Retention.WebhookPayloads,
		Switches:         m.switches,
	})
	checkoutStore, ok := m.Store.(checkout.Store)
	if !ok {
		return nil, fmt.Errorf("the %s store does not keep checkouts", cfg.Database.Driver)
	}
	pages, err := web.New()
	if err != nil {
		return nil, fmt.Errorf("buyer pages: %w", err)
	}
	access := console.NewAccess(cfg.Admin)
	siteIDs := make([]string, len(cfg.Sites))
	for i, sc := range cfg.Sites {
		siteIDs[i] = sc.ID
	}
	con, err := console.New(console.Options{Service: svc, Store: consoleStore, Access: access, Switches: m.switches,
		Plugins: m.Plugins, Sites: siteIDs, Reload: m.consoleReload, Logins: m.logins,
		Secure: strings.HasPrefix(cfg.PublicURL, "https://"), Logger: m.Logger.Named("console")})
	if err != nil {
		return nil, fmt.Errorf("operator console: %w", err)
	}
	handler := httpapi.New(httpapi.Options{
		Service:      svc,
		Checkouts:    checkout.NewService(checkout.Options{Store: checkoutStore, Sessions: svc, PublicURL: cfg.PublicURL}),
		Pages:        pages,
		Auth:         newAuth(cfg),
		Plugins:      pluginList{m.Plugins},
		Ready:        m.ready,
		Reload:       func(ctx context.Context) (any, error) { return m.Reload(ctx) },
		Observer:     m.Metrics,
		PublicURL:    cfg.PublicURL,
		MaxBodyBytes: cfg.Limits.MaxBodyBytes,
		Metrics:      m.Metrics.Handler(),
		Operators:    access,
		Audit:        consoleStore,
		Console:      con,
		// Validated by config.Load.
		TrustedProxies: trustedProxies(cfg.TrustedProxies),
		Logger:         m.Logger.Named("http"),
	})
	return &running{cfg: cfg, svc: svc, handler: handler}, nil
}

// startWorkers runs the webhook delivery worker and the janitor of rs until
// rs.stop.
func (m *Main) startWorkers(rs *running) {
	ctx, stop := context.WithCancel(context.Background())
	rs.stop = stop
	cfg := rs.cfg
	targets := map[string]webhook.Target{}
	for _, sc := range cfg.Sites {
		targets[sc.ID] = webhook.Target{URL: sc.Webhook.URL, Secret: sc.Webhook.Secret.Value(), Schedule: sc.Webhook.RetrySchedule, Timeout: sc.Webhook.Timeout}
	}
	w := webhook.New(webhook.Options{Store: m.Store, Targets: targets, Logger: m.Logger.Named("webhooks"),
		Poll: cfg.Webhooks.PollInterval, Parallel: cfg.Webhooks.Parallel, Observer: m.Metrics})
	rs.workers.Add(2)
	go func() { defer rs.workers.Done(); w.Run(ctx) }()
	go func() {
		defer rs.workers.Done()
		tick := time.NewTicker(cfg.Janitor.Interval)
		defer tick.Stop()
		for {
			if rep, err := rs.svc.RunJanitor(ctx, 100); err != nil && ctx.Err() == nil {
				m.Logger.Error("janitor", "error", err)
			} else if rep.Expired+rep.Queried+rep.Operations+rep.PrunedKeys+rep.PrunedPayloads > 0 {
				m.Logger.Info("janitor", "expired", rep.Expired, "queried", rep.Queried, "operations", rep.Operations,
					"pruned_keys", rep.PrunedKeys, "pruned_payloads", rep.PrunedPayloads)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

func (rs *running) stopWorkers() {
	if rs != nil && rs.stop != nil {
		rs.stop()
		rs.workers.Wait()
	}
}

// Addr is the address the server listens on.
func (m *Main) Addr() net.Addr { return m.ln.Addr() }

// Serve serves HTTP until Close; it returns nil after a clean Close.
func (m *Main) Serve() error {
	if err := m.server.Serve(m.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown drains the host: /readyz answers 503 at once, plugins are no
// longer restarted, the listener closes after the configured delay, and
// requests in flight (with their plugin calls) get until ctx's deadline to
// finish; then everything is closed.
func (m *Main) Shutdown(ctx context.Context) error {
	m.draining.Store(true)
	if m.Plugins != nil {
		m.Plugins.BeginShutdown()
	}
	if m.server != nil {
		if d := m.Config.Shutdown.Delay; d > 0 {
			m.Logger.Info("draining: /readyz answers 503; closing the listener after the delay", "delay", d)
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if err := m.server.Shutdown(ctx); err != nil {
			m.Logger.Warn("graceful shutdown incomplete: requests were still running at the drain timeout", "error", err)
		}
	}
	return m.Close()
}

// Close stops the server, the plugins and storage. It is safe after a
// partial Open and when called more than once.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		m.draining.Store(true)
		// A reload under way finishes first (it is bounded by the plugins'
		// start and call timeouts): otherwise it could start workers and
		// plugin processes after they were stopped here.
		m.reloadMu.Lock()
		defer m.reloadMu.Unlock()
		var errs []error
		m.cur.Load().stopWorkers()
		if m.server != nil {
			errs = append(errs, ignoreClosed(m.server.Close()))
		} else if m.ln != nil {
			errs = append(errs, ignoreClosed(m.ln.Close()))
		} else if m.Listener != nil {
			errs = append(errs, ignoreClosed(m.Listener.Close()))
		}
		if m.Plugins != nil {
			errs = append(errs, m.Plugins.Close())
		}
		if m.Store != nil {
			errs = append(errs, m.Store.Close())
		}
		m.closeErr = errors.Join(errs...)
	})
	return m.closeErr
}

func ignoreClosed(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// OpenStore opens the configured database, applying migrations.
func OpenStore(ctx context.Context, db config.Database) (session.Store, error) {
	switch db.Driver {
	case "sqlite":
		s, err := sqlite.Open(ctx, db.DSN)
		if err != nil {
			return nil, fmt.Errorf("opening sqlite database %s: %w", db.DSN, err)
		}
		return s, nil
	case "postgres":
		s, err := postgres.Open(ctx, db.DSN, postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("opening the PostgreSQL database: %w", err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("database.driver: unknown driver %q", db.Driver)
}

// pluginOptions are the plugin manager's settings from cfg: the serving
// host adds its metrics and drain timeout; the checks use them as they are.
func pluginOptions(cfg *config.Config, log hclog.Logger) pluginmgr.Options {
	return pluginmgr.Options{
		Dir:          cfg.Plugins.Dir,
		Verify:       pluginmgr.VerifyMode(cfg.Plugins.Verify),
		Pins:         cfg.Plugins.Pins,
		StartTimeout: cfg.Plugins.StartTimeout,
		CallTimeout:  cfg.Plugins.CallTimeout,
		RequirePins:  cfg.Environment == "production",
		Logger:       log,
	}
}

// trustedProxies parses the configuration's trusted_proxies (already
// validated: an entry that does not parse is left out).
func trustedProxies(entries []string) []netip.Prefix {
	var out []netip.Prefix
	for _, e := range entries {
		if p, err := config.ParseProxy(e); err == nil {
			out = append(out, p)
		}
	}
	return out
}
