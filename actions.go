package flowgate

import (
	"context"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Database actions are part of a workflow's definition (its workflow,
// pipelines and stages each hold a list). These methods edit one action
// through UpdateWorkflow, so the usual rules apply: a handler must be
// registered and action_type must be an action event (a
// *ValidationError names the path otherwise, such as
// pipelines[0].stages[1].actions[2].handler), and an edit of a pinned
// version creates the next version. Running instances see the change:
// actions are resolved from the workflow's current version.

// AddAction appends a to the actions of a scope: definition.ScopeWorkflow
// (scopeID is the workflow id), ScopePipeline (a pipeline id) or
// ScopeStage (a stage id). A missing id is generated.
func (e *Engine) AddAction(ctx context.Context, tenantID, scope, scopeID string, a definition.Action, opts *WriteOpts) (*WorkflowDetail, error) {
	switch scope {
	case definition.ScopeWorkflow:
		return e.UpdateWorkflow(ctx, tenantID, scopeID, func(w *definition.Workflow) error {
			w.Actions = append(w.Actions, a)
			return nil
		}, opts)
	case definition.ScopePipeline:
		return e.UpdatePipeline(ctx, tenantID, scopeID, func(p *definition.Pipeline) error {
			p.Actions = append(p.Actions, a)
			return nil
		}, opts)
	case definition.ScopeStage:
		return e.UpdateStage(ctx, tenantID, scopeID, func(s *definition.Stage) error {
			s.Actions = append(s.Actions, a)
			return nil
		}, opts)
	}
	return nil, flowtype.NewValidationError("scope", "scope must be workflow, pipeline or stage")
}

// UpdateAction edits one database action in place (its id and scope
// cannot change).
func (e *Engine) UpdateAction(ctx context.Context, tenantID, actionID string, edit func(*definition.Action) error, opts *WriteOpts) (*WorkflowDetail, error) {
	wfID, err := e.nodeWorkflow(ctx, tenantID, actionID, flowtype.NodeAction)
	if err != nil {
		return nil, err
	}
	return e.UpdateWorkflow(ctx, tenantID, wfID, func(w *definition.Workflow) error {
		a, _, _ := w.FindAction(actionID)
		if a == nil {
			return flowtype.NotFound("action", actionID)
		}
		if err := edit(a); err != nil {
			return err
		}
		a.ID = actionID
		return nil
	}, opts)
}

// SetActionActive switches one database action on or off.
func (e *Engine) SetActionActive(ctx context.Context, tenantID, actionID string, active bool, opts *WriteOpts) (*WorkflowDetail, error) {
	return e.UpdateAction(ctx, tenantID, actionID, func(a *definition.Action) error {
		a.IsActive = active
		return nil
	}, opts)
}

// DeleteAction removes one database action from the workflow's next
// version.
func (e *Engine) DeleteAction(ctx context.Context, tenantID, actionID string, opts *WriteOpts) (*WorkflowDetail, error) {
	wfID, err := e.nodeWorkflow(ctx, tenantID, actionID, flowtype.NodeAction)
	if err != nil {
		return nil, err
	}
	return e.UpdateWorkflow(ctx, tenantID, wfID, func(w *definition.Workflow) error {
		remove := func(list *[]definition.Action) bool {
			for i := range *list {
				if (*list)[i].ID == actionID {
					*list = append((*list)[:i], (*list)[i+1:]...)
					return true
				}
			}
			return false
		}
		if remove(&w.Actions) {
			return nil
		}
		for pi := range w.Pipelines {
			p := &w.Pipelines[pi]
			if remove(&p.Actions) {
				return nil
			}
			for si := range p.Stages {
				if remove(&p.Stages[si].Actions) {
					return nil
				}
			}
		}
		return flowtype.NotFound("action", actionID)
	}, opts)
}
