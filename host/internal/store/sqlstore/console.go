package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// The operator console's storage: audit log, mode switches, console logins
// and the filtered sessions list (migration 0005).

func (db *DB) writer() conn { return conn{c: db.writeDB, numbered: db.d.Numbered} }

// AppendAudit records one operator action.
func (db *DB) AppendAudit(ctx context.Context, e session.AuditEntry) error {
	_, err := db.writer().ExecContext(ctx, `INSERT INTO audit_log (at, actor, role, via, action, target, detail, remote, outcome)
		VALUES (?,?,?,?,?,?,?,?,?)`, e.At.UnixNano(), e.Actor, e.Role, e.Via, e.Action, e.Target, e.Detail, e.Remote, e.Outcome)
	if err != nil {
		return fmt.Errorf("appending to the audit log: %w", err)
	}
	return nil
}

// Audit lists audit entries, newest first.
func (db *DB) Audit(ctx context.Context, f session.AuditFilter) ([]session.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	before := f.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, at, actor, role, via, action, target, detail, remote, outcome FROM audit_log
		WHERE id < ? AND (? = '' OR actor = ?) ORDER BY id DESC LIMIT ?`, before, f.Actor, f.Actor, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.AuditEntry
	for rows.Next() {
		var e session.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Role, &e.Via, &e.Action, &e.Target, &e.Detail, &e.Remote, &e.Outcome); err != nil {
			return nil, err
		}
		e.At = time.Unix(0, at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetModeSwitch stores an admin's switch of a site's mode.
func (db *DB) SetModeSwitch(ctx context.Context, m session.ModeSwitch) error {
	_, err := db.writer().ExecContext(ctx, `INSERT INTO mode_switches (site_id, mode, enabled, changed_at, changed_by) VALUES (?,?,?,?,?)
		ON CONFLICT (site_id, mode) DO UPDATE SET enabled = excluded.enabled, changed_at = excluded.changed_at, changed_by = excluded.changed_by`,
		m.SiteID, m.Mode, boolInt(m.Enabled), m.ChangedAt.UnixNano(), m.ChangedBy)
	if err != nil {
		return fmt.Errorf("storing the mode switch: %w", err)
	}
	return nil
}

// ModeSwitches lists every stored switch.
func (db *DB) ModeSwitches(ctx context.Context) ([]session.ModeSwitch, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT site_id, mode, enabled, changed_at, changed_by FROM mode_switches ORDER BY site_id, mode`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.ModeSwitch
	for rows.Next() {
		var m session.ModeSwitch
		var enabled int
		var at int64
		if err := rows.Scan(&m.SiteID, &m.Mode, &enabled, &at, &m.ChangedBy); err != nil {
			return nil, err
		}
		m.Enabled, m.ChangedAt = enabled == 1, time.Unix(0, at).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// ErrNoLogin is returned for an unknown or expired console login.
var ErrNoLogin = errors.New("no such console login")

// CreateLogin stores a console login, and drops the expired ones.
func (db *DB) CreateLogin(ctx context.Context, l session.ConsoleLogin) error {
	w := db.writer()
	if _, err := w.ExecContext(ctx, `DELETE FROM console_logins WHERE expires_at < ?`, l.CreatedAt.UnixNano()); err != nil {
		return fmt.Errorf("pruning console logins: %w", err)
	}
	if _, err := w.ExecContext(ctx, `INSERT INTO console_logins (token_hash, operator, csrf, created_at, expires_at) VALUES (?,?,?,?,?)`,
		l.TokenHash, l.Operator, l.CSRF, l.CreatedAt.UnixNano(), l.ExpiresAt.UnixNano()); err != nil {
		return fmt.Errorf("storing the console login: %w", err)
	}
	return nil
}

// Login returns the unexpired console login of a token hash, or ErrNoLogin.
func (db *DB) Login(ctx context.Context, tokenHash string, now time.Time) (session.ConsoleLogin, error) {
	var l session.ConsoleLogin
	var c, e int64
	err := db.read.QueryRowContext(ctx, `SELECT token_hash, operator, csrf, created_at, expires_at FROM console_logins
		WHERE token_hash = ? AND expires_at > ?`, tokenHash, now.UnixNano()).Scan(&l.TokenHash, &l.Operator, &l.CSRF, &c, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrNoLogin
	}
	if err != nil {
		return l, err
	}
	l.CreatedAt, l.ExpiresAt = time.Unix(0, c).UTC(), time.Unix(0, e).UTC()
	return l, nil
}

// DeleteLogin ends a console login (logout).
func (db *DB) DeleteLogin(ctx context.Context, tokenHash string) error {
	_, err := db.writer().ExecContext(ctx, `DELETE FROM console_logins WHERE token_hash = ?`, tokenHash)
	return err
}

// SearchSessions lists sessions matching q, newest first, continuing
// below (AfterCreated, AfterID) when set: keyset pagination, so that a
// deep page costs what the first one does. Every filter has an index
// ordered by (created_at, id) behind its equality (migration 0006), so the
// engine reads the page's rows and no more.
func (db *DB) SearchSessions(ctx context.Context, q session.SessionQuery) ([]*session.Session, error) {
	stmt, args := searchSessionsSQL(q)
	return db.querySessions(ctx, stmt, args...)
}

// searchSessionsSQL is SearchSessions' statement and arguments.
func searchSessionsSQL(q session.SessionQuery) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.SiteID != "" {
		add("site_id = ?", q.SiteID)
	}
	if q.Mode != "" {
		add("mode = ?", q.Mode)
	}
	if q.Status != "" {
		add("status = ?", string(q.Status))
	}
	if q.OrderRef != "" {
		add("order_ref = ?", q.OrderRef)
	}
	if q.Reference != "" {
		add("(reference = ? OR (provider_transaction_id = ? AND provider_transaction_id <> ''))", q.Reference, q.Reference)
	}
	if q.Amount > 0 {
		add("amount = ?", q.Amount)
	}
	if q.NeedsAttention {
		add("needs_attention = 1")
	}
	if !q.From.IsZero() {
		add("created_at >= ?", q.From.UnixNano())
	}
	// Below a cursor the end date is implied: left out, so that the engine
	// starts the page at the cursor instead of at the end date (SQLite
	// takes one upper bound, and would walk every row between them).
	if !q.To.IsZero() && (q.AfterCreated.IsZero() || !q.AfterCreated.Before(q.To)) {
		add("created_at < ?", q.To.UnixNano())
	}
	if !q.AfterCreated.IsZero() {
		// "created_at <= ?" alone bounds the index range where the page
		// starts; the OR only drops the ties already shown. (Both engines
		// scan from the top of the index with the OR alone: a deep page
		// would cost every row above it.)
		c := q.AfterCreated.UnixNano()
		add("created_at <= ? AND (created_at < ? OR id < ?)", c, c, q.AfterID)
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	stmt := `SELECT ` + sessionColumns + ` FROM sessions`
	if len(where) > 0 {
		stmt += " WHERE " + strings.Join(where, " AND ")
	}
	stmt += " ORDER BY created_at DESC, id DESC LIMIT ?"
	return stmt, append(args, limit)
}

// SessionCounts counts the sessions created since a time, by mode and
// status.
func (db *DB) SessionCounts(ctx context.Context, since time.Time) ([]session.StatusCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT mode, status, COUNT(*), COALESCE(SUM(amount), 0) FROM sessions
		WHERE created_at >= ? GROUP BY mode, status ORDER BY mode, status`, since.UnixNano())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.StatusCount
	for rows.Next() {
		var c session.StatusCount
		var st string
		if err := rows.Scan(&c.Mode, &st, &c.Count, &c.Amount); err != nil {
			return nil, err
		}
		c.Status = session.Status(st)
		out = append(out, c)
	}
	return out, rows.Err()
}

// WebhookBacklog counts the webhook messages not yet delivered nor given
// up.
func (db *DB) WebhookBacklog(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND given_up_at IS NULL`).Scan(&n)
	return n, err
}
