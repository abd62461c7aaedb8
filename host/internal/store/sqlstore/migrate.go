package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

type migration struct {
	version int
	name    string
	sql     string
}

func migrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_verb_noun.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrations lists the names of a dialect's migrations, in order.
func Migrations(fsys fs.FS) ([]string, error) {
	all, err := migrations(fsys)
	var names []string
	for _, m := range all {
		names = append(names, m.name)
	}
	return names, err
}

// migrate applies the migrations the database lacks, in one transaction
// holding the dialect's migration lock, and refuses a database written by
// a newer payhost.
func (db *DB) migrate(ctx context.Context) error {
	all, err := migrations(db.d.Migrations)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx conn) error {
		if db.d.MigrationLock != "" {
			if _, err := tx.ExecContext(ctx, db.d.MigrationLock); err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, db.d.VersionTable); err != nil {
			return fmt.Errorf("creating schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("reading schema version: %w", err)
		}
		if latest := all[len(all)-1].version; current > latest {
			return fmt.Errorf("the database schema is at version %d but this payhost knows only up to %d: upgrade payhost", current, latest)
		}
		for _, m := range all {
			if m.version <= current {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UnixNano()); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}
