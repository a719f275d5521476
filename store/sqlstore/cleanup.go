package sqlstore

import (
	"context"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// finishedStatuses are the statuses a cleanup may delete.
var finishedStatuses = []string{string(flowtype.StatusCompleted), string(flowtype.StatusRejected), string(flowtype.StatusWithdrawn)}

func (e *executor) CleanupCandidates(ctx context.Context, p *store.CleanupCandidatesParams) ([]string, error) {
	statuses := finishedStatuses
	if len(p.Statuses) > 0 {
		statuses = nil
		for _, s := range p.Statuses {
			if s.Finished() {
				statuses = append(statuses, string(s))
			}
		}
		if len(statuses) == 0 {
			return []string{}, nil
		}
	}
	var a args
	q := `SELECT i.id FROM instances i
		WHERE i.tenant_id = ` + a.add(p.TenantID) + `
		  AND i.status IN ` + in(&a, statuses) + `
		  AND i.completed_at < ` + a.add(micros(p.Before)) + `
		  AND i.id > ` + a.add(p.AfterID) + `
		  AND NOT EXISTS (SELECT 1 FROM action_runs r
		                  WHERE r.tenant_id = i.tenant_id AND r.instance_id = i.id
		                    AND r.status IN ('pending', 'running', 'failed'))
		ORDER BY i.id LIMIT ` + a.add(pageLimit(p.Limit))
	rows, err := e.read.QueryContext(ctx, q, a...)
	ids, err := collect(rows, err, func(r rowScanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, wrapErr(err, "cleanup candidates")
	}
	return ids, nil
}

// cleanupTables are the tables a cleanup deletes from, children first, with
// the column naming the instance.
var cleanupTables = []struct {
	table, column string
	count         func(c *store.CleanupCounts) *int
}{
	{"action_runs", "instance_id", func(c *store.CleanupCounts) *int { return &c.ActionRuns }},
	{"events", "instance_id", func(c *store.CleanupCounts) *int { return &c.Events }},
	{"tasks", "instance_id", func(c *store.CleanupCounts) *int { return &c.Tasks }},
	{"idempotency_keys", "instance_id", func(c *store.CleanupCounts) *int { return &c.Idempotency }},
	{"instances", "id", func(c *store.CleanupCounts) *int { return &c.Instances }},
}

func (e *executor) CleanupCount(ctx context.Context, tenantID string, ids []string) (*store.CleanupCounts, error) {
	out := &store.CleanupCounts{}
	if len(ids) == 0 {
		return out, nil
	}
	for _, t := range cleanupTables {
		var a args
		q := `SELECT COUNT(*) FROM ` + t.table + ` WHERE tenant_id = ` + a.add(tenantID) + ` AND ` + t.column + ` IN ` + in(&a, ids)
		if err := e.read.QueryRowContext(ctx, q, a...).Scan(t.count(out)); err != nil {
			return nil, wrapErr(err, "cleanup count %s", t.table)
		}
	}
	return out, nil
}

func (e *executor) CleanupDelete(ctx context.Context, tenantID string, ids []string) (*store.CleanupCounts, error) {
	out := &store.CleanupCounts{}
	if len(ids) == 0 {
		return out, nil
	}
	err := e.inTx(ctx, func(q dbtx) error {
		for _, t := range cleanupTables {
			var a args
			stmt := `DELETE FROM ` + t.table + ` WHERE tenant_id = ` + a.add(tenantID) + ` AND ` + t.column + ` IN ` + in(&a, ids)
			if t.table == "instances" {
				// A finished instance never changes again; the guard
				// keeps a wrong id from deleting a running one.
				stmt += ` AND status IN ` + in(&a, finishedStatuses)
			}
			res, err := q.ExecContext(ctx, stmt, a...)
			if err != nil {
				return wrapErr(err, "cleanup delete %s", t.table)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return wrapErr(err, "cleanup delete %s", t.table)
			}
			*t.count(out) = int(n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (e *executor) InstanceStats(ctx context.Context, tenantID string, horizons []time.Time) (*store.InstanceStats, error) {
	out := &store.InstanceStats{ByStatus: map[flowtype.Status]int{}, FinishedBefore: make([]int, len(horizons))}
	rows, err := e.read.QueryContext(ctx,
		`SELECT status, COUNT(*) FROM instances WHERE tenant_id = $1 GROUP BY status`, tenantID)
	type pair struct {
		status string
		n      int
	}
	pairs, err := collect(rows, err, func(r rowScanner) (pair, error) {
		var p pair
		return p, r.Scan(&p.status, &p.n)
	})
	if err != nil {
		return nil, wrapErr(err, "instance stats")
	}
	for _, p := range pairs {
		out.ByStatus[flowtype.Status(p.status)] = p.n
	}
	for i, h := range horizons {
		var a args
		q := `SELECT COUNT(*) FROM instances WHERE tenant_id = ` + a.add(tenantID) +
			` AND status IN ` + in(&a, finishedStatuses) + ` AND completed_at < ` + a.add(micros(h))
		if err := e.read.QueryRowContext(ctx, q, a...).Scan(&out.FinishedBefore[i]); err != nil {
			return nil, wrapErr(err, "instance stats by age")
		}
	}
	return out, nil
}
