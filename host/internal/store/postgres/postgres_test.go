package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
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

// EnvSearchSessions sets how many sessions TestSessionSearchUsesIndexes
// fills (default 50,000); with a number it also times each page.
const EnvSearchSessions = "PAYHOST_SEARCH_SESSIONS"

// The console's sessions list reads one page's rows through an index for
// every filter, first page and deep ones, with the planner's statistics of
// a filled table: no sequential scan; a selective lookup through its own
// index; and no sort of more than 10,000 rows. (With statistics the
// planner rightly sorts a rare value's few matches, and walks
// (created_at, id) backwards filtering a common one: both read about a
// page.)
func TestSessionSearchUsesIndexes(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	db, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	n, measure := 50_000, false
	if v, err := strconv.Atoi(os.Getenv(EnvSearchSessions)); err == nil && v > 0 {
		n, measure = v, true
	}
	exec := func(ctx context.Context, q string) error {
		_, err := raw.ExecContext(ctx, q)
		return err
	}
	start := time.Now()
	storetest.FillSessions(t, db, exec, n)
	if err := exec(ctx, "ANALYZE sessions"); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d sessions inserted and analysed in %s", n, time.Since(start).Round(time.Millisecond))
	for _, c := range storetest.SearchCases(n) {
		deep := c.Query
		deep.AfterCreated = c.Deep
		for _, page := range []struct {
			name string
			q    session.SessionQuery
		}{{"first", c.Query}, {"deep", deep}} {
			name := c.Name + ", " + page.name + " page"
			plan, err := db.ExplainSearch(ctx, page.q)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Many && !slices.ContainsFunc(c.Indexes, func(ix string) bool {
				return strings.Contains(plan, " using "+ix+" ") || strings.Contains(plan, " on "+ix+" ")
			}) {
				t.Errorf("%s reads none of %v:\n%s", name, c.Indexes, plan)
			}
			if strings.Contains(plan, "Seq Scan on sessions") {
				t.Errorf("%s scans the sessions:\n%s", name, plan)
			}
			for _, m := range bigSort.FindAllStringSubmatch(plan, -1) {
				if rows, _ := strconv.Atoi(m[1]); rows > 10000 {
					t.Errorf("%s sorts %d rows:\n%s", name, rows, plan)
				}
			}
			if !measure {
				t.Logf("%s:\n%s", name, plan)
				continue
			}
			var best time.Duration
			var rows int
			for range 3 {
				t0 := time.Now()
				got, err := db.SearchSessions(ctx, page.q)
				if err != nil {
					t.Fatal(err)
				}
				if d := time.Since(t0); best == 0 || d < best {
					best = d
				}
				rows = len(got)
			}
			t.Logf("| %s | %s | %d | %s | %s |", c.Name, page.name, rows, best.Round(10*time.Microsecond), planSummary(plan))
		}
	}
}

// bigSort finds a sort node's estimated rows.
var bigSort = regexp.MustCompile(`Sort  \(cost=[0-9.]+ rows=([0-9]+) `)

// planSummary keeps a plan's node lines, without costs.
func planSummary(plan string) string {
	var out []string
	for _, l := range strings.Split(plan, "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "->"))
		if i := strings.Index(l, "  (cost="); i > 0 {
			out = append(out, l[:i])
		} else if strings.HasPrefix(l, "Index Cond") {
			out = append(out, l)
		}
	}
	return strings.Join(out, " / ")
}
