package sqlstore

import (
	"context"
	"time"
)

// PruneIdempotencyKeys implements session.Store.
func (db *DB) PruneIdempotencyKeys(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE (site_id, key) IN
			(SELECT site_id, key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`, before.UnixNano(), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// PruneWebhookPayloads implements session.Store.
func (db *DB) PruneWebhookPayloads(ctx context.Context, before, now time.Time, limit int) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET payload = ?, pruned_at = ? WHERE id IN
			(SELECT id FROM outbox WHERE delivered_at IS NOT NULL AND pruned_at IS NULL AND delivered_at < ? ORDER BY delivered_at LIMIT ?)`,
			[]byte{}, now.UnixNano(), before.UnixNano(), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
