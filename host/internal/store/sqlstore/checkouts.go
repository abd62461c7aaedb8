package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/payhost/payhost/host/internal/checkout"
	"github.com/payhost/payhost/host/internal/session"
)

var _ checkout.Store = (*DB)(nil)

// activeStatuses are the states of a checkout's session that block another
// attempt (the partial unique index sessions_one_active_per_checkout).
const activeStatuses = `('created', 'pending', 'authorized', 'paid', 'partially_refunded', 'refunded')`

const checkoutColumns = `id, site_id, order_ref, cart, customer, return_url, cancel_url, client_secret, created_at, expires_at`

// CreateCheckout implements checkout.Store.
func (db *DB) CreateCheckout(ctx context.Context, c *checkout.Checkout) error {
	cart, err := marshal(c.Cart)
	if err != nil {
		return err
	}
	customer, err := marshal(c.Customer)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx conn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO checkouts (`+checkoutColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			c.ID, c.SiteID, c.OrderRef, cart, customer, c.ReturnURL, c.CancelURL, c.ClientSecret,
			c.CreatedAt.UnixNano(), c.ExpiresAt.UnixNano())
		if isUnique(db, err) {
			return fmt.Errorf("checkout %s: %w", c.ID, session.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("inserting checkout: %w", err)
		}
		return nil
	})
}

// Checkout implements checkout.Store.
func (db *DB) Checkout(ctx context.Context, id string) (*checkout.Checkout, error) {
	var (
		c                checkout.Checkout
		cart, customer   string
		created, expires int64
	)
	err := db.read.QueryRowContext(ctx, `SELECT `+checkoutColumns+` FROM checkouts WHERE id = ?`, id).Scan(
		&c.ID, &c.SiteID, &c.OrderRef, &cart, &customer, &c.ReturnURL, &c.CancelURL, &c.ClientSecret, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("checkout %s: %w", id, session.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	c.CreatedAt, c.ExpiresAt = time.Unix(0, created).UTC(), time.Unix(0, expires).UTC()
	if err := json.Unmarshal([]byte(cart), &c.Cart); err != nil {
		return nil, fmt.Errorf("checkout %s: cart: %w", id, err)
	}
	if err := json.Unmarshal([]byte(customer), &c.Customer); err != nil {
		return nil, fmt.Errorf("checkout %s: customer: %w", id, err)
	}
	return &c, nil
}

// CheckoutSessions implements checkout.Store.
func (db *DB) CheckoutSessions(ctx context.Context, id string) ([]*session.Session, error) {
	return db.querySessions(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE checkout_id = ? ORDER BY created_at, id`, id)
}

// checkAttempt locks the checkout (PostgreSQL; SQLite's write transaction
// already excludes other writers) and refuses a second active session.
func (db *DB) checkAttempt(ctx context.Context, tx conn, checkoutID string) error {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM checkouts WHERE id = ?`+db.d.LockRow, checkoutID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("checkout %s: %w", checkoutID, session.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("locking checkout: %w", err)
	}
	var active int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE checkout_id = ? AND status IN `+activeStatuses,
		checkoutID).Scan(&active); err != nil {
		return fmt.Errorf("counting active sessions: %w", err)
	}
	if active > 0 {
		return fmt.Errorf("checkout %s: %w", checkoutID, session.ErrAttemptActive)
	}
	return nil
}
