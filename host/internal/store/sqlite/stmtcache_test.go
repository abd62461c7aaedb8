package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// cached returns the statements a one-connection pool keeps prepared.
func cached(t *testing.T, db *sql.DB) map[string]*cachedStmt {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out map[string]*cachedStmt
	if err := c.Raw(func(dc any) error {
		cc, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not the caching one", dc)
		}
		out = map[string]*cachedStmt{}
		for q, s := range cc.stmts {
			out[q] = s
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db := sql.OpenDB(newConnector("file:" + filepath.Join(t.TempDir(), "cache.db") + "?_pragma=journal_mode(WAL)"))
	db.SetMaxOpenConns(1)
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	const insert = `INSERT INTO t (k, v) VALUES (?, ?)`
	for i := range 3 {
		if _, err := db.ExecContext(ctx, insert, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	first := cached(t, db)[insert]
	if first == nil {
		t.Fatal("the INSERT was not kept prepared")
	}

	// Reused inside a transaction, and by the same text while rows read
	// from it are still open.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, insert, 10, "tx"); err != nil {
		t.Fatal(err)
	}
	const sel = `SELECT k FROM t WHERE k < ? ORDER BY k`
	outer, err := tx.QueryContext(ctx, sel, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for outer.Next() {
		var k int
		if err := outer.Scan(&k); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM t WHERE k < ?`, k).Scan(&n); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.QueryContext(ctx, sel, k)
		if err != nil {
			t.Fatalf("same statement while its rows are open: %v", err)
		}
		m := 0
		for inner.Next() {
			m++
		}
		inner.Close()
		if m != n {
			t.Fatalf("k %d: nested query saw %d rows, want %d", k, m, n)
		}
		got = append(got, k)
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 2, 10}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	after := cached(t, db)
	if after[insert] != first {
		t.Error("the INSERT was prepared again instead of reused")
	}
	if after[sel] == nil || after[sel].busy {
		t.Errorf("SELECT cached %v, want cached and released", after[sel])
	}

	// A schema change: SQLite re-prepares the cached statement itself.
	if _, err := db.ExecContext(ctx, `ALTER TABLE t ADD COLUMN w TEXT NOT NULL DEFAULT 'x'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, insert, 20, "after"); err != nil {
		t.Fatalf("cached statement after a schema change: %v", err)
	}
	var w string
	if err := db.QueryRowContext(ctx, `SELECT w FROM t WHERE k = ?`, 20).Scan(&w); err != nil || w != "x" {
		t.Fatalf("row after the schema change: %q, %v", w, err)
	}

	// The cache is bounded.
	for i := range maxCachedStatements + 10 {
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(new(int)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(cached(t, db)); n != maxCachedStatements {
		t.Errorf("%d statements cached, want the bound %d", n, maxCachedStatements)
	}
}

// The store's pools use the caching connections.
func TestPoolsCacheStatements(t *testing.T) {
	write, read, ckpt := pools(filepath.Join(t.TempDir(), "payhost.db"))
	defer write.Close()
	defer read.Close()
	defer ckpt.Close()
	for _, db := range []*sql.DB{write, read} {
		if err := db.QueryRowContext(context.Background(), `SELECT 1`).Scan(new(int)); err != nil {
			t.Fatal(err)
		}
		if cached(t, db)["SELECT 1"] == nil {
			t.Error("a pool does not keep its statements prepared")
		}
	}
}
