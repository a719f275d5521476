package store

import (
	"context"
	"time"

	"github.com/flowgate/flowgate/flowtype"
)

// GaugeQueries read the current state /metrics reports, across every
// tenant. They are part of Executor.
type GaugeQueries interface {
	// GaugesGet counts the open tasks and the active instances by status,
	// the unfinished action runs by status, and those of them due at
	// p.Now (the dispatchers' queue). Each count reads only a partial
	// index of unfinished rows, never the history, so that a scrape stays
	// cheap however many finished instances the database keeps.
	GaugesGet(ctx context.Context, p *GaugesGetParams) (*Gauges, error)
}

// GaugesGetParams parametrize GaugesGet.
type GaugesGetParams struct {
	// Now is the time due runs are compared with.
	Now time.Time
}

// Gauges are the counts GaugesGet returns. A status with no row is
// absent from its map.
type Gauges struct {
	// OpenTasks counts pending and current tasks.
	OpenTasks map[flowtype.TaskStatus]int
	// ActiveInstances counts not-started, in-progress and
	// awaiting-resubmission instances.
	ActiveInstances map[flowtype.Status]int
	// ActionRuns counts pending, running and failed (to be retried) runs.
	ActionRuns map[flowtype.RunStatus]int
	// DueActionRuns counts the unfinished runs whose next attempt is due:
	// pending or failed runs whose time came, and running ones whose lease
	// expired. Runs waiting for an earlier run of the same event count
	// too.
	DueActionRuns int
}
