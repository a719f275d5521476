package sqlstore

import (
	"database/sql"
	"encoding/json"
	"time"
)

// Times are stored as BIGINT unix microseconds UTC on both engines: one
// representation, exact round trips, and no driver time parsing.

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros converts an optional time for a nullable column, rounding the
// caller's value to what the column keeps.
func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	*t = fromMicros(t.UnixMicro())
	return t.UnixMicro()
}

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// JSON documents are TEXT on both engines, kept byte for byte. They are
// bound as strings: pgx would send []byte as bytea.

// nullJSON binds an optional document: nil is NULL.
func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// jsonOr binds a required document, def when b is empty.
func jsonOr(b []byte, def string) string {
	if len(b) == 0 {
		return def
	}
	return string(b)
}

// rawJSON returns a scanned document, nil for NULL.
func rawJSON(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// marshal encodes a value the store itself serializes (maps, lists).
func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// collect scans every row with scan, closing rows. It never returns a nil
// slice, so an empty list encodes as [] rather than null.
func collect[T any](rows *sql.Rows, err error, scan func(rowScanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]T, 0)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
