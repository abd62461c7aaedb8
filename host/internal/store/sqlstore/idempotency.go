package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// ClaimIdempotencyKey implements session.Store.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, k session.IdempotencyKey) (*session.IdempotencyKey, error) {
	var existing *session.IdempotencyKey
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (site_id, key, request_hash, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (site_id, key) DO NOTHING`, k.SiteID, k.Key, k.RequestHash, k.CreatedAt.UnixNano())
		if err != nil {
			return fmt.Errorf("claiming idempotency key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var (
			e       session.IdempotencyKey
			created int64
			code    sql.NullInt64
			body    []byte
			sid     sql.NullString
		)
		if err := tx.QueryRowContext(ctx, `SELECT site_id, key, request_hash, created_at, status_code, body, session_id
			FROM idempotency_keys WHERE site_id = ? AND key = ?`, k.SiteID, k.Key).Scan(&e.SiteID, &e.Key, &e.RequestHash, &created, &code, &body, &sid); err != nil {
			return err
		}
		e.CreatedAt = time.Unix(0, created).UTC()
		if code.Valid {
			e.Response = &session.IdempotentResponse{StatusCode: int(code.Int64), Body: body, SessionID: sid.String}
		}
		existing = &e
		return nil
	})
	return existing, err
}

// CompleteIdempotencyKey implements session.Store.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, siteID, key string, resp session.IdempotentResponse) error {
	return db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status_code = ?, body = ?, session_id = ? WHERE site_id = ? AND key = ?`,
			resp.StatusCode, resp.Body, resp.SessionID, siteID, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("idempotency key %s: %w", key, session.ErrNotFound)
		}
		return nil
	})
}

// ReleaseIdempotencyKey implements session.Store. A completed key (a real
// status, not the 0 that binds a key to a session being begun) is kept:
// its stored answer must keep being replayed.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, siteID, key string) error {
	return db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE site_id = ? AND key = ? AND (status_code IS NULL OR status_code = 0)`, siteID, key)
		return err
	})
}
