package leadership

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// campaign is one Run on PostgreSQL: try the lock, lead while it is held,
// try again.
type campaign struct {
	e *Elector
	// key is the advisory lock key, derived once from the schema.
	key    int64
	hasKey bool
}

func (c *campaign) run(ctx context.Context, lead func(ctx context.Context)) {
	interval := c.e.cfg.Interval
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		conn, pid, err := c.tryAcquire(ctx)
		if err != nil && ctx.Err() == nil {
			c.e.cfg.Logger.Warn("leadership: campaign failed; trying again", "election", c.e.cfg.Name, "interval", interval, "error", err)
		}
		if conn != nil {
			c.lead(ctx, conn, pid, lead)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// tryAcquire takes the lock on a connection of its own and returns that
// connection, or nil when another session holds the lock.
func (c *campaign) tryAcquire(ctx context.Context) (*sql.Conn, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, c.e.cfg.Interval)
	defer cancel()
	conn, err := c.e.cfg.DB.Conn(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("leadership: get a connection: %w", err)
	}
	if !c.hasKey {
		if c.key, err = lockKey(ctx, conn, c.e.cfg.Name); err != nil {
			discard(conn)
			return nil, 0, err
		}
		c.hasKey = true
	}
	var got bool
	var pid int64
	err = conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1), pg_backend_pid()`, c.key).Scan(&got, &pid)
	if err != nil {
		// Whether the lock was taken is unknown: never hand the session
		// back to the pool, where it could hold the lock unseen.
		discard(conn)
		return nil, 0, fmt.Errorf("leadership: try the advisory lock: %w", err)
	}
	if !got {
		_ = conn.Close()
		return nil, 0, nil
	}
	return conn, pid, nil
}

// lead runs lead while conn answers, then releases the lock.
func (c *campaign) lead(ctx context.Context, conn *sql.Conn, pid int64, lead func(ctx context.Context)) {
	log := c.e.cfg.Logger.With("election", c.e.cfg.Name, "backend_pid", pid)
	c.e.pid.Store(pid)
	c.e.leader.Store(true)
	log.Info("leadership: elected leader")
	leadCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(leadCtx)
	}()
	tick := time.NewTicker(c.e.cfg.Interval)
	for held := true; held; {
		select {
		case <-ctx.Done():
			held = false
		case <-tick.C:
			if err := c.check(ctx, conn); err != nil && ctx.Err() == nil {
				log.Warn("leadership: lost the database session; stepping down", "error", err)
				held = false
			}
		}
	}
	tick.Stop()
	c.e.leader.Store(false)
	c.e.pid.Store(0)
	cancel()
	<-done
	c.release(ctx, conn)
	log.Info("leadership: stepped down")
}

// check tells whether the session holding the lock is alive: a session the
// server ended (a restart, pg_terminate_backend, a broken network) has
// released the lock, and another process may lead already.
func (c *campaign) check(ctx context.Context, conn *sql.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, c.e.cfg.Interval)
	defer cancel()
	return conn.PingContext(ctx)
}

// release unlocks at once, so a follower takes over at its next try, and
// closes the session rather than pooling it: closing also releases the lock
// if the unlock failed.
func (c *campaign) release(ctx context.Context, conn *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.e.cfg.Interval)
	defer cancel()
	_, _ = conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, c.key)
	discard(conn)
}

// discard closes conn's session instead of returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// lockKey derives the lock key from the election's name and the current
// schema, as the migration lock does, so that elections in different
// schemas of one database never exclude each other.
func lockKey(ctx context.Context, conn *sql.Conn, name string) (int64, error) {
	var schema *string
	if err := conn.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return 0, fmt.Errorf("leadership: read the current schema: %w", err)
	}
	if schema == nil {
		return 0, errors.New("leadership: no schema on the search_path exists")
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte("flowgate leadership\x00" + name + "\x00" + *schema))
	return int64(h.Sum64()), nil
}
