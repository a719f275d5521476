package sqlstore

import (
	"context"
	"fmt"

	"github.com/flowgate/flowgate/flowtype"
)

const versionColumns = `tenant_id, workflow_id, version, derived_from, definition, created_by, created_at`

func scanVersion(r rowScanner) (*flowtype.WorkflowVersion, error) {
	var v flowtype.WorkflowVersion
	var def []byte
	var created int64
	if err := r.Scan(&v.TenantID, &v.WorkflowID, &v.Version, &v.DerivedFrom, &def, &v.CreatedBy, &created); err != nil {
		return nil, err
	}
	v.Definition = rawJSON(def)
	v.CreatedAt = fromMicros(created)
	return &v, nil
}

func insertVersion(ctx context.Context, q dbtx, v *flowtype.WorkflowVersion) error {
	_, err := q.ExecContext(ctx, `INSERT INTO workflow_versions (`+versionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		v.TenantID, v.WorkflowID, v.Version, v.DerivedFrom, jsonOr(v.Definition, "{}"), v.CreatedBy, micros(v.CreatedAt))
	if err != nil {
		return wrapErr(err, "insert version %d of workflow %s", v.Version, v.WorkflowID)
	}
	return nil
}

// WorkflowVersionInsert stores a new version (CreatedAt defaults to now).
// An existing version number is ErrConflict, so two concurrent edits
// cannot both create version N+1; an unknown workflow is ErrNotFound.
func (e *executor) WorkflowVersionInsert(ctx context.Context, v *flowtype.WorkflowVersion) error {
	e.stampIfZero(&v.CreatedAt)
	return insertVersion(ctx, e.write, v)
}

// WorkflowVersionReplace rewrites the definition, derived_from and
// created_by of a version no instance pins. A missing version is
// ErrNotFound; a pinned one ErrConflict (checked in the same statement, so
// an attach that committed first is never rewritten under it).
func (e *executor) WorkflowVersionReplace(ctx context.Context, v *flowtype.WorkflowVersion) error {
	return e.inTx(ctx, func(q dbtx) error {
		res, err := q.ExecContext(ctx, `
			UPDATE workflow_versions SET definition = $4, derived_from = $5, created_by = $6
			WHERE tenant_id = $1 AND workflow_id = $2 AND version = $3
			AND NOT EXISTS (SELECT 1 FROM instances i
				WHERE i.tenant_id = $1 AND i.workflow_id = $2 AND i.workflow_version = $3)`,
			v.TenantID, v.WorkflowID, v.Version, jsonOr(v.Definition, "{}"), v.DerivedFrom, v.CreatedBy)
		if err != nil {
			return wrapErr(err, "replace version %d of workflow %s", v.Version, v.WorkflowID)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return wrapErr(err, "replace version %d of workflow %s", v.Version, v.WorkflowID)
		}
		if n == 1 {
			return nil
		}
		if _, err := e.versionGet(ctx, q, v.TenantID, v.WorkflowID, v.Version); err != nil {
			return err
		}
		return fmt.Errorf("sqlstore: replace version %d of workflow %s: an instance pins it: %w",
			v.Version, v.WorkflowID, flowtype.ErrConflict)
	})
}

// WorkflowVersionGet returns the version or ErrNotFound.
func (e *executor) WorkflowVersionGet(ctx context.Context, tenantID, workflowID string, version int) (*flowtype.WorkflowVersion, error) {
	return e.versionGet(ctx, e.read, tenantID, workflowID, version)
}

func (e *executor) versionGet(ctx context.Context, q dbtx, tenantID, workflowID string, version int) (*flowtype.WorkflowVersion, error) {
	v, err := scanVersion(q.QueryRowContext(ctx,
		`SELECT `+versionColumns+` FROM workflow_versions WHERE tenant_id = $1 AND workflow_id = $2 AND version = $3`,
		tenantID, workflowID, version))
	if err != nil {
		return nil, readErr(err, "workflow version", fmt.Sprintf("%s@%d", workflowID, version))
	}
	return v, nil
}

// WorkflowVersionList returns every version of the workflow, oldest first
// (empty for an unknown workflow).
func (e *executor) WorkflowVersionList(ctx context.Context, tenantID, workflowID string) ([]*flowtype.WorkflowVersion, error) {
	rows, err := e.read.QueryContext(ctx,
		`SELECT `+versionColumns+` FROM workflow_versions WHERE tenant_id = $1 AND workflow_id = $2 ORDER BY version`,
		tenantID, workflowID)
	list, err := collect(rows, err, scanVersion)
	if err != nil {
		return nil, wrapErr(err, "list versions of workflow %s", workflowID)
	}
	return list, nil
}

// WorkflowVersionPinned reports whether any instance, running or finished,
// pins the version.
func (e *executor) WorkflowVersionPinned(ctx context.Context, tenantID, workflowID string, version int) (bool, error) {
	var pinned bool
	err := e.read.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM instances
			WHERE tenant_id = $1 AND workflow_id = $2 AND workflow_version = $3)`,
		tenantID, workflowID, version).Scan(&pinned)
	if err != nil {
		return false, wrapErr(err, "check whether version %d of workflow %s is pinned", version, workflowID)
	}
	return pinned, nil
}
