package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/flowgate/flowgate/store"
)

// dbtx is what a query runs on: a pool or a transaction.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// executor implements store.Executor. On a Store, reads go to the read
// pool and writes to the writer, each write that takes several statements
// in its own transaction; in a transaction, everything goes to it.
type executor struct {
	read  dbtx
	write dbtx
	// begin starts the transaction of a several-statement write; nil when
	// the executor already runs in one.
	begin   func(ctx context.Context) (*sql.Tx, error)
	dialect *dialect
	now     func() time.Time
}

var _ store.Executor = (*executor)(nil)

// inTx runs fn on the writer inside a transaction: the caller's, or one of
// its own that commits when fn succeeds.
func (e *executor) inTx(ctx context.Context, fn func(q dbtx) error) error {
	if e.begin == nil {
		return fn(e.write)
	}
	tx, err := e.begin(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	return nil
}

// stamp returns the store clock's now at the precision the columns keep.
func (e *executor) stamp() time.Time { return fromMicros(e.now().UnixMicro()) }

// stampIfZero sets *t to the store clock when zero, and otherwise rounds
// it to what the column keeps, so the caller's row equals the stored one.
func (e *executor) stampIfZero(t *time.Time) {
	if t.IsZero() {
		*t = e.stamp()
		return
	}
	*t = fromMicros(t.UnixMicro())
}

// Paging: a list returns at most maxLimit rows, defaultLimit when the
// caller gives no limit.
const (
	defaultLimit = 50
	maxLimit     = 500
)

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

// args collects the arguments of a query built piece by piece and hands
// out their $n placeholders.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// in returns "($i, $j, …)" for the values.
func in[T any](a *args, values []T) string {
	b := []byte{'('}
	for i, v := range values {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, a.add(v)...)
	}
	return string(append(b, ')'))
}
