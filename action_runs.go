package flowgate

import (
	"context"
	"time"

	"github.com/flowgate/flowgate/store"
)

// ListActionRunsParams filters ListActionRuns.
type ListActionRunsParams struct {
	// InstanceID, when set, keeps the runs of one instance.
	InstanceID string
	// Statuses, when set, keeps runs in those statuses.
	Statuses []RunStatus
	// AfterID and Limit page through the list (ordered by id, that is by
	// creation). Limit defaults to 50, at most 500.
	AfterID string
	Limit   int
}

// ListActionRuns lists a tenant's action runs: every execution of a
// resolved action, with its handler, tier and level, status, attempts,
// next run time, last error, duration and run key.
func (e *Engine) ListActionRuns(ctx context.Context, tenantID string, p *ListActionRunsParams) ([]*ActionRun, error) {
	if p == nil {
		p = &ListActionRunsParams{}
	}
	return e.store.ActionRunList(ctx, &store.ActionRunListParams{
		TenantID: tenantID, InstanceID: p.InstanceID, Statuses: p.Statuses, AfterID: p.AfterID, Limit: p.Limit,
	})
}

// GetActionRun reads one action run. Returns ErrNotFound when the tenant
// has no such run.
func (e *Engine) GetActionRun(ctx context.Context, tenantID, id string) (*ActionRun, error) {
	return e.store.ActionRunGet(ctx, tenantID, id)
}

// RetryActionRun makes a failed or dead run due now (a dead run that used
// every attempt gets one more) and wakes the workers. A run in any other
// status is refused with code conflict; an unknown run is ErrNotFound.
func (e *Engine) RetryActionRun(ctx context.Context, tenantID, id string) (*ActionRun, error) {
	run, err := e.store.ActionRunRetry(ctx, &store.ActionRunRetryParams{TenantID: tenantID, ID: id, Now: time.Now()})
	if err != nil {
		return nil, err
	}
	e.acts.committed()
	return run, nil
}
