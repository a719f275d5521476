package client

import (
	"context"
	"net/http"
	"strconv"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/api"
)

// Definition routes take their bodies as any value that marshals to the
// documented payload (api.WorkflowRequest, a map, or raw JSON), so that
// the original's payloads go through unchanged.

// CreateWorkflow creates a workflow (POST /workflows).
func (c *Client) CreateWorkflow(ctx context.Context, body any) (*api.Workflow, error) {
	var out api.Workflow
	_, err := c.call(ctx, http.MethodPost, "/api/v1/workflows", body, &out, nil)
	return &out, err
}

// ListWorkflows lists workflows (filters is_active, q).
func (c *Client) ListWorkflows(ctx context.Context, opts *ListOpts) (*api.Page[api.WorkflowListItem], error) {
	var out api.Page[api.WorkflowListItem]
	_, err := c.call(ctx, http.MethodGet, "/api/v1/workflows"+opts.encode(), nil, &out, nil)
	return &out, err
}

// GetWorkflow reads a workflow; version 0 is the current one.
func (c *Client) GetWorkflow(ctx context.Context, id string, version int) (*api.Workflow, error) {
	path := "/api/v1/workflows/" + esc(id)
	if version > 0 {
		path += "?version=" + strconv.Itoa(version)
	}
	var out api.Workflow
	_, err := c.call(ctx, http.MethodGet, path, nil, &out, nil)
	return &out, err
}

// UpdateWorkflow changes a workflow partially.
func (c *Client) UpdateWorkflow(ctx context.Context, id string, body any) (*api.Workflow, error) {
	var out api.Workflow
	_, err := c.call(ctx, http.MethodPatch, "/api/v1/workflows/"+esc(id), body, &out, nil)
	return &out, err
}

// DeactivateWorkflow switches a workflow off (DELETE).
func (c *Client) DeactivateWorkflow(ctx context.Context, id string) (*api.Workflow, error) {
	var out api.Workflow
	_, err := c.call(ctx, http.MethodDelete, "/api/v1/workflows/"+esc(id), nil, &out, nil)
	return &out, err
}

// ValidateWorkflow is validate_completeness.
func (c *Client) ValidateWorkflow(ctx context.Context, id string) (*api.ValidationResult, error) {
	var out api.ValidationResult
	_, err := c.call(ctx, http.MethodPost, "/api/v1/workflows/"+esc(id)+"/validate", nil, &out, nil)
	return &out, err
}

// WorkflowStructure is get_workflow_pipeline_structure.
func (c *Client) WorkflowStructure(ctx context.Context, id string) (*flowgate.WorkflowStructure, error) {
	var out flowgate.WorkflowStructure
	_, err := c.call(ctx, http.MethodGet, "/api/v1/workflows/"+esc(id)+"/structure", nil, &out, nil)
	return &out, err
}

// ApprovalSummary is get_workflow_approval_summary.
func (c *Client) ApprovalSummary(ctx context.Context, id string) (*flowgate.ApprovalSummary, error) {
	var out flowgate.ApprovalSummary
	_, err := c.call(ctx, http.MethodGet, "/api/v1/workflows/"+esc(id)+"/approval-summary", nil, &out, nil)
	return &out, err
}

// WorkflowVersions lists a workflow's versions.
func (c *Client) WorkflowVersions(ctx context.Context, id string, opts *ListOpts) (*api.Page[api.WorkflowVersion], error) {
	var out api.Page[api.WorkflowVersion]
	_, err := c.call(ctx, http.MethodGet, "/api/v1/workflows/"+esc(id)+"/versions"+opts.encode(), nil, &out, nil)
	return &out, err
}

// Diagram returns the workflow's SVG picture.
func (c *Client) Diagram(ctx context.Context, id string) ([]byte, error) {
	resp, err := c.call(ctx, http.MethodGet, "/api/v1/workflows/"+esc(id)+"/diagram.svg", nil, nil, nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// AddPipeline adds a pipeline to a workflow.
func (c *Client) AddPipeline(ctx context.Context, workflowID string, body any) (*api.PipelineOut, error) {
	var out api.PipelineOut
	_, err := c.call(ctx, http.MethodPost, "/api/v1/workflows/"+esc(workflowID)+"/pipelines", body, &out, nil)
	return &out, err
}

// UpdatePipeline changes a pipeline partially.
func (c *Client) UpdatePipeline(ctx context.Context, id string, body any) (*api.PipelineOut, error) {
	var out api.PipelineOut
	_, err := c.call(ctx, http.MethodPatch, "/api/v1/pipelines/"+esc(id), body, &out, nil)
	return &out, err
}

// DeletePipeline removes a pipeline.
func (c *Client) DeletePipeline(ctx context.Context, id string) error {
	_, err := c.call(ctx, http.MethodDelete, "/api/v1/pipelines/"+esc(id), nil, nil, nil)
	return err
}

// AddStage adds a stage to a pipeline.
func (c *Client) AddStage(ctx context.Context, pipelineID string, body any) (*api.StageOut, error) {
	var out api.StageOut
	_, err := c.call(ctx, http.MethodPost, "/api/v1/pipelines/"+esc(pipelineID)+"/stages", body, &out, nil)
	return &out, err
}

// UpdateStage is the original's partial StageSerializer update.
func (c *Client) UpdateStage(ctx context.Context, id string, body any) (*api.StageOut, error) {
	var out api.StageOut
	_, err := c.call(ctx, http.MethodPatch, "/api/v1/stages/"+esc(id), body, &out, nil)
	return &out, err
}

// DeleteStage removes a stage.
func (c *Client) DeleteStage(ctx context.Context, id string) error {
	_, err := c.call(ctx, http.MethodDelete, "/api/v1/stages/"+esc(id), nil, nil, nil)
	return err
}

// ListActions lists database actions (filters workflow_id, scope,
// scope_id, action_type).
func (c *Client) ListActions(ctx context.Context, opts *ListOpts) (*api.Page[api.Action], error) {
	var out api.Page[api.Action]
	_, err := c.call(ctx, http.MethodGet, "/api/v1/actions"+opts.encode(), nil, &out, nil)
	return &out, err
}

// CreateAction adds an action at a scope.
func (c *Client) CreateAction(ctx context.Context, body any) (*api.Action, error) {
	var out api.Action
	_, err := c.call(ctx, http.MethodPost, "/api/v1/actions", body, &out, nil)
	return &out, err
}

// UpdateAction changes an action partially.
func (c *Client) UpdateAction(ctx context.Context, id string, body any) (*api.Action, error) {
	var out api.Action
	_, err := c.call(ctx, http.MethodPatch, "/api/v1/actions/"+esc(id), body, &out, nil)
	return &out, err
}

// DeleteAction removes an action.
func (c *Client) DeleteAction(ctx context.Context, id string) error {
	_, err := c.call(ctx, http.MethodDelete, "/api/v1/actions/"+esc(id), nil, nil, nil)
	return err
}

// GetSubjectType reads a subject type's configuration.
func (c *Client) GetSubjectType(ctx context.Context, typ string) (*api.SubjectType, error) {
	var out api.SubjectType
	_, err := c.call(ctx, http.MethodGet, "/api/v1/subject-types/"+esc(typ), nil, &out, nil)
	return &out, err
}

// PutSubjectType creates or replaces a subject type's configuration.
func (c *Client) PutSubjectType(ctx context.Context, typ string, body *api.SubjectTypeRequest) (*api.SubjectType, error) {
	var out api.SubjectType
	_, err := c.call(ctx, http.MethodPut, "/api/v1/subject-types/"+esc(typ), body, &out, nil)
	return &out, err
}
