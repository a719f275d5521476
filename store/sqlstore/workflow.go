package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const workflowColumns = `tenant_id, id, name, strategy, is_active, current_version, created_by, created_at, updated_at`

func scanWorkflow(r rowScanner) (*flowtype.WorkflowRow, error) {
	var w flowtype.WorkflowRow
	var name []byte
	var created, updated int64
	if err := r.Scan(&w.TenantID, &w.ID, &name, &w.Strategy, &w.IsActive, &w.CurrentVersion,
		&w.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(name, &w.Name); err != nil {
		return nil, err
	}
	w.CreatedAt, w.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &w, nil
}

// nameSearch is what WorkflowList's Query matches: every localized name,
// lower-cased, one a line. Lowering in Go (not with SQL LOWER or ILIKE)
// gives the same Unicode folding on both engines.
func nameSearch(name map[string]string) string {
	names := make([]string, 0, len(name))
	for _, tag := range slices.Sorted(maps.Keys(name)) {
		names = append(names, strings.ToLower(name[tag]))
	}
	return strings.Join(names, "\n")
}

// likeContains is a LIKE pattern (with ESCAPE '\') matching s anywhere.
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// WorkflowInsert creates the workflow row with current_version 1 and its
// version 1 holding p.Definition, in one transaction. An existing id is
// ErrConflict; an unknown tenant ErrNotFound.
func (e *executor) WorkflowInsert(ctx context.Context, p *store.WorkflowInsertParams) (*flowtype.WorkflowRow, error) {
	name, err := marshal(p.Name)
	if err != nil {
		return nil, wrapErr(err, "insert workflow %s", p.ID)
	}
	now := e.stamp()
	var w *flowtype.WorkflowRow
	err = e.inTx(ctx, func(q dbtx) error {
		var err error
		w, err = scanWorkflow(q.QueryRowContext(ctx, `
			INSERT INTO workflows (tenant_id, id, name, name_search, strategy, is_active, current_version,
				created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)
			RETURNING `+workflowColumns,
			p.TenantID, p.ID, name, nameSearch(p.Name), p.Strategy, p.IsActive, p.CreatedBy, micros(now)))
		if err != nil {
			return wrapErr(err, "insert workflow %s", p.ID)
		}
		return insertVersion(ctx, q, &flowtype.WorkflowVersion{
			TenantID: p.TenantID, WorkflowID: p.ID, Version: 1,
			Definition: p.Definition, CreatedBy: p.CreatedBy, CreatedAt: now,
		})
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// WorkflowGet returns the workflow row or ErrNotFound.
func (e *executor) WorkflowGet(ctx context.Context, tenantID, id string) (*flowtype.WorkflowRow, error) {
	w, err := scanWorkflow(e.read.QueryRowContext(ctx,
		`SELECT `+workflowColumns+` FROM workflows WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return nil, readErr(err, "workflow", id)
	}
	return w, nil
}

// WorkflowList returns a page of workflows ordered by id, after AfterID,
// filtered by IsActive and by Query (a case-insensitive substring of any
// localized name). Limit defaults to 50 and is capped at 500.
func (e *executor) WorkflowList(ctx context.Context, p *store.WorkflowListParams) ([]*flowtype.WorkflowRow, error) {
	var a args
	where := `tenant_id = ` + a.add(p.TenantID) + ` AND id > ` + a.add(p.AfterID)
	if p.IsActive != nil {
		where += ` AND is_active = ` + a.add(*p.IsActive)
	}
	if p.Query != "" {
		where += ` AND name_search LIKE ` + a.add(likeContains(p.Query)) + ` ESCAPE '\'`
	}
	rows, err := e.read.QueryContext(ctx,
		`SELECT `+workflowColumns+` FROM workflows WHERE `+where+` ORDER BY id LIMIT `+a.add(pageLimit(p.Limit)),
		a...)
	list, err := collect(rows, err, scanWorkflow)
	if err != nil {
		return nil, wrapErr(err, "list workflows")
	}
	return list, nil
}

// WorkflowUpdate sets the summary columns. With ExpectedVersion not zero
// it changes the row only while current_version equals it, and fails with
// ErrConflict otherwise. A missing workflow is ErrNotFound.
func (e *executor) WorkflowUpdate(ctx context.Context, p *store.WorkflowUpdateParams) (*flowtype.WorkflowRow, error) {
	name, err := marshal(p.Name)
	if err != nil {
		return nil, wrapErr(err, "update workflow %s", p.ID)
	}
	var w *flowtype.WorkflowRow
	err = e.inTx(ctx, func(q dbtx) error {
		var a args
		set := `name = ` + a.add(name) + `, name_search = ` + a.add(nameSearch(p.Name)) +
			`, strategy = ` + a.add(p.Strategy) + `, is_active = ` + a.add(p.IsActive) +
			`, current_version = ` + a.add(p.CurrentVersion) + `, updated_at = ` + a.add(micros(e.stamp()))
		where := `tenant_id = ` + a.add(p.TenantID) + ` AND id = ` + a.add(p.ID)
		if p.ExpectedVersion != 0 {
			where += ` AND current_version = ` + a.add(p.ExpectedVersion)
		}
		var err error
		w, err = scanWorkflow(q.QueryRowContext(ctx,
			`UPDATE workflows SET `+set+` WHERE `+where+` RETURNING `+workflowColumns, a...))
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) || p.ExpectedVersion == 0 {
			return readErr(err, "workflow", p.ID)
		}
		// No row: tell a missing workflow from a stale version.
		if _, gerr := scanWorkflow(q.QueryRowContext(ctx,
			`SELECT `+workflowColumns+` FROM workflows WHERE tenant_id = $1 AND id = $2`,
			p.TenantID, p.ID)); gerr != nil {
			return readErr(gerr, "workflow", p.ID)
		}
		return fmt.Errorf("sqlstore: update workflow %s: current version is not %d: %w",
			p.ID, p.ExpectedVersion, flowtype.ErrConflict)
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}
