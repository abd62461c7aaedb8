package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payhost/payhost/host/internal/session"
	"github.com/payhost/payhost/host/internal/store/storetest"
)

// EnvDSN names the variable that enables these tests: a PostgreSQL URL
// whose user may create schemas (CI sets it; see .ci/run).
const EnvDSN = "PAYHOST_TEST_POSTGRES"

var schemas atomic.Int64

// freshDSN creates an empty schema for one test and returns a DSN whose
// search_path points at it.
func freshDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test)", EnvDSN)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("payhost_t%d_%d", time.Now().UnixNano()%1_000_000_000, schemas.Add(1))
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", dsn); err == nil {
			db.Exec("DROP SCHEMA " + name + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store {
		db, err := Open(context.Background(), freshDSN(t), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestConcurrentStartsMigrateOnce(t *testing.T) {
	dsn := freshDSN(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := Open(context.Background(), dsn, Options{})
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent start: %v", err)
		}
	}
}

func TestBadDSN(t *testing.T) {
	_, err := Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", Options{})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("unreachable database: %v", err)
	}
}
