// Package dbtest gives each test its own real, migrated database: a SQLite
// file in the test's temporary directory, or a fresh schema in the
// PostgreSQL database named by FLOWGATE_TEST_POSTGRES. Tests using it run
// in parallel, in one package or many, against one PostgreSQL database.
//
// Without FLOWGATE_TEST_POSTGRES the PostgreSQL tests skip, saying so.
package dbtest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/flowgate/flowgate/store"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// EnvPostgres names the environment variable holding the PostgreSQL URL
// (postgres://…) the tests create their schemas in.
const EnvPostgres = "FLOWGATE_TEST_POSTGRES"

// Dialect names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Dialects returns every dialect the store supports, in the order Run runs
// them: "sqlite", then "postgres".
func Dialects() []string { return []string{SQLite, Postgres} }

// Require skips the test when the dialect's database is not available:
// PostgreSQL without FLOWGATE_TEST_POSTGRES. SQLite is always available.
func Require(t testing.TB, dialect string) {
	t.Helper()
	if dialect == Postgres && os.Getenv(EnvPostgres) == "" {
		t.Skip(EnvPostgres + " not set: skipping the PostgreSQL suite")
	}
}

// Open returns a migrated store on a database of its own, closed (and on
// PostgreSQL its schema dropped) when the test ends. dialect is "sqlite" or
// "postgres"; PostgreSQL skips the test when FLOWGATE_TEST_POSTGRES is not
// set. It fails the test when the database cannot be opened.
func Open(t testing.TB, dialect string) store.Store {
	t.Helper()
	switch dialect {
	case SQLite:
		return openSQLite(t)
	case Postgres:
		Require(t, dialect)
		return openPostgres(t, os.Getenv(EnvPostgres))
	}
	t.Fatalf("dbtest: unknown dialect %q (want one of %v)", dialect, Dialects())
	return nil
}

// Run runs fn once per dialect, each in a parallel subtest named after it
// with a store of its own; the postgres subtest skips when
// FLOWGATE_TEST_POSTGRES is not set. fn must not call t.Parallel: Run
// already has.
func Run(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, d))
		})
	}
}

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), t.TempDir()+"/flowgate.db", nil)
	if err != nil {
		t.Fatalf("dbtest: open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openPostgres opens a migrated store on a fresh schema of its own (see
// sharedSchema), dropped at cleanup.
func openPostgres(t testing.TB, base string) store.Store {
	t.Helper()
	dsn := sharedSchema(t, base)
	s, err := sqlstore.Open(t.Context(), dsn, nil)
	if err != nil {
		t.Fatalf("dbtest: open postgres %s: %v", dsn, err)
	}
	// Registered after the schema's drop, so it runs before it.
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// schemaName returns a fresh schema name: random, so that test binaries of
// different packages never collide, and prefixed, so that leftovers of a
// killed run are easy to find.
func schemaName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "flowgate_test_" + hex.EncodeToString(b)
}
