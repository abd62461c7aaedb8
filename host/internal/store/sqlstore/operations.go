package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

const operationColumns = `id, session_id, site_id, kind, amount, status, provider_operation_id, response_code, response_message,
	idempotency_key, created_at, updated_at, next_check_at, check_attempts`

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (db *DB) upsertOperation(ctx context.Context, tx conn, sessionID string, op session.Operation) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO operations (`+operationColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, provider_operation_id = excluded.provider_operation_id,
			response_code = excluded.response_code, response_message = excluded.response_message, updated_at = excluded.updated_at,
			next_check_at = excluded.next_check_at, check_attempts = excluded.check_attempts`,
		op.ID, sessionID, op.SiteID, string(op.Kind), op.Amount, string(op.Status), op.ProviderOperationID, op.ResponseCode,
		op.ResponseMessage, nullString(op.IdempotencyKey), op.CreatedAt.UnixNano(), op.UpdatedAt.UnixNano(), nanos(op.NextCheckAt), op.CheckAttempts)
	if isUnique(db, err) {
		return fmt.Errorf("operation idempotency key %q: %w", op.IdempotencyKey, session.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("writing operation: %w", err)
	}
	return nil
}

func scanOperation(row scanner) (session.Operation, error) {
	var (
		op               session.Operation
		kind, status     string
		key              sql.NullString
		created, updated int64
		next             sql.NullInt64
	)
	err := row.Scan(&op.ID, &op.SessionID, &op.SiteID, &kind, &op.Amount, &status, &op.ProviderOperationID, &op.ResponseCode,
		&op.ResponseMessage, &key, &created, &updated, &next, &op.CheckAttempts)
	if err != nil {
		return op, err
	}
	op.Kind, op.Status, op.IdempotencyKey = session.OperationKind(kind), session.OperationStatus(status), key.String
	op.CreatedAt, op.UpdatedAt, op.NextCheckAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC(), fromNanos(next)
	return op, nil
}

func (db *DB) queryOperations(ctx context.Context, q string, args ...any) ([]session.Operation, error) {
	return queryOperations(ctx, db.read, q, args...)
}

func queryOperations(ctx context.Context, c conn, q string, args ...any) ([]session.Operation, error) {
	rows, err := c.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.Operation
	for rows.Next() {
		op, err := scanOperation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, op)
	}
	return out, rows.Err()
}

// Operations implements session.Store.
func (db *DB) Operations(ctx context.Context, sessionID string) ([]session.Operation, error) {
	return db.queryOperations(ctx, `SELECT `+operationColumns+` FROM operations WHERE session_id = ? ORDER BY created_at, id`, sessionID)
}

// OperationByKey implements session.Store.
func (db *DB) OperationByKey(ctx context.Context, siteID, key string) (*session.Operation, error) {
	op, err := scanOperation(db.read.QueryRowContext(ctx, `SELECT `+operationColumns+` FROM operations WHERE site_id = ? AND idempotency_key = ?`, siteID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("operation with key %q: %w", key, session.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &op, nil
}

// dueOperationsSQL takes now and a limit (janitor, every interval).
const dueOperationsSQL = `SELECT ` + operationColumns + ` FROM operations
		WHERE status IN ('requested', 'pending', 'unknown') AND next_check_at IS NOT NULL AND next_check_at <= ?
		ORDER BY next_check_at LIMIT ?`

// DueOperations implements session.Store.
func (db *DB) DueOperations(ctx context.Context, now time.Time, limit int) ([]session.Operation, error) {
	return db.queryOperations(ctx, dueOperationsSQL, now.UnixNano(), limit)
}

// dueSessionsSQL takes now three times and a limit (janitor, every
// interval). The two halves are written apart so that each is a range of
// its partial index (sessions_open_by_check, sessions_open_by_expiry) on
// both engines, whatever their statistics: only the due sessions are
// read, however many are open. The second half leaves out what the first
// took.
const dueSessionsSQL = `SELECT ` + sessionColumns + ` FROM (
		  SELECT ` + sessionColumns + ` FROM sessions WHERE status IN ('created', 'pending', 'authorized') AND next_check_at <= ?
		  UNION ALL
		  SELECT ` + sessionColumns + ` FROM sessions WHERE status IN ('created', 'pending', 'authorized') AND expires_at <= ?
		    AND (next_check_at IS NULL OR next_check_at > ?)) AS due
		ORDER BY COALESCE(next_check_at, expires_at) LIMIT ?`

// DueSessions implements session.Store.
func (db *DB) DueSessions(ctx context.Context, now time.Time, limit int) ([]*session.Session, error) {
	n := now.UnixNano()
	return db.querySessions(ctx, dueSessionsSQL, n, n, n, limit)
}
