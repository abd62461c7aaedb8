package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store {
		db, err := Open(context.Background(), storetest.PostgresDSN(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestConcurrentStartsMigrateOnce(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := Open(context.Background(), dsn, Options{})
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent start: %v", err)
		}
	}
}

func TestBadDSN(t *testing.T) {
	_, err := Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", Options{})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("unreachable database: %v", err)
	}
}

// TestSequencesAcrossInstances allocates from two stores (two pools, as
// two host instances would) at once: every value once.
func TestSequencesAcrossInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	var stores []session.Store
	for range 2 {
		db, err := Open(context.Background(), dsn, Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stores = append(stores, db)
	}
	const n = 60
	got := make(chan int64, n)
	for i := range n {
		go func() {
			v, err := stores[i%2].NextSequence(context.Background(), "shop", "systempay", "2026-11-22", 1, 899999)
			if err != nil {
				t.Error(err)
			}
			got <- v
		}()
	}
	seen := map[int64]bool{}
	for range n {
		v := <-got
		if seen[v] {
			t.Errorf("value %d issued twice", v)
		}
		seen[v] = true
	}
	for v := int64(1); v <= n; v++ {
		if !seen[v] {
			t.Errorf("value %d never issued", v)
		}
	}
}

func BenchmarkCreateSession(b *testing.B) {
	db, err := Open(context.Background(), storetest.PostgresDSN(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	i := 0
	for b.Loop() {
		i++
		s := storetest.NewSession(fmt.Sprintf("ps_%d", i), now)
		if err := db.CreateSession(context.Background(), s, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateSession(b *testing.B) {
	db, err := Open(context.Background(), storetest.PostgresDSN(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := storetest.NewSession("ps_bench", time.Now().UTC())
	if err := db.CreateSession(context.Background(), s, nil, nil); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := db.UpdateSession(context.Background(), s.ID, func(cur *session.Session) (session.Change, error) {
			cur.Amount++
			return session.Change{Session: cur}, nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// Explain runs EXPLAIN ANALYZE on every periodic query (the claim's row
// locks rolled back).
func TestExplainPeriodicQueries(t *testing.T) {
	db, err := Open(context.Background(), storetest.PostgresDSN(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	plans, err := db.Explain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 4 {
		t.Fatalf("%d plans, want 4", len(plans))
	}
	for _, p := range plans {
		t.Logf("%s:\n%s", p.Name, p.Plan)
		if !strings.Contains(p.Plan, "Execution Time") {
			t.Errorf("%s: no EXPLAIN ANALYZE output: %q", p.Name, p.Plan)
		}
	}
}

// TestOutboxBacklog drains 50,000 webhooks over 10,000 sessions with
// autovacuum off, so the planner never has statistics of the filled
// tables (the claim that scanned the outbox stalled for minutes so).
func TestOutboxBacklog(t *testing.T) {
	if testing.Short() {
		t.Skip("backlog drain skipped in -short")
	}
	dsn := storetest.PostgresDSN(t)
	db, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`DO $$ DECLARE t text; BEGIN
		FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
			EXECUTE format('ALTER TABLE %I SET (autovacuum_enabled = false)', t);
		END LOOP; END $$`); err != nil {
		t.Fatal(err)
	}
	messages, sessions, maxClaim := 50_000, 10_000, time.Second
	if raceDetector {
		// Order and loss still checked; the figure comes from a run without -race.
		messages, sessions, maxClaim = 5_000, 1_000, 5*time.Second
	}
	storetest.OutboxBacklog(t, db, messages, sessions, maxClaim)
}
