package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// defaultKeyLease is the lease of a claim that names none, and of the
// claims stored before leases existed (their lease_until is NULL).
const defaultKeyLease = 2 * time.Minute

// ClaimIdempotencyKey implements session.Store. Taking a lapsed lease
// over is one conditional UPDATE, so two retries never both hold a key.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, k session.IdempotencyKey) (*session.IdempotencyKey, bool, error) {
	var (
		rec  *session.IdempotencyKey
		held bool
	)
	lease := k.LeaseUntil
	if lease.IsZero() {
		lease = k.CreatedAt.Add(defaultKeyLease)
	}
	var sid any
	if k.SessionID != "" {
		sid = k.SessionID
	}
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (site_id, key, request_hash, created_at, session_id, lease_until) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (site_id, key) DO NOTHING`, k.SiteID, k.Key, k.RequestHash, k.CreatedAt.UnixNano(), sid, lease.UnixNano())
		if err != nil {
			return fmt.Errorf("claiming idempotency key: %w", err)
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			// The same request whose holder is presumed dead: take over,
			// keeping the session it reserved.
			res, err = tx.ExecContext(ctx, `UPDATE idempotency_keys SET lease_until = ?, session_id = COALESCE(session_id, ?)
				WHERE site_id = ? AND key = ? AND request_hash = ? AND (status_code IS NULL OR status_code = 0)
				  AND COALESCE(lease_until, created_at + ?) <= ?`,
				lease.UnixNano(), sid, k.SiteID, k.Key, k.RequestHash, int64(defaultKeyLease), k.CreatedAt.UnixNano())
			if err != nil {
				return fmt.Errorf("taking over idempotency key: %w", err)
			}
			n, _ = res.RowsAffected()
		}
		held = n == 1
		var (
			e          session.IdempotencyKey
			created    int64
			code       sql.NullInt64
			body       []byte
			sid        sql.NullString
			leaseUntil sql.NullInt64
		)
		if err := tx.QueryRowContext(ctx, `SELECT site_id, key, request_hash, created_at, status_code, body, session_id, lease_until
			FROM idempotency_keys WHERE site_id = ? AND key = ?`, k.SiteID, k.Key).Scan(&e.SiteID, &e.Key, &e.RequestHash, &created, &code, &body, &sid, &leaseUntil); err != nil {
			return err
		}
		e.CreatedAt, e.SessionID, e.LeaseUntil = time.Unix(0, created).UTC(), sid.String, fromNanos(leaseUntil)
		if code.Valid {
			e.Response = &session.IdempotentResponse{StatusCode: int(code.Int64), Body: body, SessionID: sid.String}
		}
		rec = &e
		return nil
	})
	return rec, held, err
}

// CompleteIdempotencyKey implements session.Store.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, siteID, key string, resp session.IdempotentResponse) error {
	return db.inTx(ctx, func(tx conn) error {
		// Status 0 (bound, still under way) keeps the request's lease.
		q := `UPDATE idempotency_keys SET status_code = ?, body = ?, session_id = ?, lease_until = NULL WHERE site_id = ? AND key = ?`
		if resp.StatusCode == 0 {
			q = `UPDATE idempotency_keys SET status_code = ?, body = ?, session_id = ? WHERE site_id = ? AND key = ?`
		}
		res, err := tx.ExecContext(ctx, q, resp.StatusCode, resp.Body, resp.SessionID, siteID, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("idempotency key %s: %w", key, session.ErrNotFound)
		}
		return nil
	})
}

// ReleaseIdempotencyKey implements session.Store. A key whose session
// exists stays bound to it, lease ended, so the next retry resumes that
// session at once; a key with no session is deleted; a completed key is
// kept: its stored answer must keep being replayed.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, siteID, key string) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE site_id = ? AND key = ? AND (status_code IS NULL OR status_code = 0)
			AND (session_id IS NULL OR NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = idempotency_keys.session_id))`, siteID, key); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET lease_until = 0 WHERE site_id = ? AND key = ? AND (status_code IS NULL OR status_code = 0)`, siteID, key)
		return err
	})
}
