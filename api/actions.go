package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Action is a database action: what runs on an event at its scope.
type Action struct {
	ID           string          `json:"id"`
	WorkflowID   string          `json:"workflow_id"`
	Scope        string          `json:"scope" enum:"workflow,pipeline,stage"`
	ScopeID      string          `json:"scope_id"`
	ActionType   string          `json:"action_type"`
	Handler      string          `json:"handler"`
	FunctionPath string          `json:"function_path" doc:"The original's name for handler."`
	Parameters   json.RawMessage `json:"parameters"`
	Order        int             `json:"order"`
	IsActive     bool            `json:"is_active"`
}

func actionOf(workflowID, scope, scopeID string, a *definition.Action) Action {
	return Action{
		ID: a.ID, WorkflowID: workflowID, Scope: scope, ScopeID: scopeID, ActionType: a.ActionType,
		Handler: a.Handler, FunctionPath: a.Handler, Parameters: objectOr(a.Parameters), Order: a.Order, IsActive: a.IsActive,
	}
}

func actionsOf(workflowID, scope, scopeID string, list []definition.Action) []Action {
	out := make([]Action, 0, len(list))
	for i := range list {
		out = append(out, actionOf(workflowID, scope, scopeID, &list[i]))
	}
	return out
}

// ActionCreateRequest is the body of POST /actions.
type ActionCreateRequest struct {
	Scope   string `json:"scope" enum:"workflow,pipeline,stage"`
	ScopeID FlexID `json:"scope_id" doc:"The workflow, pipeline or stage id."`
	ActionRequest
}

type actionListInput struct {
	PageParams
	WorkflowID string `query:"workflow_id"`
	Scope      string `query:"scope" enum:"workflow,pipeline,stage,"`
	ScopeID    string `query:"scope_id"`
	ActionType string `query:"action_type"`
}

type actionCreateInput struct {
	RawBody []byte
}

// ActionBody is an answer holding one action.
type ActionBody struct {
	Status int `json:"-"`
	Body   *Action
}

func (s *Server) actionRoutes() {
	register(s, huma.Operation{
		OperationID: "listActions", Method: http.MethodGet, Path: "/api/v1/actions", Tags: []string{"Definitions"},
		Summary: "List the database actions of the current versions of the tenant's workflows",
	}, nil, s.listActions)
	register(s, huma.Operation{
		OperationID: "createAction", Method: http.MethodPost, Path: "/api/v1/actions", Tags: []string{"Definitions"},
		Summary:       "Add an action at a scope",
		Description:   "handler (or the original's function_path) must name a registered handler; action_type an action event.",
		DefaultStatus: http.StatusCreated, Errors: writeErrors,
	}, ActionCreateRequest{}, s.createAction)
	register(s, huma.Operation{
		OperationID: "updateAction", Method: http.MethodPatch, Path: "/api/v1/actions/{id}", Tags: []string{"Definitions"},
		Summary: "Change an action (partial update)", Errors: writeErrors,
	}, ActionRequest{}, s.updateAction)
	register(s, huma.Operation{
		OperationID: "deleteAction", Method: http.MethodDelete, Path: "/api/v1/actions/{id}", Tags: []string{"Definitions"},
		Summary: "Remove an action from the workflow's next version", DefaultStatus: http.StatusNoContent, Errors: writeErrors,
	}, nil, s.deleteAction)
}

// allActions lists the actions of every workflow's current version, by
// workflow id then in definition order.
func (s *Server) allActions(ctx context.Context, tenant, workflowID string) ([]Action, error) {
	var details []*flowgate.WorkflowDetail
	if workflowID != "" {
		d, err := s.e.GetWorkflow(ctx, tenant, workflowID)
		if err != nil {
			return nil, err
		}
		details = append(details, d)
	} else {
		after := ""
		for {
			page, err := s.e.ListWorkflows(ctx, tenant, &flowgate.ListWorkflowsParams{AfterID: after, Limit: maxLimit})
			if err != nil {
				return nil, err
			}
			details = append(details, page...)
			if len(page) < maxLimit {
				break
			}
			after = page[len(page)-1].Definition.ID
		}
	}
	var out []Action
	for _, d := range details {
		w := d.Definition
		out = append(out, actionsOf(w.ID, definition.ScopeWorkflow, w.ID, w.Actions)...)
		for _, p := range w.SortedPipelines() {
			out = append(out, actionsOf(w.ID, definition.ScopePipeline, p.ID, p.Actions)...)
			for _, st := range p.SortedStages() {
				out = append(out, actionsOf(w.ID, definition.ScopeStage, st.ID, st.Actions)...)
			}
		}
	}
	return out, nil
}

func (s *Server) listActions(ctx context.Context, in *actionListInput) (*struct{ Body *Page[Action] }, error) {
	p := principalFrom(ctx)
	all, err := s.allActions(ctx, p.TenantID, in.WorkflowID)
	if err != nil {
		return nil, err
	}
	var list []Action
	for _, a := range all {
		if (in.Scope == "" || a.Scope == in.Scope) && (in.ScopeID == "" || a.ScopeID == in.ScopeID) &&
			(in.ActionType == "" || a.ActionType == in.ActionType) {
			list = append(list, a)
		}
	}
	// The cursor is the position: actions have no order of their own ids.
	keyed := make([]keyedAction, len(list))
	for i, a := range list {
		keyed[i] = keyedAction{key: padded(i), Action: a}
	}
	page, err := pageOf(keyed, func(k keyedAction) string { return k.key }, &in.PageParams, "a")
	if err != nil {
		return nil, err
	}
	out := &Page[Action]{Items: make([]Action, len(page.Items)), NextCursor: page.NextCursor}
	for i, k := range page.Items {
		out.Items[i] = k.Action
	}
	return &struct{ Body *Page[Action] }{out}, nil
}

type keyedAction struct {
	key string
	Action
}

func (s *Server) createAction(ctx context.Context, in *actionCreateInput) (*ActionBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	sent, err := members(in.RawBody)
	if err != nil {
		return nil, err
	}
	var scope, scopeID string
	verr := &flowtype.ValidationError{}
	if raw, ok := sent["scope"]; !ok || json.Unmarshal(raw, &scope) != nil ||
		(scope != definition.ScopeWorkflow && scope != definition.ScopePipeline && scope != definition.ScopeStage) {
		verr.Add("scope", "scope must be workflow, pipeline or stage")
	}
	var id FlexID
	if raw, ok := sent["scope_id"]; !ok || id.UnmarshalJSON(raw) != nil || id == "" {
		verr.Add("scope_id", "scope_id is required: the id of the workflow, pipeline or stage")
	}
	scopeID = string(id)
	delete(sent, "scope")
	delete(sent, "scope_id")
	if err := verr.Err(); err != nil {
		return nil, err
	}
	workflowID := scopeID
	if scope != definition.ScopeWorkflow {
		if err := s.nodeExists(ctx, p.TenantID, scopeID, flowtype.NodeKind(scope)); err != nil {
			return nil, err
		}
		workflowID = s.workflowIDOf(ctx, p.TenantID, scopeID)
	}
	if _, err := s.e.GetWorkflow(ctx, p.TenantID, workflowID); err != nil {
		return nil, err
	}
	rest, _ := json.Marshal(sent)
	a, err := definition.DecodeActionJSON(rest)
	if err != nil {
		return nil, err
	}
	if a.ID == "" {
		a.ID = newNodeID()
	}
	prefix := ""
	d, err := s.e.UpdateWorkflow(ctx, p.TenantID, workflowID, func(w *definition.Workflow) error {
		list, path := actionList(w, scope, scopeID)
		if list == nil {
			return flowtype.NotFound(scope, scopeID)
		}
		prefix = path + "[" + strconv.Itoa(len(*list)) + "]"
		*list = append(*list, *a)
		return nil
	}, &flowgate.WriteOpts{Actor: p.UserID})
	if err != nil {
		return nil, relativePaths(err, prefix)
	}
	found, sc, scID := d.Definition.FindAction(a.ID)
	out := actionOf(workflowID, sc, scID, found)
	return &ActionBody{Status: http.StatusCreated, Body: &out}, nil
}

// actionList returns the actions list of a scope and its path.
func actionList(w *definition.Workflow, scope, scopeID string) (*[]definition.Action, string) {
	switch scope {
	case definition.ScopeWorkflow:
		return &w.Actions, "actions"
	case definition.ScopePipeline:
		for i := range w.Pipelines {
			if w.Pipelines[i].ID == scopeID {
				return &w.Pipelines[i].Actions, "pipelines[" + strconv.Itoa(i) + "].actions"
			}
		}
	case definition.ScopeStage:
		for i := range w.Pipelines {
			for j := range w.Pipelines[i].Stages {
				if w.Pipelines[i].Stages[j].ID == scopeID {
					return &w.Pipelines[i].Stages[j].Actions, "pipelines[" + strconv.Itoa(i) + "].stages[" + strconv.Itoa(j) + "].actions"
				}
			}
		}
	}
	return nil, ""
}

// actionPath finds an action's path in a workflow.
func actionPath(w *definition.Workflow, id string) string {
	_, scope, scopeID := w.FindAction(id)
	list, path := actionList(w, scope, scopeID)
	if list == nil {
		return ""
	}
	for i, a := range *list {
		if a.ID == id {
			return path + "[" + strconv.Itoa(i) + "]"
		}
	}
	return ""
}

func (s *Server) updateAction(ctx context.Context, in *nodePatchInput) (*ActionBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.nodeExists(ctx, p.TenantID, in.ID, flowtype.NodeAction); err != nil {
		return nil, err
	}
	cur, err := s.nodeWorkflow(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	if a, _, _ := cur.Definition.FindAction(in.ID); a == nil {
		return nil, flowtype.NotFound("action", in.ID)
	}
	sent, err := members(in.RawBody)
	if err != nil {
		return nil, err
	}
	dec, err := definition.DecodeActionJSON(in.RawBody)
	if err != nil {
		return nil, err
	}
	if _, ok := sent["id"]; ok && dec.ID != in.ID {
		return nil, validationProblem("id", "id cannot change")
	}
	wfID := cur.Definition.ID
	d, err := s.e.UpdateWorkflow(ctx, p.TenantID, wfID, func(w *definition.Workflow) error {
		a, _, _ := w.FindAction(in.ID)
		if a == nil {
			return flowtype.NotFound("action", in.ID)
		}
		if _, ok := sent["action_type"]; ok {
			a.ActionType = dec.ActionType
		}
		_, h := sent["handler"]
		_, fp := sent["function_path"]
		if h || fp {
			a.Handler = dec.Handler
		}
		if _, ok := sent["parameters"]; ok {
			a.Parameters = dec.Parameters
		}
		if _, ok := sent["order"]; ok {
			a.Order = dec.Order
		}
		if _, ok := sent["is_active"]; ok {
			a.IsActive = dec.IsActive
		}
		return nil
	}, &flowgate.WriteOpts{Actor: p.UserID})
	if err != nil {
		return nil, relativePaths(err, actionPath(cur.Definition, in.ID))
	}
	a, sc, scID := d.Definition.FindAction(in.ID)
	out := actionOf(wfID, sc, scID, a)
	return &ActionBody{Body: &out}, nil
}

func (s *Server) deleteAction(ctx context.Context, in *nodeIDInput) (*emptyOutput, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.nodeExists(ctx, p.TenantID, in.ID, flowtype.NodeAction); err != nil {
		return nil, err
	}
	cur, err := s.nodeWorkflow(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	_, err = s.e.UpdateWorkflow(ctx, p.TenantID, cur.Definition.ID, func(w *definition.Workflow) error {
		_, scope, scopeID := w.FindAction(in.ID)
		list, _ := actionList(w, scope, scopeID)
		if list == nil {
			return flowtype.NotFound("action", in.ID)
		}
		for i, a := range *list {
			if a.ID == in.ID {
				*list = append((*list)[:i], (*list)[i+1:]...)
				return nil
			}
		}
		return flowtype.NotFound("action", in.ID)
	}, &flowgate.WriteOpts{Actor: p.UserID})
	if err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}
