// Package sqlite is the embedded store: one SQLite file in WAL mode through
// the pure-Go modernc.org/sqlite driver. Writes go through a single
// connection (SQLite has one writer anyway) with BEGIN IMMEDIATE, so
// read-modify-write transactions serialise instead of failing with
// SQLITE_BUSY; reads use a separate pool and run concurrently. The queries
// themselves are shared with PostgreSQL in package sqlstore.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/payhost/payhost/host/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Dialect is SQLite's.
func Dialect() sqlstore.Dialect {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return sqlstore.Dialect{
		Name: "sqlite",
		IsUnique: func(err error) bool {
			return strings.Contains(err.Error(), "UNIQUE constraint failed")
		},
		Migrations:  sub,
		GroupCommit: true,
		VersionTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`,
	}
}

// Open opens (creating if needed) the database file at path and applies
// pending migrations. The directory must exist (a typo in the path is not
// a new database); the file is created (or narrowed to) 0600, and SQLite
// gives its -wal and -shm files the database file's mode: payment data is
// for the host's user alone.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	if path == "" {
		return nil, errors.New("empty database path")
	}
	if err := prepareFile(path); err != nil {
		return nil, err
	}
	write, read, ckpt := pools(path)
	db, err := sqlstore.New(ctx, Dialect(), write, read)
	if err != nil {
		write.Close()
		read.Close()
		ckpt.Close()
		return nil, err
	}
	db.OnClose(startCheckpointer(ckpt).close)
	return db, nil
}

// prepareFile creates the database file 0600, or narrows an existing one and
// its -wal and -shm files to 0600. A directory others may write to is
// refused: they could put their own -wal or -shm file (or a link) beside
// the database before payhost creates it. Its other permissions are left
// as they are (it may be shared); `make run` creates var/ 0700.
func prepareFile(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return fmt.Errorf("directory %s of the database does not exist", dir)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("directory %s of the database is writable by other users (mode %o): make it 0700 (chmod 0700 %s)", dir, fi.Mode().Perm(), dir)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("opening the database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o600); err != nil {
				return fmt.Errorf("narrowing the permissions of %s: %w", p, err)
			}
		}
	}
	return nil
}

// pools returns the write pool (one connection, BEGIN IMMEDIATE, no
// automatic checkpoint), the read pool and the checkpointer's connection
// (checkpoint.go) of the database file at path. The first two keep their
// statements prepared (stmtcache.go).
func pools(path string) (write, read, ckpt *sql.DB) {
	dsn := func(extra string) string {
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		// A group commit's savepoints keep the pages they change in a
		// sub-journal; on disk (the default past 64 KiB) every page
		// costs a write and every group a temporary file.
		q.Add("_pragma", "temp_store(MEMORY)")
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode() + extra
	}
	write = sql.OpenDB(newConnector(dsn("&_txlock=immediate&_pragma=wal_autocheckpoint(0)")))
	write.SetMaxOpenConns(1)
	read = sql.OpenDB(newConnector(dsn("&_pragma=query_only(1)")))
	read.SetMaxOpenConns(4)
	// Every connection stays open: one closed drops its prepared
	// statements (database/sql keeps only two idle by default).
	read.SetMaxIdleConns(4)
	ckpt = sql.OpenDB(newConnector(dsn("")))
	ckpt.SetMaxOpenConns(1)
	return write, read, ckpt
}
