// Package leadership elects one process among those sharing a database to
// run periodic work (cleanup, purges) that must not run everywhere at once.
//
// On PostgreSQL the leader is the process whose dedicated connection holds
// a session-level advisory lock (pg_try_advisory_lock). Followers try to
// take it every Interval; the leader checks its connection every Interval
// and steps down when the check fails, since a dead session has released
// the lock on the server. The lock key is derived from the election's name
// and the current schema, so databases in different schemas (one per test,
// or per deployment) elect independently.
//
// On SQLite, which one process uses by design, the process is always the
// leader.
//
// A leader that loses its connection keeps leading until its next check:
// for up to one Interval two processes may both believe they lead. Work run
// under an Elector must therefore stay safe when run twice at once (every
// Flowgate maintenance job is: each batch is one transaction whose deletes
// re-check their conditions).
//
// The lock needs a session that lives as long as the connection: behind a
// pooler such as PgBouncer in transaction mode, point the service at the
// database directly.
package leadership

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures an Elector. DB and Dialect are required.
type Config struct {
	// DB is the database. On PostgreSQL the leader holds one of its
	// connections for as long as it leads.
	DB *sql.DB
	// Dialect is "postgres" or "sqlite" (store.Store's Dialect).
	Dialect string
	// Name tells elections apart that share a schema. Defaults to
	// "maintenance".
	Name string
	// Interval is how often a follower tries to become leader and the
	// leader checks its connection. Defaults to 5 seconds.
	Interval time.Duration
	// Logger receives leadership changes. Defaults to discarding.
	Logger *slog.Logger
}

// Dialect names, as store.Store reports them.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

func (c Config) withDefaults() (Config, error) {
	if c.DB == nil {
		return c, errors.New("leadership: Config.DB is required")
	}
	if c.Dialect != DialectPostgres && c.Dialect != DialectSQLite {
		return c, fmt.Errorf("leadership: unknown dialect %q (want %q or %q)", c.Dialect, DialectPostgres, DialectSQLite)
	}
	if c.Name == "" {
		c.Name = "maintenance"
	}
	if c.Interval <= 0 {
		c.Interval = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// Elector campaigns for leadership and runs the leader's work. Create it
// with New; Run may be called once at a time.
type Elector struct {
	cfg    Config
	leader atomic.Bool
	// pid is the PostgreSQL backend process id of the connection holding
	// the lock while leading, 0 otherwise (tests terminate it).
	pid     atomic.Int64
	running sync.Mutex
}

// New returns an Elector, or an error when cfg lacks DB or names an unknown
// dialect.
func New(cfg Config) (*Elector, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Elector{cfg: c}, nil
}

// IsLeader reports whether this elector leads now.
func (e *Elector) IsLeader() bool { return e.leader.Load() }

// Run campaigns until ctx ends. Each time it becomes leader it calls lead
// with a context that is cancelled when leadership is lost or ctx ends, and
// waits for lead to return before it campaigns again, so two calls of lead
// never overlap in one process. lead should return soon after its context
// is cancelled. On stop the lock is released at once (followers take over
// at their next try). Run returns nil when ctx ends, or an error when it
// is already running.
func (e *Elector) Run(ctx context.Context, lead func(ctx context.Context)) error {
	if !e.running.TryLock() {
		return errors.New("leadership: Run is already running")
	}
	defer e.running.Unlock()
	if e.cfg.Dialect == DialectSQLite {
		e.leader.Store(true)
		defer e.leader.Store(false)
		lead(ctx)
		return nil
	}
	c := &campaign{e: e}
	c.run(ctx, lead)
	return nil
}
