package flowgate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/flowgate/flowgate/store"
)

// committer is group commit for SQLite. SQLite has one writer, so the
// write transactions of concurrent commands queue for it anyway; instead
// of one transaction (and one synchronous WAL write) each, the commands
// waiting when the writer frees up run one after the other in a single
// transaction, each inside a savepoint of its own, and commit together.
// A command that fails rolls back to its savepoint and gets its error;
// the others commit. Every caller returns only after the commit, so an
// acknowledged decision is as durable as before; a batch that cannot
// commit (or whose transaction SQLite aborted) is run again one command
// to a transaction, so no command fails because of another.
//
// The first caller that finds the writer idle runs its batch itself (a
// lone command pays no hand-off); commands that queued meanwhile are run
// by a goroutine that lives while the queue is not empty.
type committer struct {
	s store.Store

	mu      sync.Mutex
	queue   []*commitReq
	running bool
}

// maxBatch bounds the commands of one transaction, and so the wait of the
// last one.
const maxBatch = 64

type commitReq struct {
	ctx  context.Context
	fn   func(x store.Executor) error
	done chan error
}

// newCommitter returns a committer for SQLite stores, nil for others.
func newCommitter(s store.Store) *committer {
	if s.Dialect() != "sqlite" {
		return nil
	}
	return &committer{s: s}
}

// do runs fn in a write transaction, possibly shared, and returns once it
// committed (or failed).
func (c *committer) do(ctx context.Context, fn func(x store.Executor) error) error {
	req := &commitReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, req)
	if c.running {
		c.mu.Unlock()
		return <-req.done
	}
	c.running = true
	c.mu.Unlock()
	c.loop(req)
	return <-req.done
}

// loop runs batches until the queue is empty. A caller (own != nil) runs
// the batch holding its own command, then hands what remains to a
// goroutine.
func (c *committer) loop(own *commitReq) {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		if own != nil && len(own.done) > 0 {
			c.mu.Unlock()
			go c.loop(nil)
			return
		}
		n := min(len(c.queue), maxBatch)
		batch := c.queue[:n:n]
		c.queue = c.queue[n:]
		c.mu.Unlock()
		c.run(batch)
	}
}

// run commits a batch: alone when it has one command, else with
// savepoints, falling back to one transaction per command.
func (c *committer) run(batch []*commitReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 1 {
		live[0].done <- c.single(live[0])
		return
	}
	if len(live) == 0 {
		return
	}
	errs, err := c.shared(live)
	if err != nil {
		// Nothing committed: run each on its own.
		for _, r := range live {
			r.done <- c.single(r)
		}
		return
	}
	for i, r := range live {
		r.done <- errs[i]
	}
}

// single runs one command in a transaction of its own.
func (c *committer) single(r *commitReq) (err error) {
	tx, err := c.s.Begin(r.ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := protect(r, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// protect runs a command, turning a panic into its error so that a batch
// never leaves its callers waiting.
func protect(r *commitReq, x store.Executor) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("flowgate: command panicked: %v", p)
		}
	}()
	return r.fn(x)
}

// errBatch marks a shared transaction that must be run again command by
// command.
var errBatch = errors.New("flowgate: group commit failed")

// shared runs the commands in one transaction, each in a savepoint, and
// commits. It returns each command's error, or an error when the
// transaction as a whole failed (nothing committed).
func (c *committer) shared(batch []*commitReq) ([]error, error) {
	tx, err := c.s.Begin(context.Background())
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stx := sqlTxOf(tx)
	if stx == nil {
		return nil, errBatch
	}
	exec := func(q string) error {
		_, err := stx.ExecContext(context.Background(), q)
		return err
	}
	errs := make([]error, len(batch))
	for i, r := range batch {
		if err := exec("SAVEPOINT fg_command"); err != nil {
			return nil, err
		}
		if errs[i] = protect(r, tx); errs[i] != nil {
			if err := exec("ROLLBACK TO fg_command"); err != nil {
				return nil, err
			}
		}
		if err := exec("RELEASE fg_command"); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		if errors.Is(err, sql.ErrTxDone) {
			return nil, errBatch
		}
		return nil, err
	}
	return errs, nil
}
