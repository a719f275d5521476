package api

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
)

// DecisionRequest is a decision: the original's WorkflowApprovalSerializer
// payload.
type DecisionRequest struct {
	Action     string     `json:"action" doc:"approved, rejected, needs_resubmission, delegated, resubmitted, withdrawn (case-insensitive: the original's APPROVED, NEEDS_RESUBMISSION… too)."`
	FormData   JSONObject `json:"form_data,omitempty" doc:"Read by approve and resubmit."`
	Reason     string     `json:"reason,omitempty" doc:"Required by rejected and needs_resubmission."`
	StageID    FlexID     `json:"stage_id,omitempty" doc:"The send-back target (strategy 1)."`
	PipelineID FlexID     `json:"pipeline_id,omitempty" doc:"The send-back target (strategy 2)."`
	UserID     FlexID     `json:"user_id,omitempty" doc:"The delegate."`
}

type decisionInput struct {
	ID             string `path:"id"`
	IfMatch        string `header:"If-Match" doc:"The instance version read: \"<version>\"; any other version is a 412."`
	IdempotencyKey string `header:"Idempotency-Key" doc:"The same key and body within 24 h return the first answer."`
	RawBody        []byte
}

func (s *Server) decisionRoutes() {
	register(s, huma.Operation{
		OperationID: "decide", Method: http.MethodPost, Path: "/api/v1/instances/{id}/decisions", Tags: []string{"Instances"},
		Summary: "Decide: approve, reject, send back, delegate, resubmit or withdraw",
		Description: "200 with the new instance; 403 when the acting user may not (not_assignee, not_starter, self_approval_forbidden); " +
			"409 when another decision won the race; 412 on a stale If-Match; 422 invalid_transition, form_invalid or validation_failed.",
		Errors: decisionErrors,
	}, DecisionRequest{}, s.decide)
}

func (s *Server) decide(ctx context.Context, in *decisionInput) (*InstanceBody, error) {
	p := principalFrom(ctx)
	if _, err := s.e.GetInstance(ctx, p.TenantID, in.ID); err != nil {
		return nil, err
	}
	return s.decideOn(ctx, p, in.ID, in.RawBody, in.IfMatch, in.IdempotencyKey)
}

// decideOn reads a decision body and applies it: the instance exists.
func (s *Server) decideOn(ctx context.Context, p *principal, instanceID string, body []byte, ifMatch, key string) (*InstanceBody, error) {
	var req DecisionRequest
	if err := decodeStrict(body, &req); err != nil {
		return nil, err
	}
	action, err := flowgate.ParseAction(req.Action)
	if err != nil {
		return nil, err
	}
	v, err := s.e.Decide(ctx, p.TenantID, instanceID, &flowgate.Decision{
		Action: action, Actor: p.UserID, FormData: []byte(req.FormData), Reason: req.Reason,
		StageID: string(req.StageID), PipelineID: string(req.PipelineID), UserID: string(req.UserID),
		IfVersion: ifMatchVersion(ifMatch), IdempotencyKey: key,
	})
	if err != nil {
		return nil, err
	}
	return instanceBody(http.StatusOK, v), nil
}

// ifMatchVersion reads If-Match: "" and * ask nothing (0); an ETag that is
// no version can match none (-1).
func ifMatchVersion(h string) int {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return 0
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	n, err := strconv.Atoi(h)
	if err != nil || n <= 0 {
		return -1
	}
	return n
}

// JSONObject is a JSON object kept as written (null is none).
type JSONObject []byte

// UnmarshalJSON accepts an object or null.
func (o *JSONObject) UnmarshalJSON(data []byte) error {
	t := bytes.TrimSpace(data)
	if string(t) == "null" {
		*o = nil
		return nil
	}
	if len(t) == 0 || t[0] != '{' {
		return errObject
	}
	*o = append((*o)[:0], t...)
	return nil
}

// Schema documents an object.
func (JSONObject) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: "object", AdditionalProperties: true}
}

var errObject = errorString("must be a JSON object")

type errorString string

func (e errorString) Error() string { return string(e) }
