package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/flowgate/flowgate/flowtype"
)

// wrapErr adds context to a database error and translates the constraint
// violations into the errors the engine branches on: a duplicate key is
// flowtype.ErrConflict, a reference to a missing row flowtype.ErrNotFound.
// The driver's error stays in the chain.
func wrapErr(err error, format string, a ...any) error {
	what := fmt.Sprintf(format, a...)
	switch {
	case isUniqueViolation(err):
		return fmt.Errorf("sqlstore: %s: %w: %w", what, flowtype.ErrConflict, err)
	case isForeignKeyViolation(err):
		return fmt.Errorf("sqlstore: %s: a referenced row is missing: %w: %w", what, flowtype.ErrNotFound, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", what, err)
}

// readErr is wrapErr for a single-row read: no row is a not_found error
// naming the row.
func readErr(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlstore: %w", flowtype.NotFound(what, id))
	}
	return wrapErr(err, "get %s %s", what, id)
}

// notFound is a not_found error naming the row.
func notFound(what, id string) error {
	return fmt.Errorf("sqlstore: %w", flowtype.NotFound(what, id))
}

// expectOne turns "no row changed" into not_found.
func expectOne(res sql.Result, what, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return wrapErr(err, "update %s %s", what, id)
	}
	if n == 0 {
		return notFound(what, id)
	}
	return nil
}
