package flowgate

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// CleanupParams selects the finished instances Cleanup deletes.
type CleanupParams struct {
	// Days keeps instances finished in the last Days days. 0 deletes every
	// finished instance.
	Days int
	// Statuses limits the cleanup to some finished statuses (completed,
	// rejected, withdrawn). Empty means all three.
	Statuses []flowtype.Status
	// DryRun counts what a real run would delete and deletes nothing.
	DryRun bool
	// BatchSize is how many instances one transaction deletes, so that no
	// lock is held long. Defaults to 500.
	BatchSize int
}

// CleanupCounts are the rows a cleanup deleted (or would delete).
type CleanupCounts = store.CleanupCounts

// CleanupResult reports a cleanup.
type CleanupResult struct {
	DryRun bool          `json:"dry_run"`
	Before time.Time     `json:"before"`
	Counts CleanupCounts `json:"deleted"`
}

// Cleanup deletes the tenant's finished instances older than p.Days days
// with their tasks, events, idempotency records and action runs, in batches.
// Running instances, subjects, definitions and versions are never touched,
// nor is an instance whose actions have not all run. A dry run counts
// exactly what the real run would delete.
func (e *Engine) Cleanup(ctx context.Context, tenantID string, p *CleanupParams) (*CleanupResult, error) {
	if p == nil {
		p = &CleanupParams{}
	}
	if p.Days < 0 {
		return nil, flowtype.NewValidationError("days", "days must be 0 or more")
	}
	for i, s := range p.Statuses {
		if !s.Finished() {
			return nil, flowtype.NewValidationError(fmt.Sprintf("status[%d]", i),
				fmt.Sprintf("status %q cannot be cleaned up: only completed, rejected and withdrawn", s))
		}
	}
	if _, err := e.store.TenantGet(ctx, tenantID); err != nil {
		return nil, err
	}
	batch := p.BatchSize
	if batch <= 0 {
		batch = 500
	}
	res := &CleanupResult{DryRun: p.DryRun, Before: e.now().Add(-time.Duration(p.Days) * 24 * time.Hour)}
	after := ""
	for {
		ids, err := e.store.CleanupCandidates(ctx, &store.CleanupCandidatesParams{
			TenantID: tenantID, Statuses: p.Statuses, Before: res.Before, AfterID: after, Limit: batch,
		})
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return res, nil
		}
		after = ids[len(ids)-1]
		var n *store.CleanupCounts
		if p.DryRun {
			n, err = e.store.CleanupCount(ctx, tenantID, ids)
		} else {
			n, err = e.store.CleanupDelete(ctx, tenantID, ids)
		}
		if err != nil {
			return nil, err
		}
		res.Counts.Add(n)
	}
}

// StatusCount is one line of the cleanup statistics.
type StatusCount struct {
	Status  flowtype.Status `json:"status"`
	Count   int             `json:"count"`
	Percent float64         `json:"percent"`
}

// AgeCount counts finished instances older than Days days.
type AgeCount struct {
	Days    int     `json:"days"`
	Count   int     `json:"count"`
	Percent float64 `json:"percent"`
}

// CleanupStatistics is the original's cleanup_workflows --stats.
type CleanupStatistics struct {
	Total    int           `json:"total"`
	ByStatus []StatusCount `json:"by_status"`
	Finished int           `json:"finished"`
	// ByAge counts finished instances older than 30, 90 and 365 days, with
	// their share of the finished ones.
	ByAge          []AgeCount `json:"by_age"`
	Recommendation string     `json:"recommendation"`
}

var statusOrder = []flowtype.Status{
	flowtype.StatusCompleted, flowtype.StatusRejected, flowtype.StatusWithdrawn,
	flowtype.StatusInProgress, flowtype.StatusAwaitingResubmission, flowtype.StatusNotStarted,
}

// CleanupStats counts the tenant's instances by status and the finished
// ones by age, and recommends a cleanup.
func (e *Engine) CleanupStats(ctx context.Context, tenantID string) (*CleanupStatistics, error) {
	if _, err := e.store.TenantGet(ctx, tenantID); err != nil {
		return nil, err
	}
	now := e.now()
	ages := []int{30, 90, 365}
	horizons := make([]time.Time, len(ages))
	for i, d := range ages {
		horizons[i] = now.Add(-time.Duration(d) * 24 * time.Hour)
	}
	st, err := e.store.InstanceStats(ctx, tenantID, horizons)
	if err != nil {
		return nil, err
	}
	out := &CleanupStatistics{ByStatus: []StatusCount{}, ByAge: []AgeCount{}}
	for _, s := range statusOrder {
		out.Total += st.ByStatus[s]
		if s.Finished() {
			out.Finished += st.ByStatus[s]
		}
	}
	for _, s := range statusOrder {
		if n := st.ByStatus[s]; n > 0 {
			out.ByStatus = append(out.ByStatus, StatusCount{Status: s, Count: n, Percent: percent(n, out.Total)})
		}
	}
	for i, d := range ages {
		out.ByAge = append(out.ByAge, AgeCount{Days: d, Count: st.FinishedBefore[i], Percent: percent(st.FinishedBefore[i], out.Finished)})
	}
	switch {
	case st.FinishedBefore[0] > 0:
		out.Recommendation = fmt.Sprintf("Consider running: flowgate cleanup --days=30 (%d finished instances are older than 30 days)", st.FinishedBefore[0])
	case out.Finished > 0:
		out.Recommendation = "No finished instance is older than 30 days: nothing to clean up yet"
	default:
		out.Recommendation = "No finished instances: nothing to clean up"
	}
	return out, nil
}

// percent is n/total as a percentage with one decimal.
func percent(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(1000*float64(n)/float64(total)) / 10
}
