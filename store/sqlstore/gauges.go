package sqlstore

import (
	"context"
	"database/sql"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// gaugesQuery counts unfinished rows in one statement (one round trip,
// and on PostgreSQL one snapshot). Each branch repeats the predicate of a
// partial index verbatim, so that both engines read that index of
// unfinished rows and never the history: tasks_open_assignee_idx,
// instances_active_subject_idx and action_runs_due_idx.
const gaugesQuery = `
	SELECT 'task', status, COUNT(*), 0 FROM tasks
		WHERE status IN ('pending', 'current') GROUP BY status
	UNION ALL
	SELECT 'instance', status, COUNT(*), 0 FROM instances
		WHERE status IN ('not_started', 'in_progress', 'awaiting_resubmission') GROUP BY status
	UNION ALL
	SELECT 'run', status, COUNT(*), SUM(CASE WHEN next_run_at <= $1 THEN 1 ELSE 0 END) FROM action_runs
		WHERE ` + dueRun + ` GROUP BY status`

// GaugesGet counts open tasks, active instances and unfinished action runs
// of every tenant.
func (e *executor) GaugesGet(ctx context.Context, p *store.GaugesGetParams) (*store.Gauges, error) {
	rows, err := e.read.QueryContext(ctx, gaugesQuery, micros(p.Now))
	if err != nil {
		return nil, wrapErr(err, "read gauges")
	}
	defer rows.Close()
	g := &store.Gauges{
		OpenTasks:       map[flowtype.TaskStatus]int{},
		ActiveInstances: map[flowtype.Status]int{},
		ActionRuns:      map[flowtype.RunStatus]int{},
	}
	for rows.Next() {
		var table, status string
		var n, due int
		if err := rows.Scan(&table, &status, &n, &due); err != nil {
			return nil, wrapErr(err, "read gauges")
		}
		switch table {
		case "task":
			g.OpenTasks[flowtype.TaskStatus(status)] = n
		case "instance":
			g.ActiveInstances[flowtype.Status(status)] = n
		case "run":
			g.ActionRuns[flowtype.RunStatus(status)] = n
			g.DueActionRuns += due
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(err, "read gauges")
	}
	return g, nil
}

// Pools returns the store's connection pools by name, for their
// statistics (database/sql's DBStats): on SQLite "writer" (the single
// writer connection) and "reader" (the read pool); on PostgreSQL "pool",
// the one pool both go through.
func (s *Store) Pools() map[string]*sql.DB {
	if s.reader == s.writer {
		return map[string]*sql.DB{"pool": s.writer}
	}
	return map[string]*sql.DB{"writer": s.writer, "reader": s.reader}
}
