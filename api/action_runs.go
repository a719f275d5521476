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

// ActionRun is one execution of a resolved action, with its record.
type ActionRun struct {
	ID          string          `json:"id"`
	ActionID    *string         `json:"action_id"`
	InstanceID  string          `json:"instance_id"`
	EventSeq    int             `json:"event_seq"`
	Event       string          `json:"event"`
	Handler     string          `json:"handler"`
	Parameters  json.RawMessage `json:"parameters"`
	Tier        string          `json:"tier" enum:"database,settings,default"`
	Level       *string         `json:"level" doc:"stage, pipeline, workflow or null."`
	Status      string          `json:"status" enum:"pending,running,succeeded,failed,dead"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	NextRunAt   *time.Time      `json:"next_run_at"`
	LastError   *string         `json:"last_error"`
	DurationMS  int64           `json:"duration_ms"`
	RunKey      string          `json:"run_key" doc:"Stable across attempts: handlers deduplicate by it."`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func actionRunOf(r *flowtype.ActionRun) ActionRun {
	out := ActionRun{
		ID: r.ID, ActionID: opt(r.ActionID), InstanceID: r.InstanceID, EventSeq: r.EventSeq, Event: string(r.Event),
		Handler: r.Handler, Parameters: objectOr(r.Parameters), Tier: string(r.Tier), Level: opt(string(r.Level)),
		Status: string(r.Status), Attempts: r.Attempts, MaxAttempts: r.MaxAttempts, LastError: opt(r.LastError),
		DurationMS: r.DurationMS, RunKey: r.RunKey, CreatedAt: micro(r.CreatedAt), UpdatedAt: micro(r.UpdatedAt),
	}
	if r.Status.Open() {
		out.NextRunAt = optTime(&r.NextRunAt)
	}
	return out
}

type actionRunListInput struct {
	PageParams
	InstanceID string `query:"instance_id"`
	Status     string `query:"status" enum:"pending,running,succeeded,failed,dead," doc:"Only runs in this status."`
}

type actionRunIDInput struct {
	ID string `path:"id"`
}

func (s *Server) actionRunRoutes() {
	register(s, huma.Operation{
		OperationID: "listActionRuns", Method: http.MethodGet, Path: "/api/v1/action-runs", Tags: []string{"Actions"},
		Summary: "Every action execution: event, handler, tier, status, attempts, last error",
	}, nil, s.listActionRuns)
	register(s, huma.Operation{
		OperationID: "retryActionRun", Method: http.MethodPost, Path: "/api/v1/action-runs/{id}/retry", Tags: []string{"Actions"},
		Summary:     "Run a failed or dead action again (admin)",
		Description: "A run in another status is a 409 conflict.", Errors: writeErrors,
	}, nil, s.retryActionRun)
}

func (s *Server) listActionRuns(ctx context.Context, in *actionRunListInput) (*struct{ Body *Page[ActionRun] }, error) {
	p := principalFrom(ctx)
	after, err := in.after("r")
	if err != nil {
		return nil, err
	}
	params := &flowgate.ListActionRunsParams{InstanceID: in.InstanceID, AfterID: after, Limit: in.limit()}
	if in.Status != "" {
		params.Statuses = []flowtype.RunStatus{flowtype.RunStatus(in.Status)}
	}
	runs, err := s.e.ListActionRuns(ctx, p.TenantID, params)
	if err != nil {
		return nil, err
	}
	page := &Page[ActionRun]{Items: make([]ActionRun, 0, len(runs))}
	for _, r := range runs {
		page.Items = append(page.Items, actionRunOf(r))
	}
	if n := len(runs); n > 0 {
		page.NextCursor = nextCursor("r", n == in.limit(), runs[n-1].ID)
	}
	return &struct{ Body *Page[ActionRun] }{page}, nil
}

func (s *Server) retryActionRun(ctx context.Context, in *actionRunIDInput) (*struct{ Body ActionRun }, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.e.RetryActionRun(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body ActionRun }{actionRunOf(r)}, nil
}
