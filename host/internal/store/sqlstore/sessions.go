package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/sdk/payment"
)

const sessionColumns = `id, site_id, mode, plugin, kind, status, amount, currency, country, cart_type,
	order_ref, reference, reference_scope, cart, customer, return_url, cancel_url, action,
	provider_transaction_id, provider_data, created_at, updated_at, expires_at, version,
	captured_amount, refunded_amount, next_check_at, check_attempts, checkout_id, needs_attention`

// placeholders has one "?" per session column.
var placeholders = strings.TrimSuffix(strings.Repeat("?,", strings.Count(sessionColumns, ",")+1), ",")

// nanos stores a time as Unix nanoseconds, and the zero time as NULL.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// boolInt stores a flag as 0 or 1 (an INTEGER on both engines).
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func sessionArgs(s *session.Session) ([]any, error) {
	cart, err := marshal(s.Cart)
	if err != nil {
		return nil, err
	}
	customer, err := marshal(s.Customer)
	if err != nil {
		return nil, err
	}
	var action any
	if s.Action != nil {
		a, err := marshal(s.Action)
		if err != nil {
			return nil, err
		}
		action = a
	}
	pd, err := marshal(s.ProviderData)
	if err != nil {
		return nil, err
	}
	return columnArgs(s, cart, customer, action, pd), nil
}

// columnArgs lists a session's column values in sessionColumns' order,
// with its JSON columns already encoded (action is nil or a string).
func columnArgs(s *session.Session, cart, customer string, action any, pd string) []any {
	return []any{s.ID, s.SiteID, s.Mode, s.Plugin, string(s.Kind), string(s.Status), s.Amount, s.Currency, s.Country,
		s.CartType, s.OrderRef, s.Reference, s.ReferenceScope, cart, customer, s.ReturnURL, s.CancelURL, action,
		s.ProviderTransactionID, pd, s.CreatedAt.UnixNano(), nanos(s.UpdatedAt), nanos(s.ExpiresAt), s.Version,
		s.CapturedAmount, s.RefundedAmount, nanos(s.NextCheckAt), s.CheckAttempts, s.CheckoutID, boolInt(s.NeedsAttention)}
}

// sessionColumnNames are sessionColumns one by one.
var sessionColumnNames = func() []string {
	names := strings.Split(sessionColumns, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	return names
}()

// sameValue compares two column values of columnArgs (nil, string or an
// integer type).
func sameValue(a, b any) bool {
	return normalize(a) == normalize(b)
}

func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	}
	return v
}

type scanner interface{ Scan(...any) error }

func scanSession(row scanner) (*session.Session, error) {
	s, _, err := scanSessionRow(row)
	return s, err
}

// scanSessionRow also returns the row as stored, in columnArgs' form, so
// that an update can write only what changed.
func scanSessionRow(row scanner) (*session.Session, []any, error) {
	var (
		s                  session.Session
		kind, status       string
		cart, customer, pd string
		action             sql.NullString
		created            int64
		updated, expires   sql.NullInt64
		nextCheck          sql.NullInt64
		attention          int64
	)
	err := row.Scan(&s.ID, &s.SiteID, &s.Mode, &s.Plugin, &kind, &status, &s.Amount, &s.Currency, &s.Country,
		&s.CartType, &s.OrderRef, &s.Reference, &s.ReferenceScope, &cart, &customer, &s.ReturnURL, &s.CancelURL, &action,
		&s.ProviderTransactionID, &pd, &created, &updated, &expires, &s.Version,
		&s.CapturedAmount, &s.RefundedAmount, &nextCheck, &s.CheckAttempts, &s.CheckoutID, &attention)
	if err != nil {
		return nil, nil, err
	}
	s.Kind, s.Status = payment.Kind(kind), session.Status(status)
	s.CreatedAt, s.UpdatedAt, s.ExpiresAt = time.Unix(0, created).UTC(), fromNanos(updated), fromNanos(expires)
	s.NextCheckAt, s.NeedsAttention = fromNanos(nextCheck), attention != 0
	if err := json.Unmarshal([]byte(cart), &s.Cart); err != nil {
		return nil, nil, fmt.Errorf("session %s: cart: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(customer), &s.Customer); err != nil {
		return nil, nil, fmt.Errorf("session %s: customer: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(pd), &s.ProviderData); err != nil {
		return nil, nil, fmt.Errorf("session %s: provider data: %w", s.ID, err)
	}
	var rawAction any
	if action.Valid {
		rawAction = action.String
		s.Action = new(session.Action)
		if err := json.Unmarshal([]byte(action.String), s.Action); err != nil {
			return nil, nil, fmt.Errorf("session %s: action: %w", s.ID, err)
		}
	}
	return &s, columnArgs(&s, cart, customer, rawAction, pd), nil
}

// CreateSession implements session.Store.
func (db *DB) CreateSession(ctx context.Context, s *session.Session, events []session.Event, outbox []session.OutboxMessage) error {
	args, err := sessionArgs(s)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx conn) error {
		if s.CheckoutID != "" {
			if err := db.checkAttempt(ctx, tx, s.CheckoutID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (`+placeholders+`)`, args...)
		if isUnique(db, err) {
			return fmt.Errorf("session %s or its reference %q: %w", s.ID, s.Reference, session.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("inserting session: %w", err)
		}
		return db.writeChange(ctx, tx, s.ID, events, outbox, nil)
	})
}

func (db *DB) writeChange(ctx context.Context, tx conn, id string, events []session.Event, outbox []session.OutboxMessage, ops []session.Operation) error {
	for _, op := range ops {
		if err := db.upsertOperation(ctx, tx, id, op); err != nil {
			return err
		}
	}
	for _, e := range events {
		payload, err := marshal(e.Payload)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (session_id, time, source, result, from_status, to_status, reason,
			provider_transaction_id, provider_code, provider_message, authorization_code, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
			id, e.Time.UnixNano(), string(e.Source), string(e.Result), string(e.From), string(e.To), e.Reason,
			e.ProviderTransactionID, e.ProviderCode, e.ProviderMessage, e.AuthorizationCode, payload); err != nil {
			return fmt.Errorf("inserting event: %w", err)
		}
	}
	return db.enqueue(ctx, tx, id, outbox)
}

// Session implements session.Store.
func (db *DB) Session(ctx context.Context, id string) (*session.Session, error) {
	s, err := scanSession(db.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("session %s: %w", id, session.ErrNotFound)
	}
	return s, err
}

func (db *DB) querySessions(ctx context.Context, q string, args ...any) ([]*session.Session, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*session.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SessionsByReference implements session.Store.
func (db *DB) SessionsByReference(ctx context.Context, mode, reference string) ([]*session.Session, error) {
	return db.querySessions(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE mode = ? AND reference = ? ORDER BY created_at DESC, id`, mode, reference)
}

// Sessions implements session.Store.
func (db *DB) Sessions(ctx context.Context, f session.Filter) ([]*session.Session, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	if f.NeedsAttention {
		// Its own statement, so that the partial index serves it.
		return db.querySessions(ctx, `SELECT `+sessionColumns+` FROM sessions
			WHERE needs_attention = 1 AND (? = '' OR site_id = ?) AND (? = '' OR status = ?)
			ORDER BY created_at DESC, id DESC LIMIT ?`, f.SiteID, f.SiteID, string(f.Status), string(f.Status), limit)
	}
	return db.querySessions(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE (? = '' OR site_id = ?) AND (? = '' OR status = ?)
		ORDER BY created_at DESC, id DESC LIMIT ?`, f.SiteID, f.SiteID, string(f.Status), string(f.Status), limit)
}

// CountNeedingAttention implements session.Store.
func (db *DB) CountNeedingAttention(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE needs_attention = 1`).Scan(&n)
	return n, err
}

// Events implements session.Store.
func (db *DB) Events(ctx context.Context, sessionID string) ([]session.Event, error) {
	return queryEvents(ctx, db.read, sessionID)
}

func queryEvents(ctx context.Context, c conn, sessionID string) ([]session.Event, error) {
	rows, err := c.QueryContext(ctx, `SELECT id, session_id, time, source, result, from_status, to_status, reason,
		provider_transaction_id, provider_code, provider_message, authorization_code, payload FROM events WHERE session_id = ? ORDER BY id`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.Event
	for rows.Next() {
		var (
			e                        session.Event
			t                        int64
			source, result, from, to string
			payload                  string
		)
		if err := rows.Scan(&e.ID, &e.SessionID, &t, &source, &result, &from, &to, &e.Reason,
			&e.ProviderTransactionID, &e.ProviderCode, &e.ProviderMessage, &e.AuthorizationCode, &payload); err != nil {
			return nil, err
		}
		e.Time = time.Unix(0, t).UTC()
		e.Source, e.Result, e.From, e.To = session.Source(source), session.Result(result), session.Status(from), session.Status(to)
		if err := json.Unmarshal([]byte(payload), &e.Payload); err != nil {
			return nil, fmt.Errorf("event %d payload: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SessionRecord implements session.Store: the three reads share one read
// transaction, so that what they return is of one instant. Read one after
// the other, an answer could combine a session from before an update with
// the operations after it (an operation succeeded, its capture missing).
func (db *DB) SessionRecord(ctx context.Context, id string) (*session.Session, []session.Event, []session.Operation, error) {
	tx, err := db.readDB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: db.d.Snapshot})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	c := conn{c: tx, numbered: db.d.Numbered}
	s, err := scanSession(c.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil, fmt.Errorf("session %s: %w", id, session.ErrNotFound)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	events, err := queryEvents(ctx, c, id)
	if err != nil {
		return nil, nil, nil, err
	}
	ops, err := queryOperations(ctx, c, `SELECT `+operationColumns+` FROM operations WHERE session_id = ? ORDER BY created_at, id`, id)
	if err != nil {
		return nil, nil, nil, err
	}
	return s, events, ops, nil
}

// UpdateSession implements session.Store. The write connection's BEGIN
// IMMEDIATE takes SQLite's write lock before the read, so concurrent
// updates of a session run one after the other on fresh data.
func (db *DB) UpdateSession(ctx context.Context, id string, fn session.UpdateFunc) (*session.Session, error) {
	var out *session.Session
	err := db.inTx(ctx, func(tx conn) error {
		cur, stored, err := scanSessionRow(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`+db.d.LockRow, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("session %s: %w", id, session.ErrNotFound)
		}
		if err != nil {
			return err
		}
		// A session still in created has no operations (they need a
		// payment, and no status leads back to created): its Begin update,
		// one in every paid session, skips the read.
		if cur.Status != session.StatusCreated {
			if cur.Operations, err = queryOperations(ctx, tx, `SELECT `+operationColumns+` FROM operations WHERE session_id = ? ORDER BY created_at, id`, id); err != nil {
				return err
			}
		}
		version := cur.Version
		change, err := fn(cur)
		if err != nil {
			return err
		}
		out = cur
		out.Operations = nil
		if len(change.Operations) > 0 && (change.Session == nil && cur.Status == session.StatusCreated ||
			change.Session != nil && change.Session.Status == session.StatusCreated) {
			// The read above skips operations in created: keep that true.
			return fmt.Errorf("session %s is created: an operation needs a payment first", id)
		}
		if change.Session != nil {
			next := *change.Session
			next.ID, next.Version, next.Operations = id, version+1, nil
			args, err := sessionArgs(&next)
			if err != nil {
				return err
			}
			// id stays the key; only the columns that changed are written,
			// so that the indexes over the others are left alone.
			var set strings.Builder
			var vals []any
			for i, name := range sessionColumnNames {
				if name == "id" || sameValue(args[i], stored[i]) {
					continue
				}
				if set.Len() > 0 {
					set.WriteString(", ")
				}
				set.WriteString(name + " = ?")
				vals = append(vals, args[i])
			}
			// version always changes, so the SET list is never empty.
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET `+set.String()+` WHERE id = ?`, append(vals, id)...); err != nil {
				if isUnique(db, err) {
					return fmt.Errorf("session %s reference %q: %w", id, next.Reference, session.ErrConflict)
				}
				return fmt.Errorf("updating session: %w", err)
			}
			out = &next
		}
		return db.writeChange(ctx, tx, id, change.Events, change.Outbox, change.Operations)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NextSequence implements session.Store.
func (db *DB) NextSequence(ctx context.Context, siteID, mode, scope string, min, max int64) (int64, error) {
	var v int64
	err := db.inTx(ctx, func(tx conn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO reference_sequences (site_id, mode, scope, last_value) VALUES (?, ?, ?, ?)
			ON CONFLICT (site_id, mode, scope) DO UPDATE SET last_value = reference_sequences.last_value + 1
			RETURNING last_value`, siteID, mode, scope, min).Scan(&v)
		if err != nil {
			return fmt.Errorf("sequence: %w", err)
		}
		if v < min {
			// A sequence first used with a lower minimum: jump to this one.
			if _, err := tx.ExecContext(ctx, `UPDATE reference_sequences SET last_value = ? WHERE site_id = ? AND mode = ? AND scope = ?`, min, siteID, mode, scope); err != nil {
				return err
			}
			v = min
		}
		if v > max {
			return fmt.Errorf("sequence %s/%s/%s: %w", siteID, mode, scope, session.ErrSequenceExhausted)
		}
		return nil
	})
	return v, err
}
