// Package postgres is the store for several host instances: PostgreSQL
// through pgx (its database/sql driver and connection pool). The queries
// are shared with SQLite in package sqlstore; this package brings the
// dialect: row locks (SELECT ... FOR UPDATE) for read-modify-write,
// SKIP LOCKED for the webhook queue, SQLSTATE-based error detection, an
// advisory lock around migrations, and retries where PostgreSQL asks for
// them.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/payhost/payhost/host/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// Dialect is PostgreSQL's.
func Dialect() sqlstore.Dialect {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return sqlstore.Dialect{
		Name:       "postgres",
		Numbered:   true,
		LockRow:    " FOR UPDATE",
		SkipLocked: " FOR UPDATE SKIP LOCKED",
		Snapshot:   sql.LevelRepeatableRead,
		IsUnique:   func(err error) bool { return sqlState(err) == "23505" },
		Retryable: func(err error) bool {
			switch sqlState(err) {
			case "40001", "40P01": // serialization failure, deadlock
				return true
			}
			return false
		},
		Migrations: sub,
		VersionTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
		// One key for payhost's schema: instances starting together wait.
		MigrationLock: `SELECT pg_advisory_xact_lock(7305119230144)`,
	}
}

// Options tune the pool.
type Options struct {
	MaxConns int // default 10
}

// Open connects to the database at dsn (a postgres:// URL or key=value
// string) and applies pending migrations.
func Open(ctx context.Context, dsn string, o Options) (*sqlstore.DB, error) {
	if o.MaxConns <= 0 {
		o.MaxConns = 10
	}
	if _, err := pgconn.ParseConfig(dsn); err != nil {
		return nil, errors.New("database.dsn is not a valid PostgreSQL connection string")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(o.MaxConns)
	db.SetMaxIdleConns(o.MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	s, err := sqlstore.New(ctx, Dialect(), db, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}
