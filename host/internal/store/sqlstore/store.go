// Package sqlstore implements session.Store once, over database/sql, for
// both engines: the sqlite and postgres packages open their driver and
// pass a Dialect with what differs (placeholders, locking, error codes,
// migrations). One implementation keeps the two engines' behaviour the
// same; the storetest conformance suite checks it on both.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/payhost/payhost/host/internal/session"
)

// Dialect is what differs between engines.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered placeholders ($1, $2...) instead of '?'.
	Numbered bool
	// LockRow is appended to the SELECT that reads a session before an
	// update (" FOR UPDATE" on PostgreSQL; SQLite locks the database with
	// BEGIN IMMEDIATE instead).
	LockRow string
	// SkipLocked is appended to queue claims (" FOR UPDATE SKIP LOCKED").
	SkipLocked string
	// IsUnique recognises a unique-constraint violation.
	IsUnique func(error) bool
	// Retryable recognises a transaction the engine asks to retry
	// (serialization failure, deadlock).
	Retryable func(error) bool
	// Migrations holds NNNN_verb_noun.sql files at its root.
	Migrations fs.FS
	// VersionTable creates the schema_migrations table if needed.
	VersionTable string
	// MigrationLock, when set, runs first in the migration transaction so
	// that instances starting together migrate one after the other.
	MigrationLock string
	// Snapshot is the isolation level under which several reads see one
	// instant (SQLite: any transaction in WAL mode; PostgreSQL: repeatable
	// read, its read committed taking a snapshot per statement).
	Snapshot sql.IsolationLevel
	// GroupCommit runs the write transactions of concurrent callers
	// together, one commit for the group (group.go): for an engine with a
	// single writer, where transactions queue anyway.
	GroupCommit bool
}

// conn runs statements written with '?' placeholders on a *sql.DB or
// *sql.Tx, rewriting them for the dialect.
type conn struct {
	c interface {
		ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	}
	numbered bool
	// ctx, when set, replaces the context statements are given (a group
	// transaction must not be interrupted by one caller's cancellation).
	ctx context.Context
}

func (c conn) context(ctx context.Context) context.Context {
	if c.ctx != nil {
		return c.ctx
	}
	return ctx
}

func (c conn) rebind(q string) string {
	if !c.numbered {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (c conn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.c.ExecContext(c.context(ctx), c.rebind(q), args...)
}

func (c conn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return c.c.QueryContext(c.context(ctx), c.rebind(q), args...)
}

func (c conn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return c.c.QueryRowContext(c.context(ctx), c.rebind(q), args...)
}

// DB is a session.Store over database/sql.
type DB struct {
	d        Dialect
	writeDB  *sql.DB
	readDB   *sql.DB
	read     conn
	isUnique func(error) bool
	group    *groupCommitter // nil unless Dialect.GroupCommit
	// retryWait is the pause before retry attempt n (from 1).
	retryWait func(n int) time.Duration
	// onClose run at Close, after the last write, before the pools close.
	onClose []func() error
}

var _ session.Store = (*DB)(nil)

// New returns the store on write (transactions) and read (plain reads;
// may be the same pool) and applies pending migrations.
func New(ctx context.Context, d Dialect, write, read *sql.DB) (*DB, error) {
	db := &DB{d: d, writeDB: write, readDB: read, read: conn{c: read, numbered: d.Numbered}, isUnique: d.IsUnique,
		retryWait: func(n int) time.Duration { return time.Duration(n) * 5 * time.Millisecond }}
	if err := db.migrate(ctx); err != nil {
		return nil, err
	}
	if d.GroupCommit {
		db.group = newGroupCommitter(write, d.Numbered)
	}
	return db, nil
}

// isUnique is used by the statements that may hit a unique index.
func isUnique(db *DB, err error) bool { return err != nil && db.isUnique(err) }

// Ping checks that the pools answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.writeDB.PingContext(ctx); err != nil {
		return err
	}
	return db.readDB.PingContext(ctx)
}

// Close closes the pools, after the group transaction in progress.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	var errs []error
	for _, fn := range db.onClose {
		errs = append(errs, fn())
	}
	if db.readDB == db.writeDB {
		return errors.Join(append(errs, db.writeDB.Close())...)
	}
	return errors.Join(append(errs, db.readDB.Close(), db.writeDB.Close())...)
}

// OnClose adds fn to what Close runs once the last write has committed and
// before the pools close (an engine's background work on the database).
func (db *DB) OnClose(fn func() error) {
	db.onClose = append(db.onClose, fn)
}

// maxTxDuration bounds a transaction that no longer listens to its
// caller's context: far above any transaction's work, it ends one stuck on
// a lock or an unreachable database.
const maxTxDuration = 30 * time.Second

// inTx runs fn in a write transaction, again when the engine asks for a
// retry (a serialization failure or a deadlock); fn must not have effects
// outside the transaction (metrics are counted by the callers, after
// commit). The pause between attempts ends with ctx.
func (db *DB) inTx(ctx context.Context, fn func(conn) error) error {
	if db.group != nil {
		return db.group.do(ctx, fn)
	}
	for attempt := 0; ; attempt++ {
		err := db.tryTx(ctx, fn)
		if err == nil || db.d.Retryable == nil || !db.d.Retryable(err) || attempt >= 5 {
			return err
		}
		t := time.NewTimer(db.retryWait(attempt + 1))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (after: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// tryTx runs fn in one transaction. A panic in fn rolls the transaction
// back before it goes on up: a leaked transaction would hold its
// connection and locks (SQLite's only write connection) for good.
//
// A caller whose context has ended gets its error and nothing is written.
// Once begun, the transaction runs to its end whatever the caller does
// (bounded by maxTxDuration), as in a group commit: a client that goes away
// mid-way would otherwise interrupt a statement, and pgx closes a
// connection whose query was interrupted, so the pool would open a new one
// (a PostgreSQL backend started, its prepared statements lost) for every
// impatient client. The caller is answered as if it had waited.
func (db *DB) tryTx(ctx context.Context, fn func(conn) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), maxTxDuration)
	defer cancel()
	tx, err := db.writeDB.BeginTx(tctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(conn{c: tx, numbered: db.d.Numbered, ctx: tctx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
