package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
)

// WorkflowBody is an answer holding one workflow.
type WorkflowBody struct {
	Status int `json:"-"`
	Body   *Workflow
}

type workflowCreateInput struct {
	RawBody []byte
}

type workflowIDInput struct {
	ID string `path:"id"`
}

type workflowGetInput struct {
	ID      string `path:"id"`
	Version int    `query:"version" minimum:"0" doc:"A version to read instead of the current one."`
}

type workflowPatchInput struct {
	ID      string `path:"id"`
	RawBody []byte
}

type workflowListInput struct {
	PageParams
	IsActive string `query:"is_active" enum:"true,false," doc:"Only attachable (true) or not attachable (false) workflows."`
	Q        string `query:"q" doc:"Matches any localized name, case-insensitively."`
}

func (s *Server) workflowRoutes() {
	register(s, huma.Operation{
		OperationID: "createWorkflow", Method: http.MethodPost, Path: "/api/v1/workflows", Tags: []string{"Definitions"},
		Summary:       "Create a workflow",
		Description:   "The original's WorkFlowSerializer payload: nested pipelines → stages, number_of_stages, strategy, *_info with approvals, nested actions, name_en / name_ar. Admin keys only.",
		DefaultStatus: http.StatusCreated, Errors: writeErrors,
	}, WorkflowRequest{}, s.createWorkflow)
	register(s, huma.Operation{
		OperationID: "listWorkflows", Method: http.MethodGet, Path: "/api/v1/workflows", Tags: []string{"Definitions"},
		Summary: "List workflows",
	}, nil, s.listWorkflows)
	register(s, huma.Operation{
		OperationID: "getWorkflow", Method: http.MethodGet, Path: "/api/v1/workflows/{id}", Tags: []string{"Definitions"},
		Summary: "Read a workflow (the detailed shape)",
	}, nil, s.getWorkflow)
	register(s, huma.Operation{
		OperationID: "updateWorkflow", Method: http.MethodPatch, Path: "/api/v1/workflows/{id}", Tags: []string{"Definitions"},
		Summary:     "Change a workflow",
		Description: "A partial update: only the members sent change. It creates a new version when running instances pin the current one; they keep theirs. is_active alone switches the workflow without a new version.",
		Errors:      writeErrors,
	}, WorkflowRequest{}, s.updateWorkflow)
	register(s, huma.Operation{
		OperationID: "deactivateWorkflow", Method: http.MethodDelete, Path: "/api/v1/workflows/{id}", Tags: []string{"Definitions"},
		Summary:     "Deactivate a workflow",
		Description: "No new attaches; running instances go on with the version they pinned.",
		Errors:      writeErrors,
	}, nil, s.deactivateWorkflow)
	register(s, huma.Operation{
		OperationID: "validateWorkflow", Method: http.MethodPost, Path: "/api/v1/workflows/{id}/validate", Tags: []string{"Definitions"},
		Summary: "Check a workflow's completeness (the original's validate_completeness)",
	}, nil, s.validateWorkflow)
}

func (s *Server) createWorkflow(ctx context.Context, in *workflowCreateInput) (*WorkflowBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	def, compat, err := definition.DecodeWithCompat(in.RawBody, "json")
	if err != nil {
		return nil, err
	}
	if err := checkCompany(p, compat); err != nil {
		return nil, err
	}
	d, err := s.e.CreateWorkflow(ctx, p.TenantID, def, &flowgate.WriteOpts{Actor: p.UserID})
	if err != nil {
		return nil, err
	}
	return &WorkflowBody{Status: http.StatusCreated, Body: s.workflowOf(ctx, p.TenantID, d)}, nil
}

// checkCompany accepts the original's company when it names the key's
// tenant.
func checkCompany(p *principal, compat *definition.Compat) error {
	if compat != nil && compat.Company != "" && compat.Company != p.TenantID {
		return validationProblem("company", "company must be this key's tenant ("+p.TenantID+") or be omitted")
	}
	return nil
}

func (s *Server) listWorkflows(ctx context.Context, in *workflowListInput) (*struct{ Body *Page[WorkflowListItem] }, error) {
	p := principalFrom(ctx)
	after, err := in.after("w")
	if err != nil {
		return nil, err
	}
	params := &flowgate.ListWorkflowsParams{Query: in.Q, AfterID: after, Limit: in.limit()}
	if in.IsActive != "" {
		active := in.IsActive == "true"
		params.IsActive = &active
	}
	list, err := s.e.ListWorkflows(ctx, p.TenantID, params)
	if err != nil {
		return nil, err
	}
	page := &Page[WorkflowListItem]{Items: make([]WorkflowListItem, 0, len(list))}
	for _, d := range list {
		page.Items = append(page.Items, workflowListItemOf(p.TenantID, d))
	}
	if n := len(list); n > 0 {
		page.NextCursor = nextCursor("w", n == in.limit(), list[n-1].Definition.ID)
	}
	return &struct{ Body *Page[WorkflowListItem] }{page}, nil
}

func (s *Server) getWorkflow(ctx context.Context, in *workflowGetInput) (*WorkflowBody, error) {
	p := principalFrom(ctx)
	d, err := s.e.GetWorkflowVersion(ctx, p.TenantID, in.ID, in.Version)
	if err != nil {
		return nil, err
	}
	return &WorkflowBody{Body: s.workflowOf(ctx, p.TenantID, d)}, nil
}

func (s *Server) deactivateWorkflow(ctx context.Context, in *workflowIDInput) (*WorkflowBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	d, err := s.e.SetWorkflowActive(ctx, p.TenantID, in.ID, false)
	if err != nil {
		return nil, err
	}
	return &WorkflowBody{Body: s.workflowOf(ctx, p.TenantID, d)}, nil
}

// ValidationResult is validate_completeness's answer.
type ValidationResult struct {
	Valid   bool   `json:"valid"`
	Message string `json:"message"`
}

func (s *Server) validateWorkflow(ctx context.Context, in *workflowIDInput) (*struct{ Body ValidationResult }, error) {
	p := principalFrom(ctx)
	ok, msg, err := s.e.ValidateWorkflow(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body ValidationResult }{ValidationResult{Valid: ok, Message: msg}}, nil
}

// members reads the top-level members of an object body, to know which a
// partial update sends.
func members(body []byte) (map[string]json.RawMessage, error) {
	if err := oneValue(body); err != nil {
		return nil, validationProblem("", "invalid JSON: "+err.Error())
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, validationProblem("", "the body must be a JSON object")
	}
	return m, nil
}

// mergeName applies a partial update's names: name replaces the whole map,
// name_<tag> sets one language.
func mergeName(cur definition.Name, sent map[string]json.RawMessage, decoded definition.Name) definition.Name {
	if _, ok := sent["name"]; ok {
		return decoded
	}
	out := definition.Name{}
	for k, v := range cur {
		out[k] = v
	}
	for k := range sent {
		if tag, ok := strings.CutPrefix(k, "name_"); ok {
			if v := decoded[tag]; v != "" {
				out[tag] = v
			} else {
				delete(out, tag)
			}
		}
	}
	return out
}

func namesSent(sent map[string]json.RawMessage) bool {
	for k := range sent {
		if k == "name" || strings.HasPrefix(k, "name_") {
			return true
		}
	}
	return false
}

func (s *Server) updateWorkflow(ctx context.Context, in *workflowPatchInput) (*WorkflowBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := s.e.GetWorkflow(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	sent, err := members(in.RawBody)
	if err != nil {
		return nil, err
	}
	dec, compat, err := definition.DecodeWithCompat(in.RawBody, "json")
	if err != nil {
		return nil, err
	}
	if err := checkCompany(p, compat); err != nil {
		return nil, err
	}
	if _, ok := sent["id"]; ok && dec.ID != in.ID {
		return nil, validationProblem("id", "id cannot change")
	}
	versioned := namesSent(sent)
	for _, k := range []string{"description", "strategy", "allow_self_approval", "workflow_info", "pipelines", "actions"} {
		if _, ok := sent[k]; ok {
			versioned = true
		}
	}
	_, switchSent := sent["is_active"]
	d := cur
	switch {
	case versioned:
		d, err = s.e.UpdateWorkflow(ctx, p.TenantID, in.ID, func(w *definition.Workflow) error {
			if namesSent(sent) {
				w.Name = mergeName(w.Name, sent, dec.Name)
			}
			if _, ok := sent["description"]; ok {
				w.Description = dec.Description
			}
			if _, ok := sent["strategy"]; ok {
				w.Strategy = dec.Strategy
			}
			if switchSent {
				w.IsActive = dec.IsActive
			}
			if _, ok := sent["allow_self_approval"]; ok {
				w.AllowSelfApproval = dec.AllowSelfApproval
			}
			if _, ok := sent["workflow_info"]; ok {
				w.Info = dec.Info
			}
			if _, ok := sent["pipelines"]; ok {
				w.Pipelines = dec.Pipelines
			}
			if _, ok := sent["actions"]; ok {
				w.Actions = dec.Actions
			}
			return nil
		}, &flowgate.WriteOpts{Actor: p.UserID})
	case switchSent:
		d, err = s.e.SetWorkflowActive(ctx, p.TenantID, in.ID, dec.IsActive)
	}
	if err != nil {
		return nil, err
	}
	return &WorkflowBody{Body: s.workflowOf(ctx, p.TenantID, d)}, nil
}
