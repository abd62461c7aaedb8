package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/store/storetest"
)

// TestFilesArePrivate: the database, its WAL and shared-memory files are
// 0600 whatever the umask allows; an existing world-readable database is
// narrowed.
func TestFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "payhost.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, storetest.NewSession("ps_private", time.Now()), nil, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600}
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %o, want %o", filepath.Base(p), got, mode)
		}
	}
	db.Close()

	// A file left readable by others (an older version, a copy) is narrowed.
	loose := filepath.Join(t.TempDir(), "loose.db")
	if err := os.WriteFile(loose, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, loose)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o600 {
		t.Errorf("existing database left at %o", fi.Mode().Perm())
	}
}

// TestSharedDirectoryRefused: a directory other users may write to could
// hold their -wal file or a link before the database exists.
func TestSharedDirectoryRefused(t *testing.T) {
	for _, mode := range []os.FileMode{0o777, 0o1777, 0o775, 0o757} {
		dir := t.TempDir()
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		db, err := Open(context.Background(), filepath.Join(dir, "payhost.db"))
		if err == nil {
			db.Close()
			t.Errorf("directory mode %o: opened", mode)
			continue
		}
		if !strings.Contains(err.Error(), "writable by other users") {
			t.Errorf("directory mode %o: %v", mode, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "payhost.db")); err == nil {
			t.Errorf("directory mode %o: the database file was created", mode)
		}
	}
	// Readable by others is the operator's choice: the files stay 0600.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), filepath.Join(dir, "payhost.db"))
	if err != nil {
		t.Fatalf("directory 0755: %v", err)
	}
	db.Close()
}
