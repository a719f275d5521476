package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// SubjectType is the original's registered model and its
// WorkflowConfiguration.
type SubjectType struct {
	Type                  string     `json:"type"`
	StatusField           string     `json:"status_field"`
	CompletionStatusValue string     `json:"completion_status_value"`
	RejectionStatusValue  string     `json:"rejection_status_value"`
	Workflows             []string   `json:"workflows" doc:"Allowed workflow ids; empty allows every active workflow."`
	AutoStart             *AutoStart `json:"auto_start"`
	UpdatedAt             time.Time  `json:"updated_at"`
}

// AutoStart picks the workflow of an attach without workflow_id.
type AutoStart struct {
	WorkflowID string          `json:"workflow_id"`
	Conditions json.RawMessage `json:"conditions,omitempty" doc:"A CEL expression (string) or the original's lookups ({\"amount__gte\": 1000})."`
}

// SubjectTypeRequest is the body of PUT /subject-types/{type}.
type SubjectTypeRequest struct {
	StatusField           string            `json:"status_field,omitempty"`
	CompletionStatusValue string            `json:"completion_status_value,omitempty"`
	RejectionStatusValue  string            `json:"rejection_status_value,omitempty"`
	Workflows             []FlexID          `json:"workflows,omitempty"`
	AutoStart             *AutoStartRequest `json:"auto_start,omitempty"`
}

// AutoStartRequest is an auto-start rule; workflow is accepted for
// workflow_id.
type AutoStartRequest struct {
	WorkflowID FlexID          `json:"workflow_id,omitempty"`
	Workflow   FlexID          `json:"workflow,omitempty" doc:"Alias of workflow_id."`
	Conditions json.RawMessage `json:"conditions,omitempty"`
}

type subjectTypeInput struct {
	Type string `path:"type"`
}

type subjectTypePutInput struct {
	Type    string `path:"type"`
	RawBody []byte
}

func (s *Server) subjectTypeRoutes() {
	register(s, huma.Operation{
		OperationID: "getSubjectType", Method: http.MethodGet, Path: "/api/v1/subject-types/{type}", Tags: []string{"Definitions"},
		Summary: "Read a subject type's configuration",
	}, nil, s.getSubjectType)
	register(s, huma.Operation{
		OperationID: "putSubjectType", Method: http.MethodPut, Path: "/api/v1/subject-types/{type}", Tags: []string{"Definitions"},
		Summary:     "Create or replace a subject type's configuration",
		Description: "Auto-start conditions are checked now: an unknown lookup is a 422.",
		Errors:      writeErrors,
	}, SubjectTypeRequest{}, s.putSubjectType)
}

func subjectTypeOf(st *flowtype.SubjectType) *SubjectType {
	out := &SubjectType{
		Type: st.Type, StatusField: st.StatusField, CompletionStatusValue: st.CompletionStatusValue,
		RejectionStatusValue: st.RejectionStatusValue, Workflows: st.Workflows, UpdatedAt: micro(st.UpdatedAt),
	}
	if out.Workflows == nil {
		out.Workflows = []string{}
	}
	if st.AutoStart != nil {
		out.AutoStart = &AutoStart{WorkflowID: st.AutoStart.WorkflowID, Conditions: st.AutoStart.Conditions}
	}
	return out
}

func (s *Server) getSubjectType(ctx context.Context, in *subjectTypeInput) (*struct{ Body *SubjectType }, error) {
	p := principalFrom(ctx)
	st, err := s.e.GetSubjectType(ctx, p.TenantID, in.Type)
	if err != nil {
		return nil, err
	}
	return &struct{ Body *SubjectType }{subjectTypeOf(st)}, nil
}

func (s *Server) putSubjectType(ctx context.Context, in *subjectTypePutInput) (*struct{ Body *SubjectType }, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	var req SubjectTypeRequest
	if err := decodeStrict(in.RawBody, &req); err != nil {
		return nil, err
	}
	st := &flowgate.SubjectType{
		Type: in.Type, StatusField: req.StatusField, CompletionStatusValue: req.CompletionStatusValue,
		RejectionStatusValue: req.RejectionStatusValue, Workflows: []string{},
	}
	for _, w := range req.Workflows {
		st.Workflows = append(st.Workflows, string(w))
	}
	if a := req.AutoStart; a != nil {
		id := string(a.WorkflowID)
		if a.Workflow != "" {
			if id != "" && id != string(a.Workflow) {
				return nil, validationProblem("auto_start.workflow", "give workflow_id or workflow, not both")
			}
			id = string(a.Workflow)
		}
		st.AutoStart = &flowgate.AutoStartRule{WorkflowID: id, Conditions: a.Conditions}
	}
	saved, err := s.e.SaveSubjectType(ctx, p.TenantID, st)
	if err != nil {
		return nil, err
	}
	return &struct{ Body *SubjectType }{subjectTypeOf(saved)}, nil
}
