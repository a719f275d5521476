package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const instanceColumns = `tenant_id, id, subject_type, subject_id, workflow_id, workflow_version, status,
	current_pipeline_id, current_stage_id, started_by, started_at, completed_at, metadata,
	version, last_decision_version, next_seq, created_at, updated_at`

// activeStatuses is the SQL list of the statuses that are not finished. It
// must match the predicate of instances_active_subject_idx.
const activeStatuses = `('not_started', 'in_progress', 'awaiting_resubmission')`

// activeSubjectIndex is the unique index that allows one active instance
// per subject.
const activeSubjectIndex = "instances_active_subject_idx"

func scanInstance(r rowScanner) (*flowtype.Instance, error) { return scanInstanceAnd(r) }

// scanInstanceAnd scans instanceColumns, then into extra the columns a
// query selects after them.
func scanInstanceAnd(r rowScanner, extra ...any) (*flowtype.Instance, error) {
	var i flowtype.Instance
	var status string
	var started, completed sql.NullInt64
	var metadata []byte
	var created, updated int64
	dest := []any{&i.TenantID, &i.ID, &i.SubjectType, &i.SubjectID, &i.WorkflowID, &i.WorkflowVersion, &status,
		&i.CurrentPipelineID, &i.CurrentStageID, &i.StartedBy, &started, &completed, &metadata,
		&i.Version, &i.LastDecisionVersion, &i.NextSeq, &created, &updated}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	i.Status = flowtype.Status(status)
	i.StartedAt, i.CompletedAt = fromNullMicros(started), fromNullMicros(completed)
	i.Metadata = rawJSON(metadata)
	i.CreatedAt, i.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &i, nil
}

// InstanceInsert stores a new instance as given; a zero CreatedAt is set
// to now and a zero UpdatedAt to CreatedAt. A subject that already has an
// active instance is a *flowtype.Error with code already_attached (decided
// by a unique index, so of two concurrent attaches exactly one wins). A
// missing subject or workflow version is ErrNotFound; an existing id
// ErrConflict.
func (e *executor) InstanceInsert(ctx context.Context, inst *flowtype.Instance) error {
	e.stampIfZero(&inst.CreatedAt)
	if inst.UpdatedAt.IsZero() {
		inst.UpdatedAt = inst.CreatedAt
	}
	e.stampIfZero(&inst.UpdatedAt)
	_, err := e.write.ExecContext(ctx, `INSERT INTO instances (`+instanceColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		inst.TenantID, inst.ID, inst.SubjectType, inst.SubjectID, inst.WorkflowID, inst.WorkflowVersion,
		string(inst.Status), inst.CurrentPipelineID, inst.CurrentStageID, inst.StartedBy,
		nullMicros(inst.StartedAt), nullMicros(inst.CompletedAt), nullJSON(inst.Metadata),
		inst.Version, inst.LastDecisionVersion, inst.NextSeq, micros(inst.CreatedAt), micros(inst.UpdatedAt))
	if isIndexViolation(err, activeSubjectIndex) {
		return alreadyAttached(inst)
	}
	if err != nil {
		return wrapErr(err, "insert instance %s", inst.ID)
	}
	return nil
}

// alreadyAttached is the refusal of an instance inserted on a subject that
// has an active one.
func alreadyAttached(inst *flowtype.Instance) error {
	return fmt.Errorf("sqlstore: insert instance %s: %w", inst.ID, flowtype.Refuse(flowtype.CodeAlreadyAttached,
		fmt.Sprintf("Subject %s/%s already has an active workflow instance", inst.SubjectType, inst.SubjectID)))
}

// InstanceGet returns the instance or ErrNotFound.
func (e *executor) InstanceGet(ctx context.Context, tenantID, id string) (*flowtype.Instance, error) {
	i, err := scanInstance(e.read.QueryRowContext(ctx,
		`SELECT `+instanceColumns+` FROM instances WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return nil, readErr(err, "instance", id)
	}
	return i, nil
}

// InstanceGetForUpdate is InstanceGet that, in a transaction on
// PostgreSQL, locks the row until the transaction ends (SELECT … FOR
// UPDATE), so concurrent commands on one instance queue instead of failing
// their conditional update. SQLite's single writer already serializes.
func (e *executor) InstanceGetForUpdate(ctx context.Context, tenantID, id string) (*flowtype.Instance, error) {
	i, err := scanInstance(e.write.QueryRowContext(ctx,
		`SELECT `+instanceColumns+` FROM instances WHERE tenant_id = $1 AND id = $2`+e.dialect.forUpdate, tenantID, id))
	if err != nil {
		return nil, readErr(err, "instance", id)
	}
	return i, nil
}

// commandQuery reads an instance with its tasks, its subject and its
// workflow's current version (InstanceGetForCommand): a row per task, the
// task columns first; one row with NULL task columns when there is none.
// The last column is the instance's version as the statement's snapshot
// holds it.
//
// On PostgreSQL the workflow and the subject are read in LATERAL
// subqueries that LIMIT keeps from being flattened: each stays a primary
// key lookup even when the tables have no statistics yet (a fresh
// database; autovacuum off), where a join may scan the tenant's subjects.
// The query locks the instance row; the snapshot's version comes from a
// separate lookup, which the lock does not move (see
// InstanceGetForCommand).
const commandQuery = `SELECT %s, %s, w.current_version,
		s.type, s.id, s.data, s.status, s.created_by, s.created_at, s.updated_at, %%s
	FROM instances i
	%%s
	LEFT JOIN tasks t ON t.tenant_id = i.tenant_id AND t.instance_id = i.id
	WHERE i.tenant_id = $1 AND i.id = $2
	ORDER BY t.created_at, t.id`

var (
	commandQueryBase = fmt.Sprintf(commandQuery, qualify("t", taskColumns), qualify("i", instanceColumns))
	// SQLite's single writer serializes: what the query reads is current.
	commandQuerySQLite = fmt.Sprintf(commandQueryBase, "i.version", `
	LEFT JOIN workflows w ON w.tenant_id = i.tenant_id AND w.id = i.workflow_id
	LEFT JOIN subjects s ON s.tenant_id = i.tenant_id AND s.type = i.subject_type AND s.id = i.subject_id`)
	commandQueryPostgres = fmt.Sprintf(commandQueryBase,
		"(SELECT v.version FROM instances v WHERE v.tenant_id = $1 AND v.id = $2)", `
	LEFT JOIN LATERAL (SELECT current_version FROM workflows
		WHERE tenant_id = i.tenant_id AND id = i.workflow_id LIMIT 1) w ON true
	LEFT JOIN LATERAL (SELECT type, id, data, status, created_by, created_at, updated_at FROM subjects
		WHERE tenant_id = i.tenant_id AND type = i.subject_type AND id = i.subject_id LIMIT 1) s ON true`) +
		" FOR UPDATE OF i"
)

// InstanceGetForCommand is InstanceGetForUpdate with the instance's tasks,
// subject and workflow version, in one query. On PostgreSQL the query
// locks the instance row (FOR UPDATE OF i) and also reads the version its
// snapshot holds: when they differ, the lock waited for a transaction that
// changed the instance, the joined rows are as the snapshot saw them,
// before that transaction, and the query runs again (it then holds the
// lock, so it does not wait). SQLite's single writer already serializes.
func (e *executor) InstanceGetForCommand(ctx context.Context, tenantID, id string) (*store.InstanceForCommand, error) {
	q := commandQuerySQLite
	if e.dialect.forUpdate != "" {
		q = commandQueryPostgres
	}
	for attempt := 0; ; attempt++ {
		got, snapshot, err := e.readCommandInstance(ctx, q, tenantID, id)
		if err != nil {
			return nil, readErr(err, "instance", id)
		}
		if snapshot == got.Instance.Version || attempt > 0 {
			return got, nil
		}
	}
}

// readCommandInstance runs commandQuery and returns what it read with the
// snapshot's version; sql.ErrNoRows when the instance is missing.
func (e *executor) readCommandInstance(ctx context.Context, q, tenantID, id string) (*store.InstanceForCommand, int, error) {
	rows, err := e.write.QueryContext(ctx, q, tenantID, id)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var got *store.InstanceForCommand
	snapshot := 0
	tasks := make([]*flowtype.Task, 0)
	for rows.Next() {
		var task *flowtype.Task
		row, snap, err := scanCommandInstance(scanFunc(func(dest ...any) error {
			var err error
			task, err = scanTask(outerJoined{rows}, dest...)
			return err
		}), got == nil)
		if err != nil {
			return nil, 0, err
		}
		if got == nil {
			got, snapshot = row, snap
		}
		if task.ID != "" {
			tasks = append(tasks, task)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if got == nil {
		return nil, 0, sql.ErrNoRows
	}
	got.Tasks = tasks
	return got, snapshot, nil
}

// scanCommandInstance scans the columns of commandQuery after the task's;
// the subject only when first (the other rows repeat it).
func scanCommandInstance(r rowScanner, first bool) (*store.InstanceForCommand, int, error) {
	var wfVersion, snapshot, created, updated sql.NullInt64
	var typ, sid, createdBy sql.NullString
	var data, status []byte
	inst, err := scanInstanceAnd(r, &wfVersion, &typ, &sid, &data, &status, &createdBy, &created, &updated, &snapshot)
	if err != nil {
		return nil, 0, err
	}
	out := &store.InstanceForCommand{Instance: inst, WorkflowVersion: int(wfVersion.Int64)}
	if first && sid.Valid {
		s := &flowtype.Subject{TenantID: inst.TenantID, Type: typ.String, ID: sid.String, Data: rawJSON(data),
			CreatedBy: createdBy.String, CreatedAt: fromMicros(created.Int64), UpdatedAt: fromMicros(updated.Int64)}
		if err := json.Unmarshal(status, &s.Status); err != nil {
			return nil, 0, err
		}
		out.Subject = s
	}
	return out, int(snapshot.Int64), nil
}

// scanFunc is a rowScanner made of a function.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// outerJoined scans a row of an outer join: the NULL columns of a missing
// side scan as zero values into *string, *int, *int64 and *bool.
type outerJoined struct{ rowScanner }

func (o outerJoined) Scan(dest ...any) error {
	tmp := make([]any, len(dest))
	var ns, ni, nb int
	for _, d := range dest {
		switch d.(type) {
		case *string:
			ns++
		case *int, *int64:
			ni++
		case *bool:
			nb++
		}
	}
	strs, ints, bools := make([]sql.NullString, ns), make([]sql.NullInt64, ni), make([]sql.NullBool, nb)
	ns, ni, nb = 0, 0, 0
	for i, d := range dest {
		switch d.(type) {
		case *string:
			tmp[i] = &strs[ns]
			ns++
		case *int, *int64:
			tmp[i] = &ints[ni]
			ni++
		case *bool:
			tmp[i] = &bools[nb]
			nb++
		default:
			tmp[i] = d
		}
	}
	if err := o.rowScanner.Scan(tmp...); err != nil {
		return err
	}
	for i, d := range dest {
		switch d := d.(type) {
		case *string:
			*d = tmp[i].(*sql.NullString).String
		case *int:
			*d = int(tmp[i].(*sql.NullInt64).Int64)
		case *int64:
			*d = tmp[i].(*sql.NullInt64).Int64
		case *bool:
			*d = tmp[i].(*sql.NullBool).Bool
		}
	}
	return nil
}

// InstanceGetBySubject returns the subject's active instance, else its
// newest one; ErrNotFound when it has none.
func (e *executor) InstanceGetBySubject(ctx context.Context, tenantID, typ, id string) (*flowtype.Instance, error) {
	i, err := scanInstance(e.read.QueryRowContext(ctx, `
		SELECT `+instanceColumns+` FROM instances
		WHERE tenant_id = $1 AND subject_type = $2 AND subject_id = $3
		ORDER BY CASE WHEN status IN `+activeStatuses+` THEN 0 ELSE 1 END, created_at DESC, id DESC
		LIMIT 1`, tenantID, typ, id))
	if err != nil {
		return nil, readErr(err, "instance of subject", typ+"/"+id)
	}
	return i, nil
}

// InstanceListBySubject returns every instance of the subject, oldest
// first.
func (e *executor) InstanceListBySubject(ctx context.Context, tenantID, typ, id string) ([]*flowtype.Instance, error) {
	rows, err := e.read.QueryContext(ctx, `
		SELECT `+instanceColumns+` FROM instances
		WHERE tenant_id = $1 AND subject_type = $2 AND subject_id = $3
		ORDER BY created_at, id`, tenantID, typ, id)
	list, err := collect(rows, err, scanInstance)
	if err != nil {
		return nil, wrapErr(err, "list instances of subject %s/%s", typ, id)
	}
	return list, nil
}

// InstanceUpdate writes the mutable columns of inst (status, position,
// started_at, completed_at, metadata, version, last_decision_version,
// next_seq) where the stored version is expectedVersion, and stamps
// updated_at with now (also in inst). A stale version is
// store.ErrStaleVersion (an ErrConflict); a missing instance ErrNotFound.
func (e *executor) InstanceUpdate(ctx context.Context, inst *flowtype.Instance, expectedVersion int) error {
	updated := e.stamp()
	res, err := e.write.ExecContext(ctx, `
		UPDATE instances SET status = $4, current_pipeline_id = $5, current_stage_id = $6,
			started_at = $7, completed_at = $8, metadata = $9, version = $10,
			last_decision_version = $11, next_seq = $12, updated_at = $13
		WHERE tenant_id = $1 AND id = $2 AND version = $3`,
		inst.TenantID, inst.ID, expectedVersion,
		string(inst.Status), inst.CurrentPipelineID, inst.CurrentStageID,
		nullMicros(inst.StartedAt), nullMicros(inst.CompletedAt), nullJSON(inst.Metadata), inst.Version,
		inst.LastDecisionVersion, inst.NextSeq, micros(updated))
	if err != nil {
		return wrapErr(err, "update instance %s", inst.ID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrapErr(err, "update instance %s", inst.ID)
	}
	if n == 0 {
		// Tell a missing instance from a stale version, on the writer: the
		// read pool may not see a row this transaction wrote.
		var exists bool
		if err := e.write.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM instances WHERE tenant_id = $1 AND id = $2)`,
			inst.TenantID, inst.ID).Scan(&exists); err != nil {
			return wrapErr(err, "update instance %s", inst.ID)
		}
		if !exists {
			return notFound("instance", inst.ID)
		}
		return staleVersion(inst.ID, expectedVersion)
	}
	inst.UpdatedAt = updated
	return nil
}

// staleVersion is the conflict of a conditional update of the instance
// that found another version.
func staleVersion(id string, expectedVersion int) error {
	return fmt.Errorf("sqlstore: update instance %s: version is no longer %d: %w", id, expectedVersion, store.ErrStaleVersion)
}

// InstanceList returns a page of instances ordered by id, after AfterID,
// filtered by workflow and statuses. Limit defaults to 50 and is capped at
// 500.
func (e *executor) InstanceList(ctx context.Context, p *store.InstanceListParams) ([]*flowtype.Instance, error) {
	var a args
	where := `tenant_id = ` + a.add(p.TenantID) + ` AND id > ` + a.add(p.AfterID)
	if p.WorkflowID != "" {
		where += ` AND workflow_id = ` + a.add(p.WorkflowID)
	}
	if len(p.Statuses) > 0 {
		statuses := make([]string, len(p.Statuses))
		for i, s := range p.Statuses {
			statuses[i] = string(s)
		}
		where += ` AND status IN ` + in(&a, statuses)
	}
	rows, err := e.read.QueryContext(ctx,
		`SELECT `+instanceColumns+` FROM instances WHERE `+where+` ORDER BY id LIMIT `+a.add(pageLimit(p.Limit)),
		a...)
	list, err := collect(rows, err, scanInstance)
	if err != nil {
		return nil, wrapErr(err, "list instances")
	}
	return list, nil
}
