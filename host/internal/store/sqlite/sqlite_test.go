package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/sqlstore"
	"github.com/payhost/payhost/host/internal/store/storetest"
)

func openTemp(t testing.TB) (*sqlstore.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "payhost.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return db, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store {
		db, _ := openTemp(t)
		return db
	})
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	s := storetest.NewSession("ps_keep", time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC))
	if err := db.CreateSession(ctx, s, nil, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw := rawDB(t, path)
	var mode string
	raw.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %s", mode)
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.Session(ctx, s.ID); err != nil || got.OrderRef != s.OrderRef {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	var n int
	raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n)
	if all, _ := sqlstore.Migrations(Dialect().Migrations); n != len(all) || n < 2 {
		t.Errorf("%d migrations recorded, want %d", n, len(all))
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	db.Close()
	if _, err := rawDB(t, path).ExecContext(ctx, "INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "upgrade payhost") {
		t.Fatalf("newer schema: %v", err)
	}
}

// rawDB opens the file directly, to look at what the store wrote.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMissingDirectory(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "payhost.db"))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v", err)
	}
}

func BenchmarkCreateSession(b *testing.B) {
	db, _ := openTemp(b)
	defer db.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	i := 0
	for b.Loop() {
		i++
		s := storetest.NewSession(fmt.Sprintf("ps_%d", i), now)
		if err := db.CreateSession(ctx, s, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateSession(b *testing.B) {
	db, _ := openTemp(b)
	defer db.Close()
	ctx := context.Background()
	s := storetest.NewSession("ps_bench", time.Now().UTC())
	if err := db.CreateSession(ctx, s, nil, nil); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := db.UpdateSession(ctx, s.ID, func(cur *session.Session) (session.Change, error) {
			cur.Amount++
			return session.Change{Session: cur}, nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// The queries run on a timer must use an index, never scan a table: their
// cost must not grow with the sessions kept.
func TestPeriodicQueriesUseIndexes(t *testing.T) {
	db, _ := openTemp(t)
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
		for _, line := range strings.Split(p.Plan, "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "SCAN ") && !strings.Contains(line, " USING ") {
				t.Errorf("%s scans a table: %s", p.Name, line)
			}
		}
	}
}

// TestOutboxBacklog drains 50,000 webhooks over 10,000 sessions, on a
// database SQLite never analysed.
func TestOutboxBacklog(t *testing.T) {
	if testing.Short() {
		t.Skip("backlog drain skipped in -short")
	}
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "payhost.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	messages, sessions, maxClaim := 50_000, 10_000, time.Second
	if raceDetector {
		// Order and loss still checked; the figure comes from a run without -race.
		messages, sessions, maxClaim = 5_000, 1_000, 5*time.Second
	}
	storetest.OutboxBacklog(t, db, messages, sessions, maxClaim)
}

// BenchmarkPaidSession is the store's part of one paid session (storetest
// BenchPaidSession), alone and with 16 at once (group commit), with random
// ids and with ids that sort by creation.
func BenchmarkPaidSession(b *testing.B) {
	for _, parallel := range []int{1, 16} {
		for _, ordered := range []bool{false, true} {
			b.Run(fmt.Sprintf("parallel=%d/ordered_ids=%t", parallel, ordered), func(b *testing.B) {
				db, _ := openTemp(b)
				defer db.Close()
				storetest.BenchPaidSession(b, db, parallel, ordered)
				if g := db.GroupStats(); g.Commits > 0 {
					b.ReportMetric(float64(g.Transactions)/float64(g.Commits), "tx/commit")
				}
			})
		}
	}
}
