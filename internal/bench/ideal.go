package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ideal is the minimal engine every figure is compared with: an instance
// is one row, a decision one conditional UPDATE of it plus one INSERT of
// an event row, in one transaction (PostgreSQL: one statement, a CTE). It
// runs on the database under test, through the same connection pool and
// settings as the engine (SQLite: the single writer connection, WAL, the
// run's synchronous setting, BEGIN IMMEDIATE), with prepared statements:
// what a hand-written engine that does nothing else would do.
type ideal struct {
	db      *sql.DB
	dialect string
	next    atomic.Int64

	insert, update, event, decideCTE *sql.Stmt
}

const idealSchema = `
CREATE TABLE IF NOT EXISTS ideal_instances (
    id         BIGINT  NOT NULL PRIMARY KEY,
    state      TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE TABLE IF NOT EXISTS ideal_events (
    instance_id BIGINT  NOT NULL,
    seq         INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    at          BIGINT  NOT NULL,
    PRIMARY KEY (instance_id, seq)
);
CREATE TABLE IF NOT EXISTS ideal_tasks (
    id          BIGINT  NOT NULL PRIMARY KEY,
    instance_id BIGINT  NOT NULL,
    assignee    TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX IF NOT EXISTS ideal_tasks_open_idx ON ideal_tasks (assignee, created_at) WHERE status = 'current';
CREATE INDEX IF NOT EXISTS ideal_tasks_instance_idx ON ideal_tasks (instance_id)`

func newIdeal(ctx context.Context, db *sql.DB, dialect string) (*ideal, error) {
	for _, stmt := range splitStatements(idealSchema) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("bench: ideal schema: %w", err)
		}
	}
	id := &ideal{db: db, dialect: dialect}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = db.PrepareContext(ctx, q)
		return s
	}
	id.insert = prep(`INSERT INTO ideal_instances (id, state, version, updated_at) VALUES ($1, 'open', 1, $2)`)
	if dialect == "postgres" {
		id.decideCTE = prep(`
			WITH u AS (UPDATE ideal_instances SET version = version + 1, state = $2, updated_at = $3
			           WHERE id = $1 AND state <> 'done' RETURNING id, version)
			INSERT INTO ideal_events (instance_id, seq, type, actor, at)
			SELECT id, version, $4, $5, $3 FROM u`)
	} else {
		id.update = prep(`UPDATE ideal_instances SET version = version + 1, state = $2, updated_at = $3
			WHERE id = $1 AND state <> 'done' RETURNING version`)
		id.event = prep(`INSERT INTO ideal_events (instance_id, seq, type, actor, at) VALUES ($1, $2, $3, $4, $5)`)
	}
	if err != nil {
		return nil, fmt.Errorf("bench: ideal: %w", err)
	}
	return id, nil
}

func (id *ideal) close() {
	for _, s := range []*sql.Stmt{id.insert, id.update, id.event, id.decideCTE} {
		if s != nil {
			_ = s.Close()
		}
	}
}

func splitStatements(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";") {
		if trimmed := strings.TrimSpace(part); trimmed != "" {
			out = append(out, trimmed)
		}
	}
	return out
}

// start inserts a new instance and returns its id.
func (id *ideal) start(ctx context.Context) (int64, error) {
	n := id.next.Add(1)
	_, err := id.insert.ExecContext(ctx, n, time.Now().UnixMicro())
	return n, err
}

var errIdealRefused = errors.New("bench: ideal decision refused")

// decide is one decision: the conditional UPDATE and the event INSERT.
func (id *ideal) decide(ctx context.Context, instance int64, state, actor string) error {
	now := time.Now().UnixMicro()
	if id.decideCTE != nil {
		res, err := id.decideCTE.ExecContext(ctx, instance, state, now, "after_approve", actor)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errIdealRefused
		}
		return nil
	}
	tx, err := id.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.StmtContext(ctx, id.update).QueryRowContext(ctx, instance, state, now).Scan(&version); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return errIdealRefused
		}
		return err
	}
	if _, err := tx.StmtContext(ctx, id.event).ExecContext(ctx, instance, version, "after_approve", actor, now); err != nil {
		return err
	}
	return tx.Commit()
}

// idealLoad is the shape of a decision scenario for the ideal engine: n
// instances, driven by clients at once; each instance takes its waves of
// decisions in order, the decisions of one wave concurrently (purchase-4:
// four waves of one; consensus: a wave of five, then one of three).
type idealLoad struct {
	instances int
	clients   int
	waves     []int
}

// idealRun is what the ideal engine achieved on a load.
type idealRun struct {
	startsPerSec, decisionsPerSec float64
	lat                           *latencies
	bytes                         float64 // per instance
}

// run drives the load and measures it.
func (id *ideal) run(ctx context.Context, d *database, load idealLoad) (*idealRun, error) {
	before, err := d.bytes(ctx, true)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, load.instances)
	shares := split(load.instances, load.clients)
	t0 := time.Now()
	err = parallel(load.clients, func(c int) error {
		for _, i := range shares[c] {
			n, err := id.start(ctx)
			if err != nil {
				return err
			}
			ids[i] = n
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench: ideal start: %w", err)
	}
	out := &idealRun{startsPerSec: rate(load.instances, time.Since(t0)), lat: &latencies{}}
	var decisions atomic.Int64
	t1 := time.Now()
	err = parallel(load.clients, func(c int) error {
		var mine []time.Duration
		var mu sync.Mutex
		for _, i := range shares[c] {
			for w, width := range load.waves {
				state := "open"
				if w == len(load.waves)-1 && width == 1 {
					state = "done"
				}
				err := parallel(width, func(int) error {
					t := time.Now()
					if err := id.decide(ctx, ids[i], state, "approver"); err != nil {
						if errors.Is(err, errIdealRefused) {
							return nil
						}
						return err
					}
					d := time.Since(t)
					mu.Lock()
					mine = append(mine, d)
					mu.Unlock()
					decisions.Add(1)
					return nil
				})
				if err != nil {
					return err
				}
			}
		}
		out.lat.add(mine)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench: ideal decide: %w", err)
	}
	out.decisionsPerSec = rate(int(decisions.Load()), time.Since(t1))
	after, err := d.bytes(ctx, true)
	if err != nil {
		return nil, err
	}
	out.bytes = float64(after-before) / float64(load.instances)
	return out, nil
}

// mean combines two runs of the ideal engine (one before the scenario,
// one after, so that a change of the machine's load during the scenario
// shows in both): mean rates, the worse p99.
func (a *idealRun) mean(b *idealRun) (rateMean, p99, bytes float64) {
	return (a.decisionsPerSec + b.decisionsPerSec) / 2, max(a.lat.percentile(99), b.lat.percentile(99)), a.bytes
}
