package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	_ "modernc.org/sqlite"
)

var errAgain = errors.New("try again")

func openTest(t *testing.T) *DB { return openTestGroup(t, false) }

func openTestGroup(t *testing.T, group bool) *DB {
	t.Helper()
	w, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	t.Cleanup(func() { w.Close() })
	db, err := New(context.Background(), Dialect{
		Name:       "sqlite",
		IsUnique:   func(error) bool { return false },
		Retryable:  func(err error) bool { return errors.Is(err, errAgain) },
		Migrations: fstest.MapFS{"0001_create_t.sql": {Data: []byte(`CREATE TABLE t (x INTEGER)`)}},
		VersionTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
		GroupCommit: group,
	}, w, w)
	if err != nil {
		t.Fatal(err)
	}
	if group {
		t.Cleanup(func() { db.Close() })
	}
	return db
}

// TestRetryWaitEndsWithContext: a caller that gives up is not kept
// waiting for the next attempt.
func TestRetryWaitEndsWithContext(t *testing.T) {
	db := openTest(t)
	db.retryWait = func(int) time.Duration { return time.Hour }
	ctx, cancel := context.WithCancel(context.Background())
	attempts := 0
	done := make(chan error, 1)
	go func() {
		done <- db.inTx(ctx, func(conn) error { attempts++; return errAgain })
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !errors.Is(err, errAgain) || attempts != 1 {
			t.Errorf("after cancel: %v, %d attempts", err, attempts)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the retry pause ignored the cancelled context")
	}
}

// TestPanicRollsBack: a panicking transaction function is rolled back and
// its panic goes on; the write connection is free again.
func TestPanicRollsBack(t *testing.T) {
	for _, group := range []bool{false, true} {
		t.Run(map[bool]string{false: "transaction", true: "group commit"}[group], func(t *testing.T) {
			testPanicRollsBack(t, openTestGroup(t, group))
		})
	}
}

func testPanicRollsBack(t *testing.T, db *DB) {
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic to go on", p)
			}
		}()
		db.inTx(context.Background(), func(tx conn) error {
			if _, err := tx.ExecContext(context.Background(), `INSERT INTO t (x) VALUES (1)`); err != nil {
				t.Error(err)
			}
			panic("boom")
		})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO t (x) VALUES (2)`)
		return err
	}); err != nil {
		t.Fatalf("a write after the panic: %v", err)
	}
	var n, sum int
	db.read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(x), 0) FROM t`).Scan(&n, &sum)
	if n != 1 || sum != 2 {
		t.Errorf("rows %d sum %d: the panicking insert was kept", n, sum)
	}
}
