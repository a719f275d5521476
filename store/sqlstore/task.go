package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"

	"github.com/flowgate/flowgate/flowtype"
)

const taskColumns = `tenant_id, id, instance_id, pipeline_id, stage_id, round, step, assignee, role_id,
	via_role, status, acted_by, acted_at, form_data, reason, delegated_from, delegated_to,
	delegation_chain, checked_in_by, checked_in_at, closed_version, created_at`

// openTask is the predicate of the partial indexes on open tasks. Queries
// repeat it verbatim: SQLite uses a partial index only when the query's
// WHERE clause contains the index's.
const openTask = `status IN ('pending', 'current')`

// taskChunk bounds the rows of one multi-row INSERT (22 arguments a row,
// well under both engines' limits on bound arguments).
const taskChunk = 200

func scanTask(r rowScanner, extra ...any) (*flowtype.Task, error) {
	var t flowtype.Task
	var status string
	var acted, checkedIn sql.NullInt64
	var formData, chain []byte
	var created int64
	dest := []any{&t.TenantID, &t.ID, &t.InstanceID, &t.PipelineID, &t.StageID, &t.Round, &t.Step,
		&t.Assignee, &t.RoleID, &t.ViaRole, &status, &t.ActedBy, &acted, &formData, &t.Reason,
		&t.DelegatedFrom, &t.DelegatedTo, &chain, &t.CheckedInBy, &checkedIn, &t.ClosedVersion, &created}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if chain != nil {
		if err := json.Unmarshal(chain, &t.DelegationChain); err != nil {
			return nil, err
		}
	}
	t.Status = flowtype.TaskStatus(status)
	t.ActedAt, t.CheckedInAt = fromNullMicros(acted), fromNullMicros(checkedIn)
	t.FormData = rawJSON(formData)
	t.CreatedAt = fromMicros(created)
	return &t, nil
}

// chainJSON encodes a delegation chain; an empty chain is NULL.
func chainJSON(chain []string) (any, error) {
	if len(chain) == 0 {
		return nil, nil
	}
	return marshal(chain)
}

// taskValues returns the task's values in taskColumns order.
func taskValues(t *flowtype.Task) ([]any, error) {
	chain, err := chainJSON(t.DelegationChain)
	if err != nil {
		return nil, err
	}
	return []any{t.TenantID, t.ID, t.InstanceID, t.PipelineID, t.StageID, t.Round, t.Step,
		t.Assignee, t.RoleID, t.ViaRole, string(t.Status), t.ActedBy, nullMicros(t.ActedAt),
		nullJSON(t.FormData), t.Reason, t.DelegatedFrom, t.DelegatedTo, chain, t.CheckedInBy,
		nullMicros(t.CheckedInAt), t.ClosedVersion, micros(t.CreatedAt)}, nil
}

// TaskInsert stores new tasks, many to an INSERT; zero CreatedAt is set to
// now. An existing id is ErrConflict; a missing instance ErrNotFound.
func (e *executor) TaskInsert(ctx context.Context, tasks []*flowtype.Task) error {
	if len(tasks) <= taskChunk {
		// One statement is atomic on its own.
		return e.insertTasks(ctx, e.write, tasks)
	}
	return e.inTx(ctx, func(q dbtx) error {
		for chunk := range slices.Chunk(tasks, taskChunk) {
			if err := e.insertTasks(ctx, q, chunk); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *executor) insertTasks(ctx context.Context, q dbtx, tasks []*flowtype.Task) error {
	if len(tasks) == 0 {
		return nil
	}
	var a args
	rows := make([]string, len(tasks))
	for i, t := range tasks {
		e.stampIfZero(&t.CreatedAt)
		values, err := taskValues(t)
		if err != nil {
			return wrapErr(err, "insert task %s", t.ID)
		}
		rows[i] = in(&a, values)
	}
	if _, err := q.ExecContext(ctx,
		`INSERT INTO tasks (`+taskColumns+`) VALUES `+strings.Join(rows, ", "), a...); err != nil {
		return wrapErr(err, "insert %d tasks of instance %s", len(tasks), tasks[0].InstanceID)
	}
	return nil
}

// TaskUpdate writes the mutable columns of each task: assignee, via_role,
// status, acted_by, acted_at, form_data, reason, delegated_from,
// delegated_to, delegation_chain, checked_in_by, checked_in_at and
// closed_version. A missing task is ErrNotFound and nothing is written.
func (e *executor) TaskUpdate(ctx context.Context, tasks []*flowtype.Task) error {
	if len(tasks) == 0 {
		return nil
	}
	return e.inTx(ctx, func(q dbtx) error {
		for _, t := range tasks {
			chain, err := chainJSON(t.DelegationChain)
			if err != nil {
				return wrapErr(err, "update task %s", t.ID)
			}
			res, err := q.ExecContext(ctx, `
				UPDATE tasks SET assignee = $3, via_role = $4, status = $5, acted_by = $6, acted_at = $7,
					form_data = $8, reason = $9, delegated_from = $10, delegated_to = $11,
					delegation_chain = $12, checked_in_by = $13, checked_in_at = $14, closed_version = $15
				WHERE tenant_id = $1 AND id = $2`,
				t.TenantID, t.ID, t.Assignee, t.ViaRole, string(t.Status), t.ActedBy, nullMicros(t.ActedAt),
				nullJSON(t.FormData), t.Reason, t.DelegatedFrom, t.DelegatedTo, chain, t.CheckedInBy,
				nullMicros(t.CheckedInAt), t.ClosedVersion)
			if err != nil {
				return wrapErr(err, "update task %s", t.ID)
			}
			if err := expectOne(res, "task", t.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// TaskListByInstance returns every task of the instance, oldest first.
func (e *executor) TaskListByInstance(ctx context.Context, tenantID, instanceID string) ([]*flowtype.Task, error) {
	return e.listTasks(ctx, "list tasks of instance "+instanceID,
		`tenant_id = $1 AND instance_id = $2`, tenantID, instanceID)
}

// TaskListOpenViaRole returns the open tasks held through the role, oldest
// first; with userID not empty, only that user's.
func (e *executor) TaskListOpenViaRole(ctx context.Context, tenantID, roleID, userID string) ([]*flowtype.Task, error) {
	var a args
	where := `tenant_id = ` + a.add(tenantID) + ` AND role_id = ` + a.add(roleID) + ` AND ` + openTask +
		` AND via_role = ` + a.add(true)
	if userID != "" {
		where += ` AND assignee = ` + a.add(userID)
	}
	return e.listTasks(ctx, "list open tasks of role "+roleID, where, a...)
}

// TaskListOpenByAssignee returns every open (pending or current) task
// assigned to the user, oldest first.
func (e *executor) TaskListOpenByAssignee(ctx context.Context, tenantID, userID string) ([]*flowtype.Task, error) {
	return e.listTasks(ctx, "list open tasks of user "+userID,
		`tenant_id = $1 AND assignee = $2 AND `+openTask, tenantID, userID)
}

func (e *executor) listTasks(ctx context.Context, what, where string, a ...any) ([]*flowtype.Task, error) {
	rows, err := e.read.QueryContext(ctx,
		`SELECT `+taskColumns+` FROM tasks WHERE `+where+` ORDER BY created_at, id`, a...)
	list, err := collect(rows, err, func(r rowScanner) (*flowtype.Task, error) { return scanTask(r) })
	if err != nil {
		return nil, wrapErr(err, "%s", what)
	}
	return list, nil
}
