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
	"os"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/payhost/payhost/host/internal/checkout"
	"github.com/payhost/payhost/host/internal/config"
	"github.com/payhost/payhost/host/internal/httpapi"
	"github.com/payhost/payhost/host/internal/metrics"
	"github.com/payhost/payhost/host/internal/pluginmgr"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/postgres"
	"github.com/payhost/payhost/host/internal/store/sqlite"
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

	// Set by Open.
	Config  *config.Config
	Logger  hclog.Logger
	Store   session.Store
	Plugins *pluginmgr.Manager
	Service *session.Service
	Metrics *metrics.Metrics

	server    *http.Server
	ln        net.Listener
	stop      context.CancelFunc // stops the background workers
	workers   sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
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
	getenv := m.Getenv
	if getenv == nil {
		getenv = os.LookupEnv
	}
	cfg, err := config.Load(m.ConfigPath, getenv)
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

	m.Store, err = OpenStore(ctx, cfg.Database)
	if err != nil {
		return err
	}

	var mgr *pluginmgr.Manager
	m.Metrics = metrics.New(metrics.Sources{
		OldestUndelivered: m.Store.OldestUndelivered,
		Restarts: func() map[string]int {
			out := map[string]int{}
			if mgr != nil {
				for _, p := range mgr.Plugins() {
					out[p.Name] = p.Restarts
				}
			}
			return out
		},
	})
	m.Plugins = pluginmgr.New(pluginmgr.Options{
		Observer:     m.Metrics,
		Dir:          cfg.Plugins.Dir,
		Verify:       pluginmgr.VerifyMode(cfg.Plugins.Verify),
		Pins:         cfg.Plugins.Pins,
		StartTimeout: cfg.Plugins.StartTimeout,
		CallTimeout:  cfg.Plugins.CallTimeout,
		Logger:       m.Logger.Named("plugins"),
	})
	mgr = m.Plugins
	if err := m.Plugins.Start(ctx); err != nil {
		return fmt.Errorf("starting plugins: %w", err)
	}
	sites, err := buildSites(ctx, cfg, m.Plugins)
	if err != nil {
		return err
	}
	m.Service = session.NewService(session.Options{
		Store:         m.Store,
		Catalog:       catalog{m.Plugins},
		Sites:         sites,
		PublicURL:     cfg.PublicURL,
		Logger:        m.Logger.Named("sessions"),
		QuerySchedule: cfg.Janitor.QuerySchedule,
		Metrics:       m.Metrics,
	})
	checkoutStore, ok := m.Store.(checkout.Store)
	if !ok {
		return fmt.Errorf("the %s store does not keep checkouts", cfg.Database.Driver)
	}
	pages, err := web.New()
	if err != nil {
		return fmt.Errorf("buyer pages: %w", err)
	}
	handler := httpapi.New(httpapi.Options{
		Service:      m.Service,
		Checkouts:    checkout.NewService(checkout.Options{Store: checkoutStore, Sessions: m.Service, PublicURL: cfg.PublicURL}),
		Pages:        pages,
		Auth:         newAuth(cfg),
		Plugins:      pluginList{m.Plugins},
		Ready:        m.Store.Ping,
		PublicURL:    cfg.PublicURL,
		MaxBodyBytes: cfg.Limits.MaxBodyBytes,
		Metrics:      m.Metrics.Handler(),
		Logger:       m.Logger.Named("http"),
	})
	m.server = &http.Server{
		Handler:           handler,
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
	m.startWorkers()
	m.Logger.Info("payhost ready", "listen", m.ln.Addr().String(), "public_url", cfg.PublicURL,
		"environment", cfg.Environment, "database", cfg.Database.Driver, "sites", len(sites))
	return nil
}

// startWorkers runs the webhook delivery worker and the janitor until Close.
func (m *Main) startWorkers() {
	ctx, stop := context.WithCancel(context.Background())
	m.stop = stop
	targets := map[string]webhook.Target{}
	for _, sc := range m.Config.Sites {
		targets[sc.ID] = webhook.Target{URL: sc.Webhook.URL, Secret: sc.Webhook.Secret.Value(), Schedule: sc.Webhook.RetrySchedule, Timeout: sc.Webhook.Timeout}
	}
	w := webhook.New(webhook.Options{Store: m.Store, Targets: targets, Logger: m.Logger.Named("webhooks"),
		Poll: m.Config.Webhooks.PollInterval, Parallel: m.Config.Webhooks.Parallel, Observer: m.Metrics})
	m.workers.Add(2)
	go func() { defer m.workers.Done(); w.Run(ctx) }()
	go func() {
		defer m.workers.Done()
		tick := time.NewTicker(m.Config.Janitor.Interval)
		defer tick.Stop()
		for {
			if rep, err := m.Service.RunJanitor(ctx, 100); err != nil && ctx.Err() == nil {
				m.Logger.Error("janitor", "error", err)
			} else if rep.Expired+rep.Queried+rep.Operations > 0 {
				m.Logger.Info("janitor", "expired", rep.Expired, "queried", rep.Queried, "operations", rep.Operations)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
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

// Shutdown stops accepting requests and waits for those in flight (bounded
// by ctx), then closes everything.
func (m *Main) Shutdown(ctx context.Context) error {
	if m.server != nil {
		if err := m.server.Shutdown(ctx); err != nil {
			m.Logger.Warn("graceful shutdown incomplete", "error", err)
		}
	}
	return m.Close()
}

// Close stops the server, the plugins and storage. It is safe after a
// partial Open and when called more than once.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		var errs []error
		if m.stop != nil {
			m.stop()
			m.workers.Wait()
		}
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
