package flowgate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// WorkflowDetail is a workflow read: the definition of one version with the
// row's bookkeeping.
type WorkflowDetail struct {
	// Definition is the version's tree. Its IsActive is the workflow's
	// switch as set by its designer.
	Definition *definition.Workflow
	// Version is the version Definition shows; CurrentVersion the newest.
	Version        int
	CurrentVersion int
	// Complete and CompletenessMessage are validate_completeness's answer.
	// An incomplete workflow reads inactive and cannot be attached.
	Complete            bool
	CompletenessMessage string
	CreatedBy           string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// IsActive reports whether the workflow can be attached: switched on by its
// designer and complete.
func (d *WorkflowDetail) IsActive() bool { return d.Definition.IsActive && d.Complete }

// WriteOpts carries who makes a definition change.
type WriteOpts struct {
	// Actor is the user id recorded as the creator of a version.
	Actor string
}

func (o *WriteOpts) actor() string {
	if o == nil {
		return ""
	}
	return o.Actor
}

// CreateWorkflow validates w and stores it as version 1. Missing ids of
// pipelines, stages and actions are generated; w is not modified. Returns a
// *ValidationError listing every problem.
func (e *Engine) CreateWorkflow(ctx context.Context, tenantID string, w *definition.Workflow, opts *WriteOpts) (*WorkflowDetail, error) {
	def, err := copyDefinition(w)
	if err != nil {
		return nil, err
	}
	if def.ID == "" {
		def.ID = newID()
	}
	e.autoCreateActions(def)
	definition.AssignIDs(def, func(string) string { return newID() })
	definition.DefaultDepartmentType(def, e.cfg.DepartmentLinkType)
	tx, err := e.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.TenantGet(ctx, tenantID); err != nil {
		return nil, fmt.Errorf("flowgate: create workflow: tenant %q: %w", tenantID, err)
	}
	if err := e.validateDefinition(ctx, tx, tenantID, def); err != nil {
		return nil, err
	}
	doc, err := definition.EncodeJSON(def)
	if err != nil {
		return nil, err
	}
	row, err := tx.WorkflowInsert(ctx, &store.WorkflowInsertParams{
		TenantID: tenantID, ID: def.ID, Name: def.Name, Strategy: int(def.Strategy),
		IsActive: def.IsActive, CreatedBy: opts.actor(), Definition: doc,
	})
	if err != nil {
		return nil, fmt.Errorf("flowgate: create workflow: %w", err)
	}
	if err := tx.NodeReplace(ctx, tenantID, def.ID, nodesOf(def)); err != nil {
		return nil, fmt.Errorf("flowgate: create workflow: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return detailOf(row, row.CurrentVersion, def), nil
}

// ImportWorkflow decodes a definition file ("json" or "yaml") and creates
// it; when the file names the id of an existing workflow of the tenant, it
// updates that workflow instead (a new version when the current one is
// pinned).
func (e *Engine) ImportWorkflow(ctx context.Context, tenantID string, data []byte, format string, opts *WriteOpts) (*WorkflowDetail, error) {
	def, err := definition.Decode(data, format)
	if err != nil {
		return nil, err
	}
	if def.ID != "" {
		if _, err := e.store.WorkflowGet(ctx, tenantID, def.ID); err == nil {
			return e.UpdateWorkflow(ctx, tenantID, def.ID, func(cur *definition.Workflow) error {
				*cur = *def
				return nil
			}, opts)
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	return e.CreateWorkflow(ctx, tenantID, def, opts)
}

// ExportWorkflow encodes a version of a workflow ("json" or "yaml"); version
// 0 means the current one.
func (e *Engine) ExportWorkflow(ctx context.Context, tenantID, id string, version int, format string) ([]byte, error) {
	d, err := e.GetWorkflowVersion(ctx, tenantID, id, version)
	if err != nil {
		return nil, err
	}
	switch format {
	case "yaml", "yml":
		return definition.EncodeYAML(d.Definition)
	case "json", "":
		return definition.EncodeJSON(d.Definition)
	}
	return nil, fmt.Errorf("flowgate: unknown export format %q (json or yaml)", format)
}

// GetWorkflow reads a workflow's current version. Returns ErrNotFound when
// the tenant has no such workflow.
func (e *Engine) GetWorkflow(ctx context.Context, tenantID, id string) (*WorkflowDetail, error) {
	return e.GetWorkflowVersion(ctx, tenantID, id, 0)
}

// GetWorkflowVersion reads one version (0: the current one).
func (e *Engine) GetWorkflowVersion(ctx context.Context, tenantID, id string, version int) (*WorkflowDetail, error) {
	row, err := e.store.WorkflowGet(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if version == 0 {
		version = row.CurrentVersion
	}
	def, err := readDefinition(ctx, e.store, row, version)
	if err != nil {
		return nil, err
	}
	return detailOf(row, version, def), nil
}

// ListWorkflowsParams filters ListWorkflows.
type ListWorkflowsParams struct {
	IsActive *bool
	Query    string
	AfterID  string
	Limit    int
}

// ListWorkflows lists a tenant's workflows by id, each at its current
// version.
func (e *Engine) ListWorkflows(ctx context.Context, tenantID string, p *ListWorkflowsParams) ([]*WorkflowDetail, error) {
	if p == nil {
		p = &ListWorkflowsParams{}
	}
	rows, err := e.store.WorkflowList(ctx, &store.WorkflowListParams{
		TenantID: tenantID, IsActive: p.IsActive, Query: p.Query, AfterID: p.AfterID, Limit: p.Limit,
	})
	if err != nil {
		return nil, err
	}
	out := make([]*WorkflowDetail, 0, len(rows))
	for _, row := range rows {
		def, err := readDefinition(ctx, e.store, row, row.CurrentVersion)
		if err != nil {
			return nil, err
		}
		out = append(out, detailOf(row, row.CurrentVersion, def))
	}
	return out, nil
}

// WorkflowVersions lists every version of a workflow, oldest first.
func (e *Engine) WorkflowVersions(ctx context.Context, tenantID, id string) ([]*flowtype.WorkflowVersion, error) {
	if _, err := e.store.WorkflowGet(ctx, tenantID, id); err != nil {
		return nil, err
	}
	return e.store.WorkflowVersionList(ctx, tenantID, id)
}

// UpdateWorkflow applies edit to a copy of the current version's definition,
// validates the result and stores it: as version N+1 derived from N when
// any instance pins version N, else in place. Running instances never see
// the change. The workflow id and the ids of existing nodes cannot change.
func (e *Engine) UpdateWorkflow(ctx context.Context, tenantID, id string, edit func(*definition.Workflow) error, opts *WriteOpts) (*WorkflowDetail, error) {
	tx, err := e.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	row, err := tx.WorkflowGet(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	def, err := readDefinition(ctx, tx, row, row.CurrentVersion)
	if err != nil {
		return nil, err
	}
	if err := edit(def); err != nil {
		return nil, err
	}
	def.ID = id
	definition.AssignIDs(def, func(string) string { return newID() })
	definition.DefaultDepartmentType(def, e.cfg.DepartmentLinkType)
	if err := e.validateDefinition(ctx, tx, tenantID, def); err != nil {
		return nil, err
	}
	doc, err := definition.EncodeJSON(def)
	if err != nil {
		return nil, err
	}
	pinned, err := tx.WorkflowVersionPinned(ctx, tenantID, id, row.CurrentVersion)
	if err != nil {
		return nil, err
	}
	newVersion := row.CurrentVersion
	v := &flowtype.WorkflowVersion{
		TenantID: tenantID, WorkflowID: id, Version: newVersion, Definition: doc,
		CreatedBy: opts.actor(), CreatedAt: e.now(),
	}
	if pinned {
		newVersion++
		v.Version, v.DerivedFrom = newVersion, row.CurrentVersion
		err = tx.WorkflowVersionInsert(ctx, v)
	} else {
		err = tx.WorkflowVersionReplace(ctx, v)
	}
	if err != nil {
		return nil, fmt.Errorf("flowgate: update workflow %s: %w", id, err)
	}
	row, err = tx.WorkflowUpdate(ctx, &store.WorkflowUpdateParams{
		TenantID: tenantID, ID: id, Name: def.Name, Strategy: int(def.Strategy), IsActive: def.IsActive,
		CurrentVersion: newVersion, ExpectedVersion: row.CurrentVersion,
	})
	if err != nil {
		return nil, fmt.Errorf("flowgate: update workflow %s: %w", id, err)
	}
	if err := tx.NodeReplace(ctx, tenantID, id, e.allNodes(ctx, tx, tenantID, id, def)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return detailOf(row, newVersion, def), nil
}

// SetWorkflowActive switches a workflow on or off (DELETE in the API is
// "off"). An inactive workflow cannot be attached; running instances go on
// with the version they pinned. The switch is not versioned.
func (e *Engine) SetWorkflowActive(ctx context.Context, tenantID, id string, active bool) (*WorkflowDetail, error) {
	tx, err := e.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	row, err := tx.WorkflowGet(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	row, err = tx.WorkflowUpdate(ctx, &store.WorkflowUpdateParams{
		TenantID: tenantID, ID: id, Name: row.Name, Strategy: row.Strategy, IsActive: active,
		CurrentVersion: row.CurrentVersion, ExpectedVersion: row.CurrentVersion,
	})
	if err != nil {
		return nil, err
	}
	def, err := readDefinition(ctx, tx, row, row.CurrentVersion)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return detailOf(row, row.CurrentVersion, def), nil
}

// ValidateWorkflow is the original's validate_completeness on the current
// version: (valid, message).
func (e *Engine) ValidateWorkflow(ctx context.Context, tenantID, id string) (bool, string, error) {
	d, err := e.GetWorkflow(ctx, tenantID, id)
	if err != nil {
		return false, "", err
	}
	return d.Complete, d.CompletenessMessage, nil
}

// AddPipeline appends p to a workflow (strategy rules apply).
func (e *Engine) AddPipeline(ctx context.Context, tenantID, workflowID string, p definition.Pipeline, opts *WriteOpts) (*WorkflowDetail, error) {
	return e.UpdateWorkflow(ctx, tenantID, workflowID, func(w *definition.Workflow) error {
		w.Pipelines = append(w.Pipelines, p)
		return nil
	}, opts)
}

// UpdatePipeline edits one pipeline in place of its workflow.
func (e *Engine) UpdatePipeline(ctx context.Context, tenantID, pipelineID string, edit func(*definition.Pipeline) error, opts *WriteOpts) (*WorkflowDetail, error) {
	wfID, err := e.nodeWorkflow(ctx, tenantID, pipelineID, flowtype.NodePipeline)
	if err != nil {
		return nil, err
	}
	return e.UpdateWorkflow(ctx, tenantID, wfID, func(w *definition.Workflow) error {
		p := w.FindPipeline(pipelineID)
		if p == nil {
			return flowtype.NotFound("pipeline", pipelineID)
		}
		if err := edit(p); err != nil {
			return err
		}
		p.ID = pipelineID
		return nil
	}, opts)
}

// DeletePipeline removes a pipeline (and its stages) from the workflow's
// next version.
func (e *Engine) DeletePipeline(ctx context.Context, tenantID, pipelineID string, opts *WriteOpts) (*WorkflowDetail, error) {
	wfID, err := e.nodeWorkflow(ctx, tenantID, pipelineID, flowtype.NodePipeline)
	if err != nil {
		return nil, err
	}
	return e.UpdateWorkflow(ctx, tenantID, wfID, func(w *definition.Workflow) error {
		for i := range w.Pipelines {
			if w.Pipelines[i].ID == pipelineID {
				w.Pipelines = append(w.Pipelines[:i], w.Pipelines[i+1:]...)
				return nil
			}
		}
		return flowtype.NotFound("pipeline", pipelineID)
	}, opts)
}

// AddStage appends s to a pipeline.
func (e *Engine) AddStage(ctx context.Context, tenantID, pipelineID string, s definition.Stage, opts *WriteOpts) (*WorkflowDetail, error) {
	return e.UpdatePipeline(ctx, tenantID, pipelineID, func(p *definition.Pipeline) error {
		p.Stages = append(p.Stages, s)
		return nil
	}, opts)
}

// UpdateStage edits one stage (the original's partial StageSerializer
// update).
func (e *Engine) UpdateStage(ctx context.Context, tenantID, stageID string, edit func(*definition.Stage) error, opts *WriteOpts) (*WorkflowDetail, error) {
	wfID, err := e.nodeWorkflow(ctx, tenantID, stageID, flowtype.NodeStage)
	if err != nil {
		return nil, err
	}
	return e.UpdateWorkflow(ctx, tenantID, wfID, func(w *definition.Workflow) error {
		_, s := w.FindStage(stageID)
		if s == nil {
			return flowtype.NotFound("stage", stageID)
		}
		if err := edit(s); err != nil {
			return err
		}
		s.ID = stageID
		return nil
	}, opts)
}

// DeleteStage removes a stage from the workflow's next version.
func (e *Engine) DeleteStage(ctx context.Context, tenantID, stageID string, opts *WriteOpts) (*WorkflowDetail, error) {
	wfID, err := e.nodeWorkflow(ctx, tenantID, stageID, flowtype.NodeStage)
	if err != nil {
		return nil, err
	}
	return e.UpdateWorkflow(ctx, tenantID, wfID, func(w *definition.Workflow) error {
		for pi := range w.Pipelines {
			p := &w.Pipelines[pi]
			for si := range p.Stages {
				if p.Stages[si].ID == stageID {
					p.Stages = append(p.Stages[:si], p.Stages[si+1:]...)
					return nil
				}
			}
		}
		return flowtype.NotFound("stage", stageID)
	}, opts)
}

func (e *Engine) nodeWorkflow(ctx context.Context, tenantID, id string, kind flowtype.NodeKind) (string, error) {
	n, err := e.store.NodeGet(ctx, tenantID, id)
	if err != nil {
		return "", err
	}
	if n.Kind != kind {
		return "", flowtype.NotFound(string(kind), id)
	}
	return n.WorkflowID, nil
}

// allNodes lists the nodes of def plus those of the workflow's older
// versions, so that ids of removed stages still resolve (a send-back to
// them is "Stage does not belong to current workflow", not "Invalid").
func (e *Engine) allNodes(ctx context.Context, x store.Executor, tenantID, id string, def *definition.Workflow) []flowtype.Node {
	seen := map[string]bool{}
	var out []flowtype.Node
	add := func(d *definition.Workflow) {
		for _, n := range nodesOf(d) {
			if !seen[n.ID] {
				seen[n.ID] = true
				out = append(out, n)
			}
		}
	}
	add(def)
	if versions, err := x.WorkflowVersionList(ctx, tenantID, id); err == nil {
		for _, v := range versions {
			if old, err := definition.DecodeJSON(v.Definition); err == nil {
				old.ID = id
				add(old)
			}
		}
	}
	return out
}

func nodesOf(def *definition.Workflow) []flowtype.Node {
	var out []flowtype.Node
	add := func(id string, kind flowtype.NodeKind) {
		if id != "" {
			out = append(out, flowtype.Node{ID: id, Kind: kind, WorkflowID: def.ID})
		}
	}
	for _, a := range def.Actions {
		add(a.ID, flowtype.NodeAction)
	}
	for _, p := range def.Pipelines {
		add(p.ID, flowtype.NodePipeline)
		for _, a := range p.Actions {
			add(a.ID, flowtype.NodeAction)
		}
		for _, s := range p.Stages {
			add(s.ID, flowtype.NodeStage)
			for _, a := range s.Actions {
				add(a.ID, flowtype.NodeAction)
			}
		}
	}
	return out
}

func readDefinition(ctx context.Context, x store.Executor, row *flowtype.WorkflowRow, version int) (*definition.Workflow, error) {
	v, err := x.WorkflowVersionGet(ctx, row.TenantID, row.ID, version)
	if err != nil {
		return nil, fmt.Errorf("flowgate: workflow %s version %d: %w", row.ID, version, err)
	}
	def, err := definition.DecodeJSON(v.Definition)
	if err != nil {
		return nil, fmt.Errorf("flowgate: decode workflow %s version %d: %w", row.ID, version, err)
	}
	def.ID = row.ID
	def.IsActive = row.IsActive
	return def, nil
}

func detailOf(row *flowtype.WorkflowRow, version int, def *definition.Workflow) *WorkflowDetail {
	def.IsActive = row.IsActive
	ok, msg := definition.Completeness(def)
	return &WorkflowDetail{
		Definition: def, Version: version, CurrentVersion: row.CurrentVersion,
		Complete: ok, CompletenessMessage: msg,
		CreatedBy: row.CreatedBy, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt,
	}
}

func copyDefinition(w *definition.Workflow) (*definition.Workflow, error) {
	if w == nil {
		return nil, flowtype.NewValidationError("", "a workflow definition is required")
	}
	doc, err := definition.EncodeJSON(w)
	if err != nil {
		return nil, err
	}
	return definition.DecodeJSON(doc)
}
