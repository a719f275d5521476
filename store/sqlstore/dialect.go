package sqlstore

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds the few things that differ between SQLite and PostgreSQL.
// Everything else, every query included, is shared: $n placeholders,
// INSERT … ON CONFLICT, RETURNING, row values and partial indexes mean the
// same on both engines, and the schema differs only in column collations
// and the bytes type (see migrations/).
type dialect struct {
	// name is what store.Store.Dialect reports and the migrations folder.
	name string
	// driver is the database/sql driver name.
	driver string
	goose  goose.Dialect
	// forUpdate locks the row a read-modify-write selects. SQLite has no
	// row locks (nor the syntax): its single writer already serializes.
	forUpdate string
}

var (
	sqliteDialect   = &dialect{name: "sqlite", driver: "sqlite", goose: goose.DialectSQLite3}
	postgresDialect = &dialect{name: "postgres", driver: "pgx", goose: goose.DialectPostgres, forUpdate: " FOR UPDATE"}
)

// dialectFor picks the dialect from a DSN: a postgres:// or postgresql://
// URL is PostgreSQL, anything else a SQLite file.
func dialectFor(dsn string) *dialect {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgresDialect
	}
	return sqliteDialect
}

// PostgreSQL SQLSTATE codes.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// isUniqueViolation reports whether err is a primary key or unique index
// violation on either engine.
func isUniqueViolation(err error) bool {
	if se := (*sqlite.Error)(nil); errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) {
		return pe.Code == pgUniqueViolation
	}
	return false
}

// isIndexViolation reports whether err violates the named unique index.
// PostgreSQL names the index; SQLite names only the columns, and reports a
// primary key violation with its own code, so there any unique violation
// that is not the primary key's matches: keep at most one secondary unique
// index per table.
func isIndexViolation(err error, index string) bool {
	if se := (*sqlite.Error)(nil); errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) {
		return pe.Code == pgUniqueViolation && pe.ConstraintName == index
	}
	return false
}

// isForeignKeyViolation reports whether err is a reference to a missing row.
func isForeignKeyViolation(err error) bool {
	if se := (*sqlite.Error)(nil); errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) {
		return pe.Code == pgForeignKeyViolation
	}
	return false
}
