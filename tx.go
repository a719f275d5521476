package flowgate

import (
	"context"
	"database/sql"
	"errors"

	"github.com/flowgate/flowgate/store"
)

// sqlTxOf returns the *sql.Tx under an executor, when it has one.
func sqlTxOf(x store.Executor) *sql.Tx {
	if t, ok := x.(interface{ SQLTx() *sql.Tx }); ok {
		return t.SQLTx()
	}
	return nil
}

// maxAttempts bounds how often a command that lost a race is judged again.
const maxAttempts = 50

// inTx runs fn in a write transaction and commits. With a caller's tx it
// runs fn there once and leaves commit to the caller. A fn that loses an
// optimistic race (ErrConflict from a conditional update) is run again on a
// fresh transaction, so it is judged on the new state (SEMANTICS §3.8).
func (e *Engine) inTx(ctx context.Context, callerTx *sql.Tx, fn func(x store.Executor) error) error {
	if callerTx != nil {
		return fn(e.store.WithTx(callerTx))
	}
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = e.tryTx(ctx, fn)
		if !errors.Is(err, errRetry) {
			return err
		}
	}
	return ErrConflict
}

// errRetry marks a lost optimistic race inside inTx.
var errRetry = errors.New("flowgate: retry")

func (e *Engine) tryTx(ctx context.Context, fn func(x store.Executor) error) error {
	if e.group != nil {
		if err := e.group.do(ctx, fn); err != nil {
			return err
		}
		e.acts.committed()
		return nil
	}
	tx, err := e.store.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	e.acts.committed()
	return nil
}
