package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
)

// InstanceBody is an answer holding one instance, with its version as the
// ETag.
type InstanceBody struct {
	Status int    `json:"-"`
	ETag   string `header:"ETag"`
	Body   *Instance
}

func instanceBody(status int, v *flowgate.InstanceView) *InstanceBody {
	return &InstanceBody{Status: status, ETag: etag(v.Instance.Version), Body: instanceOf(v)}
}

func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// AttachRequest is the body of POST /instances.
type AttachRequest struct {
	Subject    AttachSubject   `json:"subject"`
	WorkflowID FlexID          `json:"workflow_id,omitempty" doc:"Without it the subject type's auto-start rule picks the workflow (or 422)."`
	AutoStart  *bool           `json:"auto_start,omitempty" doc:"Default true."`
	Metadata   json.RawMessage `json:"metadata,omitempty" doc:"Kept verbatim."`
}

// AttachSubject names the business object.
type AttachSubject struct {
	Type      string            `json:"type"`
	ID        FlexID            `json:"id"`
	Data      json.RawMessage   `json:"data,omitempty" doc:"Replaces the stored document."`
	Status    map[string]string `json:"status,omitempty" doc:"Initial status values (first attach)."`
	CreatedBy FlexID            `json:"created_by,omitempty" doc:"The subject's creator (first attach)."`
}

type attachInput struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"The same key and body within 24 h return the first answer."`
	RawBody        []byte
}

type instanceIDInput struct {
	ID string `path:"id"`
}

type startInput struct {
	ID             string `path:"id"`
	IfMatch        string `header:"If-Match" doc:"The instance version read: \"<version>\"."`
	IdempotencyKey string `header:"Idempotency-Key"`
}

type historyInput struct {
	ID string `path:"id"`
	PageParams
}

func (s *Server) instanceRoutes() {
	register(s, huma.Operation{
		OperationID: "attach", Method: http.MethodPost, Path: "/api/v1/instances", Tags: []string{"Instances"},
		Summary:       "Attach a workflow to a subject",
		Description:   "The acting user becomes the starter. With auto_start (the default) the instance starts in the same transaction.",
		DefaultStatus: http.StatusCreated, Errors: writeErrors,
	}, AttachRequest{}, s.attach)
	register(s, huma.Operation{
		OperationID: "getInstance", Method: http.MethodGet, Path: "/api/v1/instances/{id}", Tags: []string{"Instances"},
		Summary: "Read an instance with its tasks",
	}, nil, s.getInstance)
	register(s, huma.Operation{
		OperationID: "startInstance", Method: http.MethodPost, Path: "/api/v1/instances/{id}/start", Tags: []string{"Instances"},
		Summary: "Start an instance attached without auto_start (its starter only)", Errors: decisionErrors,
	}, nil, s.startInstance)
	register(s, huma.Operation{
		OperationID: "getInstanceHistory", Method: http.MethodGet, Path: "/api/v1/instances/{id}/history", Tags: []string{"Instances"},
		Summary: "The instance's event log, oldest first",
	}, nil, s.instanceHistory)
}

func (s *Server) attach(ctx context.Context, in *attachInput) (*InstanceBody, error) {
	p := principalFrom(ctx)
	var req AttachRequest
	if err := decodeStrict(in.RawBody, &req); err != nil {
		return nil, err
	}
	if len(req.Metadata) > 0 && string(req.Metadata) == "null" {
		req.Metadata = nil
	}
	if len(req.Subject.Data) > 0 && string(req.Subject.Data) == "null" {
		req.Subject.Data = nil
	}
	v, err := s.e.Attach(ctx, p.TenantID, &flowgate.AttachParams{
		Actor: p.UserID,
		Subject: flowgate.SubjectInput{
			Type: req.Subject.Type, ID: string(req.Subject.ID), Data: req.Subject.Data,
			Status: req.Subject.Status, CreatedBy: string(req.Subject.CreatedBy),
		},
		WorkflowID: string(req.WorkflowID), AutoStart: req.AutoStart, Metadata: req.Metadata,
		IdempotencyKey: in.IdempotencyKey,
	})
	if err != nil {
		return nil, err
	}
	return instanceBody(http.StatusCreated, v), nil
}

func (s *Server) getInstance(ctx context.Context, in *instanceIDInput) (*InstanceBody, error) {
	p := principalFrom(ctx)
	v, err := s.e.GetInstance(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	return instanceBody(http.StatusOK, v), nil
}

func (s *Server) startInstance(ctx context.Context, in *startInput) (*InstanceBody, error) {
	p := principalFrom(ctx)
	v, err := s.e.Start(ctx, p.TenantID, in.ID, p.UserID, &flowgate.StartOpts{
		IfVersion: ifMatchVersion(in.IfMatch), IdempotencyKey: in.IdempotencyKey,
	})
	if err != nil {
		return nil, err
	}
	return instanceBody(http.StatusOK, v), nil
}

func (s *Server) instanceHistory(ctx context.Context, in *historyInput) (*struct{ Body *Page[Event] }, error) {
	p := principalFrom(ctx)
	page, err := s.history(ctx, p.TenantID, in.ID, &in.PageParams)
	if err != nil {
		return nil, err
	}
	return &struct{ Body *Page[Event] }{page}, nil
}

func (s *Server) history(ctx context.Context, tenant, instanceID string, pp *PageParams) (*Page[Event], error) {
	after, err := pp.after("h")
	if err != nil {
		return nil, err
	}
	afterSeq := 0
	if after != "" {
		if afterSeq, err = strconv.Atoi(after); err != nil {
			return nil, validationProblem("cursor", "invalid cursor")
		}
	}
	events, err := s.e.History(ctx, tenant, instanceID, &flowgate.HistoryParams{AfterSeq: afterSeq, Limit: pp.limit()})
	if err != nil {
		return nil, err
	}
	page := &Page[Event]{Items: make([]Event, 0, len(events))}
	for _, e := range events {
		page.Items = append(page.Items, eventOf(e))
	}
	if n := len(events); n > 0 {
		page.NextCursor = nextCursor("h", n == pp.limit(), strconv.Itoa(events[n-1].Seq))
	}
	return page, nil
}
