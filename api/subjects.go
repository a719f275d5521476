package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

type subjectInput struct {
	Type string `path:"type"`
	ID   string `path:"id"`
}

type subjectHistoryInput struct {
	Type string `path:"type"`
	ID   string `path:"id"`
	PageParams
}

type workflowActionInput struct {
	Type           string `path:"type"`
	ID             string `path:"id"`
	IfMatch        string `header:"If-Match"`
	IdempotencyKey string `header:"Idempotency-Key"`
	RawBody        []byte
}

func (s *Server) subjectRoutes() {
	register(s, huma.Operation{
		OperationID: "getSubject", Method: http.MethodGet, Path: "/api/v1/subjects/{type}/{id}", Tags: []string{"Subjects"},
		Summary: "Read a subject (404 if this tenant never attached it)",
	}, nil, s.getSubject)
	register(s, huma.Operation{
		OperationID: "getSubjectInstance", Method: http.MethodGet, Path: "/api/v1/subjects/{type}/{id}/instance", Tags: []string{"Subjects"},
		Summary: "The subject's active instance, else its newest (404 when none)",
	}, nil, s.subjectInstance)
	register(s, huma.Operation{
		OperationID: "getWorkflowStatus", Method: http.MethodGet, Path: "/api/v1/subjects/{type}/{id}/workflow_status", Tags: []string{"Subjects"},
		Summary: "The original README's status of the subject's workflow, for the acting user",
	}, nil, s.workflowStatus)
	register(s, huma.Operation{
		OperationID: "workflowAction", Method: http.MethodPost, Path: "/api/v1/subjects/{type}/{id}/workflow_action", Tags: []string{"Subjects"},
		Summary:     "A decision on the subject's active instance (the README's workflow_action)",
		Description: "Same body and answers as POST /instances/{id}/decisions.", Errors: decisionErrors,
	}, DecisionRequest{}, s.workflowAction)
	register(s, huma.Operation{
		OperationID: "getSubjectHistory", Method: http.MethodGet, Path: "/api/v1/subjects/{type}/{id}/history", Tags: []string{"Subjects"},
		Summary: "The event log of the subject's active (else newest) instance, oldest first",
	}, nil, s.subjectHistory)
}

func (s *Server) getSubject(ctx context.Context, in *subjectInput) (*struct{ Body Subject }, error) {
	p := principalFrom(ctx)
	subj, err := s.e.GetSubject(ctx, p.TenantID, in.Type, in.ID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body Subject }{subjectOf(subj, in.Type, in.ID)}, nil
}

func (s *Server) subjectInstance(ctx context.Context, in *subjectInput) (*InstanceBody, error) {
	p := principalFrom(ctx)
	v, err := s.e.SubjectInstance(ctx, p.TenantID, in.Type, in.ID)
	if err != nil {
		return nil, err
	}
	return instanceBody(http.StatusOK, v), nil
}

func (s *Server) workflowAction(ctx context.Context, in *workflowActionInput) (*InstanceBody, error) {
	p := principalFrom(ctx)
	v, err := s.e.SubjectInstance(ctx, p.TenantID, in.Type, in.ID)
	if err != nil {
		return nil, err
	}
	return s.decideOn(ctx, p, v.Instance.ID, in.RawBody, in.IfMatch, in.IdempotencyKey)
}

func (s *Server) subjectHistory(ctx context.Context, in *subjectHistoryInput) (*struct{ Body *Page[Event] }, error) {
	p := principalFrom(ctx)
	v, err := s.e.SubjectInstance(ctx, p.TenantID, in.Type, in.ID)
	if err != nil {
		return nil, err
	}
	page, err := s.history(ctx, p.TenantID, v.Instance.ID, &in.PageParams)
	if err != nil {
		return nil, err
	}
	return &struct{ Body *Page[Event] }{page}, nil
}

// WorkflowStatus is the original README's get_purchase_status with
// user_requires_action: names are the acting user's locale's, else
// English.
type WorkflowStatus struct {
	InstanceID         string          `json:"instance_id"`
	Version            int             `json:"version"`
	CurrentStage       *string         `json:"current_stage"`
	CurrentPipeline    *string         `json:"current_pipeline"`
	ProgressPercentage int             `json:"progress_percentage"`
	Status             string          `json:"status"`
	NextStage          *string         `json:"next_stage" doc:"The next unit's name; \"Workflow Complete\" at the last one and after completion; null after rejection or withdrawal."`
	StartedBy          *string         `json:"started_by"`
	StartedAt          *time.Time      `json:"started_at"`
	CompletedAt        *time.Time      `json:"completed_at"`
	Metadata           json.RawMessage `json:"metadata"`
	WorkflowName       string          `json:"workflow_name"`
	RequiresUserAction bool            `json:"requires_user_action" doc:"The acting user holds a current task, or is the starter of an instance awaiting resubmission."`
	CanApprove         bool            `json:"can_approve" doc:"The acting user holds a current task they may approve."`
}

// WorkflowComplete is next_stage at the last unit and after completion.
const WorkflowComplete = "Workflow Complete"

func (s *Server) workflowStatus(ctx context.Context, in *subjectInput) (*struct{ Body *WorkflowStatus }, error) {
	p := principalFrom(ctx)
	v, err := s.e.SubjectInstance(ctx, p.TenantID, in.Type, in.ID)
	if err != nil {
		return nil, err
	}
	locale := ""
	if u, err := s.e.GetUser(ctx, p.TenantID, p.UserID); err == nil {
		locale = u.Locale
	}
	name := func(n definition.Name) string {
		if t := n[locale]; locale != "" && t != "" {
			return t
		}
		return n.Default()
	}
	ref := func(r *flowgate.NodeRef) *string {
		if r == nil {
			return nil
		}
		s := name(r.Name)
		return &s
	}
	in0 := v.Instance
	out := &WorkflowStatus{
		InstanceID: in0.ID, Version: in0.Version, CurrentStage: ref(v.CurrentStage), CurrentPipeline: ref(v.CurrentPipeline),
		ProgressPercentage: v.ProgressPercentage, Status: string(in0.Status), StartedBy: opt(in0.StartedBy),
		StartedAt: optTime(in0.StartedAt), CompletedAt: optTime(in0.CompletedAt), Metadata: objectOr(in0.Metadata),
		WorkflowName: name(v.WorkflowName),
	}
	switch in0.Status {
	case flowtype.StatusRejected, flowtype.StatusWithdrawn:
	case flowtype.StatusCompleted:
		out.NextStage = ptrTo(WorkflowComplete)
	default:
		next := v.NextStage
		if v.Strategy == definition.StrategyPipeline {
			next = v.NextPipeline
		}
		if out.NextStage = ref(next); out.NextStage == nil {
			out.NextStage = ptrTo(WorkflowComplete)
		}
	}
	if in0.Status == flowtype.StatusAwaitingResubmission && in0.StartedBy == p.UserID {
		out.RequiresUserAction = true
	}
	if in0.Status == flowtype.StatusInProgress {
		for _, t := range v.Tasks {
			if t.Status == flowtype.TaskCurrent && t.Assignee == p.UserID {
				out.RequiresUserAction = true
				if s.mayApprove(ctx, p, v, t) {
					out.CanApprove = true
				}
			}
		}
	}
	return &struct{ Body *WorkflowStatus }{out}, nil
}

// mayApprove reports whether the user's approval of t would pass the
// self-approval rule (SEMANTICS §4).
func (s *Server) mayApprove(ctx context.Context, p *principal, v *flowgate.InstanceView, t *flowtype.Task) bool {
	if v.Instance.StartedBy != p.UserID {
		return true
	}
	d, err := s.e.GetWorkflowVersion(ctx, p.TenantID, v.Instance.WorkflowID, v.Instance.WorkflowVersion)
	if err != nil {
		return false
	}
	if d.Definition.AllowSelfApproval {
		return true
	}
	for _, u := range d.Definition.Units() {
		pid, sid := "", ""
		if u.Pipeline != nil {
			pid = u.Pipeline.ID
		}
		if u.Stage != nil {
			sid = u.Stage.ID
		}
		if pid == t.PipelineID && sid == t.StageID && t.Step < len(u.Approvals) {
			return u.Approvals[t.Step].ApprovalType == definition.ApprovalSelfApproved
		}
	}
	return false
}

func ptrTo[T any](v T) *T { return &v }
