package client

import (
	"context"
	"net/http"
	"strconv"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/api"
)

// CommandOpts are the headers of commands.
type CommandOpts struct {
	// IfMatch is the instance version read ("If-Match"); 0 sends none.
	IfMatch int
	// IfMatchRaw, when set, is sent as If-Match verbatim.
	IfMatchRaw string
	// IdempotencyKey makes a retry return the first answer.
	IdempotencyKey string
}

func (o *CommandOpts) header() http.Header {
	h := http.Header{}
	if o == nil {
		return h
	}
	switch {
	case o.IfMatchRaw != "":
		h.Set("If-Match", o.IfMatchRaw)
	case o.IfMatch > 0:
		h.Set("If-Match", `"`+strconv.Itoa(o.IfMatch)+`"`)
	}
	if o.IdempotencyKey != "" {
		h.Set("Idempotency-Key", o.IdempotencyKey)
	}
	return h
}

// Attach attaches a workflow to a subject (POST /instances).
func (c *Client) Attach(ctx context.Context, body any, opts *CommandOpts) (*api.Instance, error) {
	var out api.Instance
	_, err := c.call(ctx, http.MethodPost, "/api/v1/instances", body, &out, opts.header())
	return &out, err
}

// GetInstance reads an instance.
func (c *Client) GetInstance(ctx context.Context, id string) (*api.Instance, error) {
	var out api.Instance
	_, err := c.call(ctx, http.MethodGet, "/api/v1/instances/"+esc(id), nil, &out, nil)
	return &out, err
}

// Start starts an instance attached without auto_start.
func (c *Client) Start(ctx context.Context, id string, opts *CommandOpts) (*api.Instance, error) {
	var out api.Instance
	_, err := c.call(ctx, http.MethodPost, "/api/v1/instances/"+esc(id)+"/start", nil, &out, opts.header())
	return &out, err
}

// Decide posts a decision on an instance; body is an
// *api.DecisionRequest or any value of that shape (the original's
// payloads).
func (c *Client) Decide(ctx context.Context, id string, body any, opts *CommandOpts) (*api.Instance, error) {
	var out api.Instance
	_, err := c.call(ctx, http.MethodPost, "/api/v1/instances/"+esc(id)+"/decisions", body, &out, opts.header())
	return &out, err
}

// History pages through an instance's events.
func (c *Client) History(ctx context.Context, id string, opts *ListOpts) (*api.Page[api.Event], error) {
	var out api.Page[api.Event]
	_, err := c.call(ctx, http.MethodGet, "/api/v1/instances/"+esc(id)+"/history"+opts.encode(), nil, &out, nil)
	return &out, err
}

// Inbox lists the acting user's current tasks (filters workflow_id,
// subject_type, stage_id).
func (c *Client) Inbox(ctx context.Context, opts *ListOpts) (*api.Page[api.InboxItem], error) {
	var out api.Page[api.InboxItem]
	_, err := c.call(ctx, http.MethodGet, "/api/v1/inbox"+opts.encode(), nil, &out, nil)
	return &out, err
}

// Statistics is get_workflow_statistics.
func (c *Client) Statistics(ctx context.Context) (*flowgate.WorkflowStatistics, error) {
	var out flowgate.WorkflowStatistics
	_, err := c.call(ctx, http.MethodGet, "/api/v1/statistics", nil, &out, nil)
	return &out, err
}

func subjectPath(typ, id string) string { return "/api/v1/subjects/" + esc(typ) + "/" + esc(id) }

// GetSubject reads a subject.
func (c *Client) GetSubject(ctx context.Context, typ, id string) (*api.Subject, error) {
	var out api.Subject
	_, err := c.call(ctx, http.MethodGet, subjectPath(typ, id), nil, &out, nil)
	return &out, err
}

// SubjectInstance reads a subject's active (else newest) instance.
func (c *Client) SubjectInstance(ctx context.Context, typ, id string) (*api.Instance, error) {
	var out api.Instance
	_, err := c.call(ctx, http.MethodGet, subjectPath(typ, id)+"/instance", nil, &out, nil)
	return &out, err
}

// WorkflowStatus is the README's workflow_status of a subject.
func (c *Client) WorkflowStatus(ctx context.Context, typ, id string) (*api.WorkflowStatus, error) {
	var out api.WorkflowStatus
	_, err := c.call(ctx, http.MethodGet, subjectPath(typ, id)+"/workflow_status", nil, &out, nil)
	return &out, err
}

// WorkflowAction posts a decision on a subject's active instance.
func (c *Client) WorkflowAction(ctx context.Context, typ, id string, body any, opts *CommandOpts) (*api.Instance, error) {
	var out api.Instance
	_, err := c.call(ctx, http.MethodPost, subjectPath(typ, id)+"/workflow_action", body, &out, opts.header())
	return &out, err
}

// SubjectHistory pages through the events of a subject's instance.
func (c *Client) SubjectHistory(ctx context.Context, typ, id string, opts *ListOpts) (*api.Page[api.Event], error) {
	var out api.Page[api.Event]
	_, err := c.call(ctx, http.MethodGet, subjectPath(typ, id)+"/history"+opts.encode(), nil, &out, nil)
	return &out, err
}

// ListActionRuns lists action executions (filters instance_id, status).
func (c *Client) ListActionRuns(ctx context.Context, opts *ListOpts) (*api.Page[api.ActionRun], error) {
	var out api.Page[api.ActionRun]
	_, err := c.call(ctx, http.MethodGet, "/api/v1/action-runs"+opts.encode(), nil, &out, nil)
	return &out, err
}

// RetryActionRun runs a failed or dead action again (admin).
func (c *Client) RetryActionRun(ctx context.Context, id string) (*api.ActionRun, error) {
	var out api.ActionRun
	_, err := c.call(ctx, http.MethodPost, "/api/v1/action-runs/"+esc(id)+"/retry", nil, &out, nil)
	return &out, err
}

// CleanupStats is the original's cleanup_workflows --stats.
func (c *Client) CleanupStats(ctx context.Context) (*flowgate.CleanupStatistics, error) {
	var out flowgate.CleanupStatistics
	_, err := c.call(ctx, http.MethodGet, "/api/v1/cleanup/stats", nil, &out, nil)
	return &out, err
}

// Cleanup deletes (or, dry, counts) finished instances (admin).
func (c *Client) Cleanup(ctx context.Context, body *api.CleanupRequest) (*flowgate.CleanupResult, error) {
	var out flowgate.CleanupResult
	_, err := c.call(ctx, http.MethodPost, "/api/v1/cleanup", body, &out, nil)
	return &out, err
}
