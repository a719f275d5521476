package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
)

func (s *Server) workflowReportRoutes() {
	register(s, huma.Operation{
		OperationID: "getWorkflowStructure", Method: http.MethodGet, Path: "/api/v1/workflows/{id}/structure", Tags: []string{"Reports"},
		Summary: "Pipeline structure for drawing (the original's get_workflow_pipeline_structure)",
	}, nil, s.workflowStructure)
	register(s, huma.Operation{
		OperationID: "getWorkflowApprovalSummary", Method: http.MethodGet, Path: "/api/v1/workflows/{id}/approval-summary", Tags: []string{"Reports"},
		Summary: "Approval statistics (the original's get_workflow_approval_summary)",
	}, nil, s.workflowApprovalSummary)
	register(s, huma.Operation{
		OperationID: "listWorkflowVersions", Method: http.MethodGet, Path: "/api/v1/workflows/{id}/versions", Tags: []string{"Definitions"},
		Summary: "List a workflow's versions, oldest first",
	}, nil, s.workflowVersions)
	register(s, huma.Operation{
		OperationID: "getWorkflowDiagram", Method: http.MethodGet, Path: "/api/v1/workflows/{id}/diagram.svg", Tags: []string{"Reports"},
		Summary: "A picture of the workflow (SVG)",
	}, nil, s.workflowDiagram)
}

func (s *Server) workflowStructure(ctx context.Context, in *workflowIDInput) (*struct{ Body *flowgate.WorkflowStructure }, error) {
	p := principalFrom(ctx)
	d, err := s.e.GetWorkflow(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body *flowgate.WorkflowStructure }{flowgate.StructureOf(d.Definition)}, nil
}

func (s *Server) workflowApprovalSummary(ctx context.Context, in *workflowIDInput) (*struct{ Body *flowgate.ApprovalSummary }, error) {
	p := principalFrom(ctx)
	d, err := s.e.GetWorkflow(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body *flowgate.ApprovalSummary }{flowgate.ApprovalSummaryOf(d.Definition)}, nil
}

// WorkflowVersion describes one version (read it with GET
// /workflows/{id}?version=N).
type WorkflowVersion struct {
	Version     int       `json:"version"`
	DerivedFrom *int      `json:"derived_from"`
	IsCurrent   bool      `json:"is_current"`
	CreatedBy   *string   `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

type versionsInput struct {
	ID string `path:"id"`
	PageParams
}

func (s *Server) workflowVersions(ctx context.Context, in *versionsInput) (*struct{ Body *Page[WorkflowVersion] }, error) {
	p := principalFrom(ctx)
	d, err := s.e.GetWorkflow(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	list, err := s.e.WorkflowVersions(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	out := make([]WorkflowVersion, 0, len(list))
	for _, v := range list {
		wv := WorkflowVersion{Version: v.Version, IsCurrent: v.Version == d.CurrentVersion, CreatedBy: opt(v.CreatedBy), CreatedAt: micro(v.CreatedAt)}
		if v.DerivedFrom > 0 {
			n := v.DerivedFrom
			wv.DerivedFrom = &n
		}
		out = append(out, wv)
	}
	page, err := pageOf(out, func(v WorkflowVersion) string { return padded(v.Version) }, &in.PageParams, "v")
	if err != nil {
		return nil, err
	}
	return &struct{ Body *Page[WorkflowVersion] }{page}, nil
}

// padded makes numbers compare as strings.
func padded(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 12 {
		s = "0" + s
	}
	return s
}

type diagramOutput struct {
	ContentType string `header:"Content-Type"`
	Body        []byte
}

func (s *Server) workflowDiagram(ctx context.Context, in *workflowGetInput) (*diagramOutput, error) {
	p := principalFrom(ctx)
	d, err := s.e.GetWorkflowVersion(ctx, p.TenantID, in.ID, in.Version)
	if err != nil {
		return nil, err
	}
	return &diagramOutput{ContentType: "image/svg+xml", Body: diagramSVG(d.Definition)}, nil
}
