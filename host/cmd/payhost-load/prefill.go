package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/payhost/payhost/host/internal/app"
	"github.com/payhost/payhost/host/internal/config"
	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/sqlstore"
)

// prefill migrates the database and fills it with n settled sessions of
// the past, each with its two events and two delivered webhooks, as a host
// that has served for a while would have: 90% paid, 10% expired.
func prefill(ctx context.Context, engine, dsn string, n int) error {
	st, err := app.OpenStore(ctx, config.Database{Driver: engine, DSN: dsn})
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	driver, rawDSN := "sqlite", "file:"+dsn+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	if engine == "postgres" {
		driver, rawDSN = "pgx", dsn
	}
	db, err := sql.Open(driver, rawDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	// Sessions of the last days, a microsecond apart, ending a day ago.
	t0 := time.Now().Add(-24*time.Hour).UnixNano() - int64(n)*1000
	seq := `WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < %d) `
	id, ref, num := `printf('ps_fill%09d', n)`, `printf('F%015d', n)`, `n`
	blob := `CAST('{}' AS BLOB)`
	if engine == "postgres" {
		seq = `WITH seq(n) AS (SELECT generate_series(0, %d - 1)) `
		id, ref, num = `'ps_fill' || lpad(n::text, 9, '0')`, `'F' || lpad(n::text, 15, '0')`, `n::bigint`
		blob = `'\x7b7d'::bytea`
	}
	stmts := []string{
		fmt.Sprintf(seq, n) + `INSERT INTO sessions (id, site_id, mode, plugin, kind, status, amount, currency, country, cart_type,
			order_ref, reference, reference_scope, cart, customer, return_url, cancel_url, action, provider_transaction_id,
			provider_data, created_at, updated_at, expires_at, version)
		SELECT ` + id + `, 'load', 'test', 'offline', 'redirect', CASE WHEN n % 10 = 0 THEN 'expired' ELSE 'paid' END,
			2500, 'EUR', 'FR', 'web', 'fill-' || n, ` + ref + `, '', '{}', '{}', 'https://shop.example/return',
			'https://shop.example/cancel', NULL, 'TEST-' || n, '{}', ` + fmt.Sprint(t0) + ` + ` + num + ` * 1000,
			` + fmt.Sprint(t0) + ` + ` + num + ` * 1000 + 60000000000, ` + fmt.Sprint(t0) + ` + ` + num + ` * 1000 + 86400000000000, 3
		FROM seq`,
		`INSERT INTO events (session_id, time, source, result, from_status, to_status, reason, provider_transaction_id,
			provider_code, provider_message, authorization_code, payload)
		SELECT id, created_at, 'api', 'applied', 'created', 'pending', '', '', '', '', '', '{}' FROM sessions ORDER BY id`,
		`INSERT INTO events (session_id, time, source, result, from_status, to_status, reason, provider_transaction_id,
			provider_code, provider_message, authorization_code, payload)
		SELECT id, updated_at, CASE status WHEN 'paid' THEN 'notification' ELSE 'janitor' END, 'applied', 'pending', status,
			'', provider_transaction_id, '', '', '', '{}' FROM sessions ORDER BY id`,
		`INSERT INTO outbox (event_id, session_id, site_id, status, payload, created_at, attempts, next_attempt_at, delivered_at)
		SELECT id || ':pending', id, site_id, 'pending', ` + blob + `, created_at, 1, created_at, created_at + 5000000 FROM sessions ORDER BY id`,
		`INSERT INTO outbox (event_id, session_id, site_id, status, payload, created_at, attempts, next_attempt_at, delivered_at)
		SELECT id || ':' || status, id, site_id, status, ` + blob + `, updated_at, 1, updated_at, updated_at + 5000000 FROM sessions ORDER BY id`,
	}
	if engine == "postgres" {
		stmts = append(stmts, `ANALYZE`) // what autovacuum does after such a load
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("prefill: %w", err)
		}
	}
	return nil
}

// periodic is one of the queries the host runs on a timer, whatever the
// traffic: the janitor's and the webhook worker's.
type periodic struct {
	name string
	run  func(ctx context.Context, st session.Store) error
}

var periodicQueries = []periodic{
	{"janitor: due sessions", func(ctx context.Context, st session.Store) error {
		_, err := st.DueSessions(ctx, time.Now(), 100)
		return err
	}},
	{"janitor: due operations", func(ctx context.Context, st session.Store) error {
		_, err := st.DueOperations(ctx, time.Now(), 100)
		return err
	}},
	{"webhooks: claim", func(ctx context.Context, st session.Store) error {
		// Timed while the worker is idle: whatever it claims (nothing
		// once every webhook is delivered) is delivered after the lease.
		_, err := st.ClaimOutbox(ctx, time.Now(), time.Minute, 16)
		return err
	}},
	{"metrics: oldest undelivered", func(ctx context.Context, st session.Store) error {
		_, _, err := st.OldestUndelivered(ctx)
		return err
	}},
}

// timePeriodic prints the median and maximum time of each periodic query
// over a few runs.
func timePeriodic(ctx context.Context, out io.Writer, label string, st session.Store) error {
	for _, p := range periodicQueries {
		var lat []time.Duration
		for range 15 {
			start := time.Now()
			if err := p.run(ctx, st); err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		fmt.Fprintf(out, "%-32s %-30s median %8s ms, max %8s ms\n", label, p.name, ms(lat[len(lat)/2]), ms(lat[len(lat)-1]))
	}
	return nil
}

// printPlans prints the store's plans of its periodic queries.
func printPlans(ctx context.Context, out io.Writer, label string, st session.Store) error {
	ex, ok := st.(interface {
		Explain(context.Context) ([]sqlstore.QueryPlan, error)
	})
	if !ok {
		return fmt.Errorf("%s: the store cannot explain its queries", label)
	}
	plans, err := ex.Explain(ctx)
	if err != nil {
		return err
	}
	for _, p := range plans {
		fmt.Fprintf(out, "%s, plan of %s:\n    %s\n", label, p.Name, strings.ReplaceAll(p.Plan, "\n", "\n    "))
	}
	return nil
}
