package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

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

// claimOutboxSQL takes now twice and a limit; the dialect's SkipLocked
// follows (webhook worker, every poll and while there is work).
const claimOutboxSQL = `SELECT ` + outboxColumns + ` FROM outbox o
			WHERE delivered_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
			  AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.session_id = o.session_id AND p.id < o.id
			                  AND p.delivered_at IS NULL AND p.given_up_at IS NULL)
			ORDER BY next_attempt_at, id LIMIT ?`

// ClaimOutbox implements session.Store.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]session.OutboxMessage, error) {
	var out []session.OutboxMessage
	err := db.inTx(ctx, func(tx conn) error {
		n := now.UnixNano()
		rows, err := tx.QueryContext(ctx, claimOutboxSQL+db.d.SkipLocked, n, n, limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			m, err := scanOutbox(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET lease_until = ? WHERE id = ?`, now.Add(lease).UnixNano(), m.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// RecordDelivery implements session.Store.
func (db *DB) RecordDelivery(ctx context.Context, d session.Delivery, delivered bool, next time.Time) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (outbox_id, event_id, session_id, attempted_at, status_code, latency_ns, response, error)
			VALUES (?,?,?,?,?,?,?,?)`, d.OutboxID, d.EventID, d.SessionID, d.At.UnixNano(), d.StatusCode, int64(d.Latency), d.Response, d.Error); err != nil {
			return fmt.Errorf("recording delivery: %w", err)
		}
		var err error
		switch {
		case delivered:
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, delivered_at = ?, lease_until = NULL WHERE id = ?`, d.At.UnixNano(), d.OutboxID)
		case next.IsZero():
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, given_up_at = ?, lease_until = NULL WHERE id = ?`, d.At.UnixNano(), d.OutboxID)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, lease_until = NULL WHERE id = ?`, next.UnixNano(), d.OutboxID)
		}
		return err
	})
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

// Redeliver implements session.Store.
func (db *DB) Redeliver(ctx context.Context, sessionID string, outboxID int64, now time.Time) error {
	return db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET delivered_at = NULL, given_up_at = NULL, next_attempt_at = ?, lease_until = NULL
			WHERE id = ? AND session_id = ?`, now.UnixNano(), outboxID, sessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("outbox message %d of %s: %w", outboxID, sessionID, session.ErrNotFound)
		}
		return nil
	})
}

// oldestUndeliveredSQL takes no argument (metrics, at every scrape).
const oldestUndeliveredSQL = `SELECT MIN(created_at) FROM outbox WHERE delivered_at IS NULL AND given_up_at IS NULL`

// OldestUndelivered implements session.Store.
func (db *DB) OldestUndelivered(ctx context.Context) (time.Time, bool, error) {
	var t sql.NullInt64
	if err := db.read.QueryRowContext(ctx, oldestUndeliveredSQL).Scan(&t); err != nil {
		return time.Time{}, false, err
	}
	return fromNanos(t), t.Valid, nil
}
