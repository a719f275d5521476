package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// StageBody is an answer holding one stage.
type StageBody struct {
	Status int `json:"-"`
	Body   *StageOut
}

// StageOut is a stage and the workflow version it is part of.
type StageOut struct {
	Stage
	WorkflowID      string `json:"workflow_id"`
	WorkflowVersion int    `json:"workflow_version"`
}

type stageCreateInput struct {
	PipelineID string `path:"id"`
	RawBody    []byte
}

func (s *Server) stageRoutes() {
	register(s, huma.Operation{
		OperationID: "createStage", Method: http.MethodPost, Path: "/api/v1/pipelines/{id}/stages", Tags: []string{"Definitions"},
		Summary: "Add a stage to a pipeline", Description: "Without an order it goes after its siblings.",
		DefaultStatus: http.StatusCreated, Errors: writeErrors,
	}, StageRequest{}, s.createStage)
	register(s, huma.Operation{
		OperationID: "updateStage", Method: http.MethodPatch, Path: "/api/v1/stages/{id}", Tags: []string{"Definitions"},
		Summary:     "Change a stage (the original's partial StageSerializer update)",
		Description: "Only the members sent change; stage_info is replaced whole. pipeline_id, when sent, must be the stage's pipeline.",
		Errors:      writeErrors,
	}, StageRequest{}, s.updateStage)
	register(s, huma.Operation{
		OperationID: "deleteStage", Method: http.MethodDelete, Path: "/api/v1/stages/{id}", Tags: []string{"Definitions"},
		Summary: "Remove a stage from the workflow's next version", DefaultStatus: http.StatusNoContent, Errors: writeErrors,
	}, nil, s.deleteStage)
}

func (s *Server) createStage(ctx context.Context, in *stageCreateInput) (*StageBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.nodeExists(ctx, p.TenantID, in.PipelineID, flowtype.NodePipeline); err != nil {
		return nil, err
	}
	st, compat, err := definition.DecodeStageJSON(in.RawBody)
	if err != nil {
		return nil, err
	}
	if compat.PipelineID != "" && compat.PipelineID != in.PipelineID {
		return nil, validationProblem("pipeline_id", "pipeline_id must be the pipeline of the path")
	}
	if st.ID == "" {
		st.ID = newNodeID()
	}
	prefix := ""
	d, err := s.e.UpdateWorkflow(ctx, p.TenantID, s.workflowIDOf(ctx, p.TenantID, in.PipelineID), func(w *definition.Workflow) error {
		for i := range w.Pipelines {
			pl := &w.Pipelines[i]
			if pl.ID != in.PipelineID {
				continue
			}
			if !compat.OrderGiven {
				st.Order = 0
				for _, o := range pl.Stages {
					st.Order = max(st.Order, o.Order+1)
				}
			}
			prefix = "pipelines[" + strconv.Itoa(i) + "].stages[" + strconv.Itoa(len(pl.Stages)) + "]"
			pl.Stages = append(pl.Stages, *st)
			return nil
		}
		return flowtype.NotFound("pipeline", in.PipelineID)
	}, &flowgate.WriteOpts{Actor: p.UserID})
	if err != nil {
		return nil, relativePaths(err, prefix)
	}
	return &StageBody{Status: http.StatusCreated, Body: s.stageOut(ctx, p.TenantID, d, st.ID)}, nil
}

func (s *Server) workflowIDOf(ctx context.Context, tenant, nodeID string) string {
	n, err := s.e.FindNode(ctx, tenant, nodeID)
	if err != nil {
		return ""
	}
	return n.WorkflowID
}

func (s *Server) stageOut(ctx context.Context, tenant string, d *flowgate.WorkflowDetail, id string) *StageOut {
	pl, st := d.Definition.FindStage(id)
	return &StageOut{
		Stage:      stageOf(s.newNamer(ctx, tenant), d.Definition.ID, pl.ID, st),
		WorkflowID: d.Definition.ID, WorkflowVersion: d.Version,
	}
}

func (s *Server) updateStage(ctx context.Context, in *nodePatchInput) (*StageBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := s.nodeWorkflow(ctx, p.TenantID, in.ID)
	if err != nil {
		return nil, err
	}
	curPipeline, curStage := cur.Definition.FindStage(in.ID)
	if err := s.nodeExists(ctx, p.TenantID, in.ID, flowtype.NodeStage); err != nil {
		return nil, err
	}
	if curStage == nil {
		return nil, flowtype.NotFound("stage", in.ID)
	}
	sent, err := members(in.RawBody)
	if err != nil {
		return nil, err
	}
	dec, compat, err := definition.DecodeStageJSON(in.RawBody)
	if err != nil {
		return nil, err
	}
	if _, ok := sent["pipeline_id"]; ok && compat.PipelineID != curPipeline.ID {
		return nil, validationProblem("pipeline_id", "pipeline_id must be the stage's pipeline (a stage cannot move)")
	}
	if _, ok := sent["id"]; ok && dec.ID != in.ID {
		return nil, validationProblem("id", "id cannot change")
	}
	d, err := s.e.UpdateStage(ctx, p.TenantID, in.ID, func(st *definition.Stage) error {
		if namesSent(sent) {
			st.Name = mergeName(st.Name, sent, dec.Name)
		}
		if _, ok := sent["order"]; ok {
			st.Order = dec.Order
		}
		if _, ok := sent["is_active"]; ok {
			st.IsActive = dec.IsActive
		}
		if _, ok := sent["stage_info"]; ok {
			st.Info = dec.Info
		}
		if _, ok := sent["actions"]; ok {
			st.Actions = dec.Actions
		}
		return nil
	}, &flowgate.WriteOpts{Actor: p.UserID})
	if err != nil {
		return nil, relativePaths(err, stagePath(cur.Definition, in.ID))
	}
	return &StageBody{Body: s.stageOut(ctx, p.TenantID, d, in.ID)}, nil
}

func stagePath(w *definition.Workflow, id string) string {
	for i, pl := range w.Pipelines {
		for j, st := range pl.Stages {
			if st.ID == id {
				return "pipelines[" + strconv.Itoa(i) + "].stages[" + strconv.Itoa(j) + "]"
			}
		}
	}
	return ""
}

func (s *Server) deleteStage(ctx context.Context, in *nodeIDInput) (*emptyOutput, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.nodeExists(ctx, p.TenantID, in.ID, flowtype.NodeStage); err != nil {
		return nil, err
	}
	if _, err := s.e.DeleteStage(ctx, p.TenantID, in.ID, &flowgate.WriteOpts{Actor: p.UserID}); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}
