package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
)

type noInput struct{}

func (s *Server) statisticsRoutes() {
	register(s, huma.Operation{
		OperationID: "getStatistics", Method: http.MethodGet, Path: "/api/v1/statistics", Tags: []string{"Reports"},
		Summary: "Workflow statistics of the tenant (the original's get_workflow_statistics)",
	}, nil, s.statistics)
}

func (s *Server) statistics(ctx context.Context, _ *noInput) (*struct{ Body *flowgate.WorkflowStatistics }, error) {
	p := principalFrom(ctx)
	st, err := s.e.Statistics(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	return &struct{ Body *flowgate.WorkflowStatistics }{st}, nil
}
