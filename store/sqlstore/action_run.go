package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const actionRunColumns = `tenant_id, id, instance_id, event_seq, event_type, ordinal, action_id, handler, parameters,
	state, tier, level, status, attempts, max_attempts, next_run_at, lease_owner, lease_until, last_error,
	duration_ms, result, created_at, updated_at`

// dueRun is the predicate of action_runs_due_idx. The claim repeats it
// verbatim: SQLite uses a partial index only when the query's WHERE
// contains the index's.
const dueRun = `status IN ('pending', 'failed', 'running')`

// actionRunChunk bounds the rows of one multi-row INSERT (23 arguments a
// row).
const actionRunChunk = 200

func scanActionRun(r rowScanner) (*flowtype.ActionRun, error) {
	var a flowtype.ActionRun
	var event, tier, level, status string
	var params, state, result []byte
	var next, created, updated int64
	var lease sql.NullInt64
	if err := r.Scan(&a.TenantID, &a.ID, &a.InstanceID, &a.EventSeq, &event, &a.Ordinal, &a.ActionID, &a.Handler, &params,
		&state, &tier, &level, &status, &a.Attempts, &a.MaxAttempts, &next, &a.LeaseOwner, &lease, &a.LastError,
		&a.DurationMS, &result, &created, &updated); err != nil {
		return nil, err
	}
	a.RunKey = runKey(&a)
	a.Event, a.Tier, a.Level, a.Status = flowtype.EventType(event), flowtype.Tier(tier), flowtype.Level(level), flowtype.RunStatus(status)
	a.Parameters, a.State, a.Result = rawJSON(params), rawJSON(state), rawJSON(result)
	a.NextRunAt, a.LeaseUntil = fromMicros(next), fromNullMicros(lease)
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &a, nil
}

// runKey derives a run's key from what identifies it: its instance, its
// event and its place in the event's list (unique together, and never
// changed after the insert), so it is the same on every attempt and in
// every process without being stored.
func runKey(r *flowtype.ActionRun) string {
	return r.InstanceID + ":" + strconv.Itoa(r.EventSeq) + ":" + strconv.Itoa(r.Ordinal)
}

// ActionRunInsert stores new runs as given; zero CreatedAt, UpdatedAt and
// NextRunAt are set to the store's now (so a run is due by the clock the
// dispatchers' claims compare with), an empty Status to pending. RunKey is
// set to the key derived from the run (any value given is replaced).
func (e *executor) ActionRunInsert(ctx context.Context, runs []*flowtype.ActionRun) error {
	if len(runs) <= actionRunChunk {
		return e.insertActionRuns(ctx, e.write, runs)
	}
	return e.inTx(ctx, func(q dbtx) error {
		for chunk := range slices.Chunk(runs, actionRunChunk) {
			if err := e.insertActionRuns(ctx, q, chunk); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *executor) insertActionRuns(ctx context.Context, q dbtx, runs []*flowtype.ActionRun) error {
	if len(runs) == 0 {
		return nil
	}
	var a args
	rows := make([]string, len(runs))
	now := e.stamp()
	for i, r := range runs {
		for _, t := range []*time.Time{&r.CreatedAt, &r.UpdatedAt, &r.NextRunAt} {
			if t.IsZero() {
				*t = now
			} else {
				*t = fromMicros(t.UnixMicro())
			}
		}
		if r.Status == "" {
			r.Status = flowtype.RunPending
		}
		r.RunKey = runKey(r)
		rows[i] = in(&a, []any{r.TenantID, r.ID, r.InstanceID, r.EventSeq, string(r.Event), r.Ordinal, r.ActionID, r.Handler,
			nullJSON(r.Parameters), nullJSON(r.State), string(r.Tier), string(r.Level), string(r.Status), r.Attempts, r.MaxAttempts,
			micros(r.NextRunAt), r.LeaseOwner, nullMicros(r.LeaseUntil), r.LastError, r.DurationMS,
			nullJSON(r.Result), micros(r.CreatedAt), micros(r.UpdatedAt)})
	}
	if _, err := q.ExecContext(ctx,
		`INSERT INTO action_runs (`+actionRunColumns+`) VALUES `+strings.Join(rows, ", "), a...); err != nil {
		return wrapErr(err, "insert %d action runs of instance %s", len(runs), runs[0].InstanceID)
	}
	return nil
}

// ActionRunGet reads one run.
func (e *executor) ActionRunGet(ctx context.Context, tenantID, id string) (*flowtype.ActionRun, error) {
	r, err := scanActionRun(e.read.QueryRowContext(ctx,
		`SELECT `+actionRunColumns+` FROM action_runs WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return nil, readErr(err, "action run", id)
	}
	return r, nil
}

// ActionRunList returns a tenant's runs ordered by id. Limit defaults to
// 50 and is capped at 500.
func (e *executor) ActionRunList(ctx context.Context, p *store.ActionRunListParams) ([]*flowtype.ActionRun, error) {
	var a args
	where := []string{"tenant_id = " + a.add(p.TenantID), "id > " + a.add(p.AfterID)}
	if p.InstanceID != "" {
		where = append(where, "instance_id = "+a.add(p.InstanceID))
	}
	if len(p.Statuses) > 0 {
		statuses := make([]string, len(p.Statuses))
		for i, st := range p.Statuses {
			statuses[i] = string(st)
		}
		where = append(where, "status IN "+in(&a, statuses))
	}
	q := `SELECT ` + actionRunColumns + ` FROM action_runs WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY id LIMIT ` + a.add(pageLimit(p.Limit))
	rows, err := e.read.QueryContext(ctx, q, a...)
	list, err := collect(rows, err, scanActionRun)
	if err != nil {
		return nil, wrapErr(err, "list action runs")
	}
	return list, nil
}

// ActionRunClaim leases due runs, oldest due first; a run waits while a
// run before it in its event's list is not final. Runs are matched by
// (tenant_id, instance_id, event_seq, ordinal): SQLite's primary key, which
// the due index carries, so no lookup by id is needed. On PostgreSQL the
// candidates are locked with SKIP LOCKED, so concurrent dispatchers split
// the backlog instead of waiting for each other; on SQLite the statement
// runs on the single writer, which serializes claims.
func (e *executor) ActionRunClaim(ctx context.Context, p *store.ActionRunClaimParams) ([]*flowtype.ActionRun, error) {
	if p.Limit <= 0 {
		return []*flowtype.ActionRun{}, nil
	}
	now, until := micros(p.Now), micros(p.LeaseUntil)
	rows, err := e.write.QueryContext(ctx, claimQuery(e.dialect), p.Owner, until, now, p.Limit)
	list, err := collect(rows, err, scanActionRun)
	if err != nil {
		return nil, wrapErr(err, "claim action runs")
	}
	slices.SortFunc(list, func(a, b *flowtype.ActionRun) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return list, nil
}

// claimQuery is ActionRunClaim's statement; its arguments are the owner,
// the lease's end, now and the limit.
func claimQuery(d *dialect) string {
	return `
		UPDATE action_runs SET status = 'running', attempts = attempts + 1, lease_owner = $1,
			lease_until = $2, next_run_at = $2, updated_at = $3
		WHERE (tenant_id, instance_id, event_seq, ordinal) IN (
			SELECT tenant_id, instance_id, event_seq, ordinal FROM action_runs
			WHERE ` + dueRun + ` AND next_run_at <= $3
				AND NOT EXISTS (SELECT 1 FROM action_runs AS before
					WHERE before.tenant_id = action_runs.tenant_id AND before.instance_id = action_runs.instance_id
						AND before.event_seq = action_runs.event_seq AND before.ordinal < action_runs.ordinal
						AND before.status IN ('pending', 'failed', 'running'))
			ORDER BY next_run_at LIMIT $4` + d.skipLocked() + `)
		RETURNING ` + actionRunColumns
}

// ActionRunFinish records outcomes in one transaction, each guarded by the
// lease it was run under. A success keeps the previous attempt's error as
// last_error and drops the run's state: only an execution reads it, and a
// succeeded run is never executed again (a failed or dead one may be
// retried, so it keeps it).
func (e *executor) ActionRunFinish(ctx context.Context, results []*store.ActionRunFinishParams) (int, error) {
	recorded := 0
	err := e.inTx(ctx, func(q dbtx) error {
		recorded = 0
		for _, r := range results {
			n, err := finishActionRun(ctx, q, r)
			if err != nil {
				return err
			}
			recorded += n
		}
		return nil
	})
	return recorded, err
}

func finishActionRun(ctx context.Context, q dbtx, r *store.ActionRunFinishParams) (int, error) {
	switch r.Status {
	case flowtype.RunSucceeded, flowtype.RunFailed, flowtype.RunDead:
	default:
		return 0, fmt.Errorf("sqlstore: finish action run %s: status %q is not an outcome", r.ID, r.Status)
	}
	next := r.NextRunAt
	if r.Status != flowtype.RunFailed || next.IsZero() {
		next = r.Now
	}
	res, err := q.ExecContext(ctx, `
		UPDATE action_runs SET status = $1, last_error = CASE WHEN $2 = '' THEN last_error ELSE $2 END, next_run_at = $3, duration_ms = $4,
			result = $5, lease_owner = '', lease_until = NULL, updated_at = $6,
			state = CASE WHEN $1 = 'succeeded' THEN NULL ELSE state END
		WHERE tenant_id = $7 AND id = $8 AND status = 'running' AND lease_owner = $9`,
		string(r.Status), r.LastError, micros(next), r.DurationMS, nullJSON(r.Result), micros(r.Now),
		r.TenantID, r.ID, r.Owner)
	if err != nil {
		return 0, wrapErr(err, "finish action run %s", r.ID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrapErr(err, "finish action run %s", r.ID)
	}
	return int(n), nil
}

// ActionRunRetry makes a failed or dead run due at p.Now.
func (e *executor) ActionRunRetry(ctx context.Context, p *store.ActionRunRetryParams) (*flowtype.ActionRun, error) {
	now := micros(p.Now)
	run, err := scanActionRun(e.write.QueryRowContext(ctx, `
		UPDATE action_runs SET status = 'pending', next_run_at = $1, updated_at = $1,
			max_attempts = CASE WHEN attempts >= max_attempts THEN attempts + 1 ELSE max_attempts END
		WHERE tenant_id = $2 AND id = $3 AND status IN ('failed', 'dead')
		RETURNING `+actionRunColumns, now, p.TenantID, p.ID))
	if err == nil {
		return run, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, wrapErr(err, "retry action run %s", p.ID)
	}
	cur, err := e.ActionRunGet(ctx, p.TenantID, p.ID)
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("sqlstore: retry action run %s: %w", p.ID, flowtype.Refuse(flowtype.CodeConflict,
		fmt.Sprintf("Action run is %s; only failed or dead runs can be retried", cur.Status)))
}

// skipLocked is the lock clause of a claim's candidate rows: PostgreSQL
// locks them and skips rows another claim holds; SQLite has neither (its
// single writer already serializes claims).
func (d *dialect) skipLocked() string {
	if d.forUpdate == "" {
		return ""
	}
	return d.forUpdate + " SKIP LOCKED"
}
