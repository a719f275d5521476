package sqlstore

import (
	"context"
	"database/sql"
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

func scanInstance(r rowScanner) (*flowtype.Instance, error) {
	var i flowtype.Instance
	var status string
	var started, completed sql.NullInt64
	var metadata []byte
	var created, updated int64
	if err := r.Scan(&i.TenantID, &i.ID, &i.SubjectType, &i.SubjectID, &i.WorkflowID, &i.WorkflowVersion, &status,
		&i.CurrentPipelineID, &i.CurrentStageID, &i.StartedBy, &started, &completed, &metadata,
		&i.Version, &i.LastDecisionVersion, &i.NextSeq, &created, &updated); err != nil {
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
		return fmt.Errorf("sqlstore: insert instance %s: %w", inst.ID, flowtype.Refuse(flowtype.CodeAlreadyAttached,
			fmt.Sprintf("Subject %s/%s already has an active workflow instance", inst.SubjectType, inst.SubjectID)))
	}
	if err != nil {
		return wrapErr(err, "insert instance %s", inst.ID)
	}
	return nil
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
// updated_at with now (also in inst). A stale version is ErrConflict; a
// missing instance ErrNotFound.
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
		return fmt.Errorf("sqlstore: update instance %s: version is no longer %d: %w",
			inst.ID, expectedVersion, flowtype.ErrConflict)
	}
	inst.UpdatedAt = updated
	return nil
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
