package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// The queue. Every session with a message waiting has one row in
// outbox_heads naming its oldest waiting message and the time it may be
// claimed (its next attempt, or the end of the current lease). The row is
// written in the transactions that queue, deliver, give up or redeliver a
// message, so a claim is a range scan of the heads' due_at index: its cost
// depends on the batch size only, neither on the backlog nor on the
// planner's statistics, and a session never has two messages out at once.
// Lock order, against deadlocks: session row, then head row, then outbox
// rows.

const outboxColumns = `id, event_id, session_id, site_id, status, payload, created_at, attempts, delivered_at, given_up_at`

func scanOutbox(row scanner) (session.OutboxMessage, error) {
	var (
		m                  session.OutboxMessage
		status             string
		created            int64
		delivered, givenUp sql.NullInt64
	)
	if err := row.Scan(&m.ID, &m.EventID, &m.SessionID, &m.SiteID, &status, &m.Payload, &created, &m.Attempts, &delivered, &givenUp); err != nil {
		return m, err
	}
	m.Status, m.CreatedAt = session.Status(status), time.Unix(0, created).UTC()
	m.DeliveredAt, m.GivenUpAt = fromNanos(delivered), fromNanos(givenUp)
	return m, nil
}

// enqueue inserts a session's new messages and gives the session a head
// if it had none. The caller holds the session (its row lock, or its
// insert), so a session's messages are queued one transaction at a time
// and their ids follow their order.
func (db *DB) enqueue(ctx context.Context, tx conn, sessionID string, msgs []session.OutboxMessage) error {
	headed := false
	for _, m := range msgs {
		var id int64
		// A repeated EventID (same session and status) is already queued.
		err := tx.QueryRowContext(ctx, `INSERT INTO outbox (event_id, session_id, site_id, status, payload, created_at, next_attempt_at)
			VALUES (?,?,?,?,?,?,?) ON CONFLICT (event_id) DO NOTHING RETURNING id`,
			m.EventID, sessionID, m.SiteID, string(m.Status), m.Payload, m.CreatedAt.UnixNano(), m.CreatedAt.UnixNano()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("queueing webhook: %w", err)
		}
		if headed {
			continue
		}
		// An existing head stays (it names an older message); the no-op
		// update locks it, so that a delivery recorded concurrently either
		// sees this message or sees the head gone and lets this insert
		// make a new one.
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_heads (session_id, outbox_id, due_at) VALUES (?,?,?)
			ON CONFLICT (session_id) DO UPDATE SET outbox_id = outbox_heads.outbox_id`,
			sessionID, id, m.CreatedAt.UnixNano()); err != nil {
			return fmt.Errorf("queueing webhook: %w", err)
		}
		headed = true
	}
	return nil
}

// Outbox implements session.Store.
func (db *DB) Outbox(ctx context.Context, sessionID string) ([]session.OutboxMessage, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE session_id = ? ORDER BY id`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.OutboxMessage
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// in returns "(?,?,…)" for n values.
func in(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
}

// claimHeadsSQL takes now and a limit; the dialect's SkipLocked follows
// (webhook worker, every poll and while there is work).
const claimHeadsSQL = `SELECT session_id, outbox_id FROM outbox_heads WHERE due_at <= ?
			ORDER BY due_at LIMIT ?`

// ClaimOutbox implements session.Store: the due heads, oldest due first,
// skipping heads other instances hold, leased by moving their due time
// past the lease.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]session.OutboxMessage, error) {
	var out []session.OutboxMessage
	err := db.inTx(ctx, func(tx conn) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, claimHeadsSQL+db.d.SkipLocked, now.UnixNano(), limit)
		if err != nil {
			return err
		}
		var sessions, ids []any
		for rows.Next() {
			var sid string
			var id int64
			if err := rows.Scan(&sid, &id); err != nil {
				rows.Close()
				return err
			}
			sessions, ids = append(sessions, sid), append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox_heads SET due_at = ? WHERE session_id IN `+in(len(sessions)),
			append([]any{now.Add(lease).UnixNano()}, sessions...)...); err != nil {
			return err
		}
		msgs, err := tx.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id IN `+in(len(ids))+` ORDER BY id`, ids...)
		if err != nil {
			return err
		}
		defer msgs.Close()
		for msgs.Next() {
			m, err := scanOutbox(msgs)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return msgs.Err()
	})
	return out, err
}

// lockHead takes the session's head row lock (PostgreSQL), before any
// outbox row. SQLite has no row locks: its write transaction holds the
// whole database already, so nothing is read there.
func (db *DB) lockHead(ctx context.Context, tx conn, sessionID string) error {
	if db.d.LockRow == "" {
		return nil
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT outbox_id FROM outbox_heads WHERE session_id = ?`+db.d.LockRow, sessionID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// advanceHead points the session's head at its oldest waiting message, due
// at that message's next attempt, or removes it when nothing waits. A head
// already on that message keeps its due time when keepDue (a lease in
// progress).
func (db *DB) advanceHead(ctx context.Context, tx conn, sessionID string, keepDue bool) error {
	var id, next int64
	err := tx.QueryRowContext(ctx, `SELECT id, next_attempt_at FROM outbox
		WHERE session_id = ? AND delivered_at IS NULL AND given_up_at IS NULL ORDER BY session_id, id LIMIT 1`, sessionID).Scan(&id, &next)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.ExecContext(ctx, `DELETE FROM outbox_heads WHERE session_id = ?`, sessionID)
		return err
	}
	if err != nil {
		return err
	}
	set := `outbox_id = excluded.outbox_id, due_at = excluded.due_at`
	if keepDue {
		set = `due_at = CASE WHEN outbox_heads.outbox_id = excluded.outbox_id THEN outbox_heads.due_at ELSE excluded.due_at END, outbox_id = excluded.outbox_id`
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox_heads (session_id, outbox_id, due_at) VALUES (?,?,?)
		ON CONFLICT (session_id) DO UPDATE SET `+set, sessionID, id, next)
	return err
}

// RecordDelivery implements session.Store. The message is named by its id
// and its session (the claim gave both); a pair that does not match is
// ErrNotFound and nothing is written.
func (db *DB) RecordDelivery(ctx context.Context, d session.Delivery, delivered bool, next time.Time) error {
	errs, err := db.RecordDeliveries(ctx, []session.DeliveryResult{{Delivery: d, Delivered: delivered, Next: next}})
	if err != nil {
		return err
	}
	return errs[0]
}

// RecordDeliveries implements session.Store: the webhook worker's batch in
// one transaction (one commit, and on PostgreSQL one BEGIN/COMMIT round
// trip pair, instead of one per message). The batch's head rows are locked
// by one statement in session order, so two batches over the same sessions
// cannot deadlock, and its attempts are inserted by one statement: per
// message remain the outbox update (which tells whether the message
// matches) and the move of its session's head.
func (db *DB) RecordDeliveries(ctx context.Context, rs []session.DeliveryResult) ([]error, error) {
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(rs[a].Delivery.SessionID, rs[b].Delivery.SessionID) })
	errs := make([]error, len(rs))
	err := db.inTx(ctx, func(tx conn) error {
		clear(errs) // a retried transaction starts again
		if err := db.lockHeads(ctx, tx, rs, order); err != nil {
			return err
		}
		recorded := make([]session.Delivery, 0, len(rs))
		for _, i := range order {
			err := db.recordAttempt(ctx, tx, rs[i])
			if errors.Is(err, session.ErrNotFound) {
				errs[i] = err
				continue
			}
			if err != nil {
				return err
			}
			recorded = append(recorded, rs[i].Delivery)
		}
		return insertDeliveries(ctx, tx, recorded)
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// lockHeads locks the head rows of the batch's sessions, in session order,
// on an engine with row locks.
func (db *DB) lockHeads(ctx context.Context, tx conn, rs []session.DeliveryResult, order []int) error {
	if db.d.LockRow == "" || len(rs) == 0 {
		return nil
	}
	args := make([]any, len(order))
	for n, i := range order {
		args[n] = rs[i].Delivery.SessionID
	}
	rows, err := tx.QueryContext(ctx, `SELECT session_id FROM outbox_heads WHERE session_id IN (?`+strings.Repeat(",?", len(args)-1)+`)
		ORDER BY session_id`+db.d.LockRow, args...)
	if err != nil {
		return fmt.Errorf("locking webhook queue heads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// recordAttempt writes one attempt's outcome on its message and moves its
// session's head; ErrNotFound, with nothing written, when the message does
// not match.
func (db *DB) recordAttempt(ctx context.Context, tx conn, r session.DeliveryResult) error {
	d := r.Delivery
	sid := d.SessionID
	var (
		res sql.Result
		err error
	)
	switch {
	case r.Delivered:
		res, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, delivered_at = ?, lease_until = NULL WHERE id = ? AND session_id = ?`, d.At.UnixNano(), d.OutboxID, sid)
	case r.Next.IsZero():
		res, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, given_up_at = ?, lease_until = NULL WHERE id = ? AND session_id = ?`, d.At.UnixNano(), d.OutboxID, sid)
	default:
		res, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, lease_until = NULL WHERE id = ? AND session_id = ?`, r.Next.UnixNano(), d.OutboxID, sid)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("outbox message %d of %s: %w", d.OutboxID, sid, session.ErrNotFound)
	}
	return db.advanceHead(ctx, tx, sid, false)
}

// insertDeliveries records attempts, in their order, by one statement.
func insertDeliveries(ctx context.Context, tx conn, ds []session.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	const cols = 8
	args := make([]any, 0, cols*len(ds))
	for _, d := range ds {
		args = append(args, d.OutboxID, d.EventID, d.SessionID, d.At.UnixNano(), d.StatusCode, int64(d.Latency), d.Response, d.Error)
	}
	row := "(?,?,?,?,?,?,?,?)"
	if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (outbox_id, event_id, session_id, attempted_at, status_code, latency_ns, response, error)
		VALUES `+row+strings.Repeat(","+row, len(ds)-1), args...); err != nil {
		return fmt.Errorf("recording deliveries: %w", err)
	}
	return nil
}

// Deliveries implements session.Store.
func (db *DB) Deliveries(ctx context.Context, sessionID string) ([]session.Delivery, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, outbox_id, event_id, session_id, attempted_at, status_code, latency_ns, response, error
		FROM deliveries WHERE session_id = ? ORDER BY id`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.Delivery
	for rows.Next() {
		var d session.Delivery
		var at, latency int64
		if err := rows.Scan(&d.ID, &d.OutboxID, &d.EventID, &d.SessionID, &at, &d.StatusCode, &latency, &d.Response, &d.Error); err != nil {
			return nil, err
		}
		d.At, d.Latency = time.Unix(0, at).UTC(), time.Duration(latency)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Redeliver implements session.Store. The message goes back in its
// session's queue at its place: first if it is older than the message
// waiting, after the waiting ones otherwise.
func (db *DB) Redeliver(ctx context.Context, sessionID string, outboxID int64, now time.Time) error {
	return db.inTx(ctx, func(tx conn) error {
		if err := db.lockHead(ctx, tx, sessionID); err != nil {
			return err
		}
		var pruned sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT pruned_at FROM outbox WHERE id = ? AND session_id = ?`, outboxID, sessionID).Scan(&pruned)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("outbox message %d of %s: %w", outboxID, sessionID, session.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if pruned.Valid {
			return fmt.Errorf("outbox message %d of %s: %w", outboxID, sessionID, session.ErrPruned)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET delivered_at = NULL, given_up_at = NULL, next_attempt_at = ?, lease_until = NULL
			WHERE id = ?`, now.UnixNano(), outboxID); err != nil {
			return err
		}
		return db.advanceHead(ctx, tx, sessionID, true)
	})
}

// oldestUndeliveredSQL takes no argument (metrics, at every scrape). A
// session's oldest waiting message is its head, so the heads suffice.
const oldestUndeliveredSQL = `SELECT MIN(o.created_at) FROM outbox_heads h JOIN outbox o ON o.id = h.outbox_id`

// OldestUndelivered implements session.Store.
func (db *DB) OldestUndelivered(ctx context.Context) (time.Time, bool, error) {
	var t sql.NullInt64
	if err := db.read.QueryRowContext(ctx, oldestUndeliveredSQL).Scan(&t); err != nil {
		return time.Time{}, false, err
	}
	return fromNanos(t), t.Valid, nil
}
