package dbtest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowgate/flowgate/store"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// DSN creates a migrated database of the test's own and returns the DSN
// that opens it (a SQLite file path, or a postgres:// URL whose
// search_path names a fresh schema, dropped when the test ends). Use it
// when several stores, or another process, must share one database.
// PostgreSQL skips the test when FLOWGATE_TEST_POSTGRES is not set.
func DSN(t testing.TB, dialect string) string {
	t.Helper()
	var dsn string
	switch dialect {
	case SQLite:
		dsn = filepath.Join(t.TempDir(), "flowgate.db")
	case Postgres:
		Require(t, dialect)
		dsn = sharedSchema(t, os.Getenv(EnvPostgres))
	default:
		t.Fatalf("dbtest: unknown dialect %q (want one of %v)", dialect, Dialects())
	}
	s, err := sqlstore.Open(t.Context(), dsn, nil)
	if err != nil {
		t.Fatalf("dbtest: migrate %s database: %v", dialect, err)
	}
	_ = s.Close()
	return dsn
}

// OpenDSN opens a store on a database DSN returned, closed when the test
// ends. Each call has its own connection pools, as another process would.
func OpenDSN(t testing.TB, dsn string) store.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), dsn, &sqlstore.Options{NoMigrate: true})
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", dsn, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// sharedSchema creates a schema and returns base with its search_path; the
// schema is dropped at cleanup, after every store opened later is closed
// (cleanups run last-registered first).
func sharedSchema(t testing.TB, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("dbtest: %s is not a postgres:// URL: %v", EnvPostgres, err)
	}
	schema := schemaName()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("dbtest: open postgres: %v", err)
	}
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA "`+schema+`"`); err != nil {
		_ = admin.Close()
		t.Fatalf("dbtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA "`+schema+`" CASCADE`); err != nil {
			t.Errorf("dbtest: drop schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
