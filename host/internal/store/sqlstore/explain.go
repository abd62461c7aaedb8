package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// QueryPlan is the engine's plan for one of the queries the host runs on a
// timer whatever its traffic, so their cost must not grow with the number
// of sessions kept.
type QueryPlan struct {
	Name string
	Plan string
}

type periodicQuery struct {
	name string
	sql  string
	args []any
}

func periodicQueries(d Dialect, now time.Time) []periodicQuery {
	n := now.UnixNano()
	return []periodicQuery{
		{"janitor: due sessions", dueSessionsSQL, []any{n, n, n, 100}},
		{"janitor: due operations", dueOperationsSQL, []any{n, 100}},
		{"webhooks: claim", claimHeadsSQL + d.SkipLocked, []any{n, 16}},
		{"metrics: oldest undelivered", oldestUndeliveredSQL, nil},
	}
}

// Explain returns the plan of each periodic query as the engine runs it
// now: EXPLAIN QUERY PLAN on SQLite; EXPLAIN ANALYZE on PostgreSQL, in a
// transaction rolled back afterwards (the webhook claim locks rows).
func (db *DB) Explain(ctx context.Context) ([]QueryPlan, error) {
	var out []QueryPlan
	err := func() error {
		tx, err := db.readDB.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		c := conn{c: tx, numbered: db.d.Numbered}
		for _, q := range periodicQueries(db.d, time.Now()) {
			plan, err := explain(ctx, c, db.d, true, q.sql, q.args)
			if err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			out = append(out, QueryPlan{Name: q.name, Plan: plan})
		}
		return nil
	}()
	if err != nil {
		return nil, errors.Join(errors.New("explaining the periodic queries"), err)
	}
	return out, nil
}

// ExplainSearch returns the plan of SearchSessions(q) as the engine would
// run it now: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (without running it)
// on PostgreSQL.
func (db *DB) ExplainSearch(ctx context.Context, q session.SessionQuery) (string, error) {
	stmt, args := searchSessionsSQL(q)
	plan, err := explain(ctx, conn{c: db.readDB, numbered: db.d.Numbered}, db.d, false, stmt, args)
	if err != nil {
		return "", fmt.Errorf("explaining the sessions search: %w", err)
	}
	return plan, nil
}

// explain returns the plan of one statement, one line per plan node.
func explain(ctx context.Context, c conn, d Dialect, analyze bool, stmt string, args []any) (string, error) {
	prefix := "EXPLAIN QUERY PLAN "
	if d.Name == "postgres" {
		prefix = "EXPLAIN "
		if analyze {
			prefix = "EXPLAIN (ANALYZE, BUFFERS) "
		}
	}
	rows, err := c.QueryContext(ctx, prefix+stmt, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var lines []string
	depth := map[string]int{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		lines = append(lines, planLine(cols, vals, depth))
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return strings.Join(lines, "\n"), nil
}

// planLine formats a row of EXPLAIN QUERY PLAN (id, parent, notused,
// detail: the detail, indented under its parent) or of EXPLAIN (one text
// column).
func planLine(cols []string, vals []any, depth map[string]int) string {
	text := func(v any) string {
		if b, ok := v.([]byte); ok {
			return string(b)
		}
		return fmt.Sprint(v)
	}
	if len(cols) == 4 && cols[3] == "detail" {
		d := depth[text(vals[1])] + 1
		depth[text(vals[0])] = d
		return strings.Repeat("  ", d-1) + text(vals[3])
	}
	return text(vals[len(vals)-1])
}
