package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// CleanupRequest is the original's cleanup_workflows options.
type CleanupRequest struct {
	Days   int    `json:"days" minimum:"0" doc:"Keep instances finished in the last days days; 0 deletes every finished instance."`
	Status string `json:"status,omitempty" enum:"completed,rejected,withdrawn," doc:"Only this finished status (default: all three)."`
	DryRun bool   `json:"dry_run,omitempty" doc:"Count what a real run would delete; delete nothing."`
}

func (s *Server) cleanupRoutes() {
	register(s, huma.Operation{
		OperationID: "getCleanupStats", Method: http.MethodGet, Path: "/api/v1/cleanup/stats", Tags: []string{"Cleanup"},
		Summary: "Instances by status and finished ones by age, with a recommendation (the original's cleanup_workflows --stats)",
	}, nil, s.cleanupStats)
	register(s, huma.Operation{
		OperationID: "cleanup", Method: http.MethodPost, Path: "/api/v1/cleanup", Tags: []string{"Cleanup"},
		Summary:     "Delete finished instances older than days (admin)",
		Description: "With their tasks, events, idempotency records and action runs; running instances and definitions are never touched. dry_run counts exactly what a real run would delete.",
		Errors:      writeErrors,
	}, CleanupRequest{}, s.cleanup)
}

func (s *Server) cleanupStats(ctx context.Context, _ *noInput) (*struct{ Body *flowgate.CleanupStatistics }, error) {
	p := principalFrom(ctx)
	st, err := s.e.CleanupStats(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body *flowgate.CleanupStatistics }{st}, nil
}

func (s *Server) cleanup(ctx context.Context, in *bodyInput) (*struct{ Body *flowgate.CleanupResult }, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	var req CleanupRequest
	if err := decodeStrict(in.RawBody, &req); err != nil {
		return nil, err
	}
	params := &flowgate.CleanupParams{Days: req.Days, DryRun: req.DryRun}
	if req.Status != "" {
		params.Statuses = []flowtype.Status{flowtype.Status(req.Status)}
	}
	res, err := s.e.Cleanup(ctx, p.TenantID, params)
	if err != nil {
		return nil, relativeStatus(err)
	}
	return &struct{ Body *flowgate.CleanupResult }{res}, nil
}

// relativeStatus names the request's status member in the engine's
// "status[0]" problem.
func relativeStatus(err error) error {
	p, ok := problemOf(err)
	if !ok {
		return err
	}
	for i := range p.Errors {
		if p.Errors[i].Path == "status[0]" {
			p.Errors[i].Path = "status"
		}
	}
	return p
}
