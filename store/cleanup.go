package store

import (
	"context"
	"time"

	"github.com/flowgate/flowgate/flowtype"
)

// CleanupQueries find and delete finished instances (the original's
// cleanup_workflows). They are part of Executor.
type CleanupQueries interface {
	// CleanupCandidates returns the ids of finished instances that may be
	// deleted: status in p.Statuses, completed before p.Before, with no
	// action run still pending, running or failed; ordered by id after
	// p.AfterID, at most p.Limit.
	CleanupCandidates(ctx context.Context, p *CleanupCandidatesParams) ([]string, error)
	// CleanupCount counts what CleanupDelete would delete for the ids.
	CleanupCount(ctx context.Context, tenantID string, ids []string) (*CleanupCounts, error)
	// CleanupDelete deletes the instances with their tasks, events,
	// idempotency records and action runs, and returns what it deleted.
	// Subjects, definitions and versions are never touched.
	CleanupDelete(ctx context.Context, tenantID string, ids []string) (*CleanupCounts, error)
	// InstanceStats counts the tenant's instances by status, and the
	// finished ones completed before each of the given horizons.
	InstanceStats(ctx context.Context, tenantID string, horizons []time.Time) (*InstanceStats, error)
	// IdempotencyPurge deletes up to p.Limit of the tenant's idempotency
	// records that expired at p.Horizon and returns how many it deleted;
	// call it until it deletes fewer than p.Limit.
	IdempotencyPurge(ctx context.Context, p *IdempotencyPurgeParams) (int, error)
}

// CleanupCandidatesParams selects finished instances.
type CleanupCandidatesParams struct {
	TenantID string
	Statuses []flowtype.Status
	Before   time.Time
	AfterID  string
	Limit    int
}

// CleanupCounts are the rows a cleanup deletes, by table.
type CleanupCounts struct {
	Instances   int `json:"instances"`
	Tasks       int `json:"tasks"`
	Events      int `json:"events"`
	Idempotency int `json:"idempotency_keys"`
	ActionRuns  int `json:"action_runs"`
}

// Add adds o to c.
func (c *CleanupCounts) Add(o *CleanupCounts) {
	c.Instances += o.Instances
	c.Tasks += o.Tasks
	c.Events += o.Events
	c.Idempotency += o.Idempotency
	c.ActionRuns += o.ActionRuns
}

// InstanceStats counts instances by status and finished ones by age.
type InstanceStats struct {
	ByStatus map[flowtype.Status]int
	// FinishedBefore[i] counts finished instances completed before the
	// i-th horizon.
	FinishedBefore []int
}

// IdempotencyPurgeParams selects expired idempotency records.
type IdempotencyPurgeParams struct {
	TenantID string
	// Horizon is the expiry: records stored at or before it are deleted.
	Horizon time.Time
	// Limit bounds the records one call deletes (one short transaction).
	Limit int
}
