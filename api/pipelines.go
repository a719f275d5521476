package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// PipelineBody is an answer holding one pipeline with its workflow's
// version.
type PipelineBody struct {
	Status int `json:"-"`
	Body   *PipelineOut
}

// PipelineOut is a pipeline and the workflow version it is part of.
type PipelineOut struct {
	Pipeline
	WorkflowVersion int `json:"workflow_version"`
}

type pipelineCreateInput struct {
	WorkflowID string `path:"id"`
	RawBody    []byte
}

type nodeIDInput struct {
	ID string `path:"id"`
}

type nodePatchInput struct {
	ID      string `path:"id"`
	RawBody []byte
}

type emptyOutput struct{}

func (s *Server) pipelineRoutes() {
	register(s, huma.Operation{
		OperationID: "createPipeline", Method: http.MethodPost, Path: "/api/v1/workflows/{id}/pipelines", Tags: []string{"Definitions"},
		Summary: "Add a pipeline to a workflow", Description: "Strategy rules apply (422). Without an order it goes after its siblings.",
		DefaultStatus: http.StatusCreated, Errors: writeErrors,
	}, PipelineRequest{}, s.createPipeline)
	register(s, huma.Operation{
		OperationID: "updatePipeline", Method: http.MethodPatch, Path: "/api/v1/pipelines/{id}", Tags: []string{"Definitions"},
		Summary: "Change a pipeline (partial update)", Errors: writeErrors,
	}, PipelineRequest{}, s.updatePipeline)
	register(s, huma.Operation{
		OperationID: "deletePipeline", Method: http.MethodDelete, Path: "/api/v1/pipelines/{id}", Tags: []string{"Definitions"},
		Summary: "Remove a pipeline and its stages from the workflow's next version", DefaultStatus: http.StatusNoContent, Errors: writeErrors,
	}, nil, s.deletePipeline)
}

func newNodeID() string { return uuid.Must(uuid.NewV7()).String() }

func (s *Server) createPipeline(ctx context.Context, in *pipelineCreateInput) (*PipelineBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.e.GetWorkflow(ctx, p.TenantID, in.WorkflowID); err != nil {
		return nil, err
	}
	pl, compat, err := definition.DecodePipelineJSON(in.RawBody)
	if err != nil {
		return nil, err
	}
	if pl.ID == "" {
		pl.ID = newNodeID()
	}
	index := -1
	d, err := s.e.UpdateWorkflow(ctx, p.TenantID, in.WorkflowID, func(w *definition.Workflow) error {
		if !compat.OrderGiven {
			pl.Order = 0
			for _, o := range w.Pipelines {
				pl.Order = max(pl.Order, o.Order+1)
			}
		}
		index = len(w.Pipelines)
		w.Pipelines = append(w.Pipelines, *pl)
		return nil
	}, &flowgate.WriteOpts{Actor: p.UserID})
	if err != nil {
		return nil, relativePaths(err, "pipelines["+strconv.Itoa(index)+"]")
	}
	return &PipelineBody{Status: http.StatusCreated, Body: s.pipelineOut(ctx, p.TenantID, d, pl.ID)}, nil
}

func (s *Server) pipelineOut(ctx context.Context, tenant string, d *flowgate.WorkflowDetail, id string) *PipelineOut {
	pl := d.Definition.FindPipeline(id)
	return &PipelineOut{Pipeline: s.pipelineOf(s.newNamer(ctx, tenant), d.Definition.ID, pl), WorkflowVersion: d.Version}
}

func (s *Server) updatePipeline(ctx context.Context, in *nodePatchInput) (*PipelineBody, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.nodeExists(ctx, p.TenantID, in.ID, flowtype.NodePipeline); err != nil {
		return nil, err
	}
	sent, err := members(in.RawBody)
	if err != nil {
		return nil, err
	}
	if _, ok := sent["number_of_stages"]; ok {
		return nil, validationProblem("number_of_stages", "number_of_stages only applies when a pipeline is created")
	}
	dec, _, err := definition.DecodePipelineJSON(in.RawBody)
	if err != nil {
		return nil, err
	}
	if _, ok := sent["id"]; ok && dec.ID != in.ID {
		return nil, validationProblem("id", "id cannot change")
	}
	prefix := ""
	d, err := s.e.UpdatePipeline(ctx, p.TenantID, in.ID, func(pl *definition.Pipeline) error {
		if namesSent(sent) {
			pl.Name = mergeName(pl.Name, sent, dec.Name)
		}
		if _, ok := sent["order"]; ok {
			pl.Order = dec.Order
		}
		_, dep := sent["department"]
		_, depID := sent["department_id"]
		if dep || depID {
			pl.Department = dec.Department
		}
		if _, ok := sent["pipeline_info"]; ok {
			pl.Info = dec.Info
		}
		if _, ok := sent["stages"]; ok {
			pl.Stages = dec.Stages
		}
		if _, ok := sent["actions"]; ok {
			pl.Actions = dec.Actions
		}
		return nil
	}, &flowgate.WriteOpts{Actor: p.UserID})
	if err != nil {
		if cur, gerr := s.nodeWorkflow(ctx, p.TenantID, in.ID); gerr == nil {
			for i, pl := range cur.Definition.Pipelines {
				if pl.ID == in.ID {
					prefix = "pipelines[" + strconv.Itoa(i) + "]"
				}
			}
		}
		return nil, relativePaths(err, prefix)
	}
	return &PipelineBody{Body: s.pipelineOut(ctx, p.TenantID, d, in.ID)}, nil
}

func (s *Server) deletePipeline(ctx context.Context, in *nodeIDInput) (*emptyOutput, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.nodeExists(ctx, p.TenantID, in.ID, flowtype.NodePipeline); err != nil {
		return nil, err
	}
	if _, err := s.e.DeletePipeline(ctx, p.TenantID, in.ID, &flowgate.WriteOpts{Actor: p.UserID}); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

// nodeExists answers 404 unless id is a pipeline, stage or action (kind)
// of the tenant's workflows, current version or not.
func (s *Server) nodeExists(ctx context.Context, tenant, id string, kind flowtype.NodeKind) error {
	n, err := s.e.FindNode(ctx, tenant, id)
	if err != nil {
		return err
	}
	if n.Kind != kind {
		return flowtype.NotFound(string(kind), id)
	}
	return nil
}

// nodeWorkflow reads the current version of the workflow holding a node.
func (s *Server) nodeWorkflow(ctx context.Context, tenant, id string) (*flowgate.WorkflowDetail, error) {
	n, err := s.e.FindNode(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return s.e.GetWorkflow(ctx, tenant, n.WorkflowID)
}

// relativePaths rewrites the paths of a validation error about the whole
// workflow so that the problems of the node the request sent (at prefix)
// read relative to its body; the others keep their workflow paths.
func relativePaths(err error, prefix string) error {
	var verr *flowtype.ValidationError
	if prefix == "" || !errors.As(err, &verr) {
		return err
	}
	out := &flowtype.ValidationError{}
	for _, fe := range verr.Errors {
		switch {
		case fe.Path == prefix:
			fe.Path = ""
		case strings.HasPrefix(fe.Path, prefix+"."):
			fe.Path = strings.TrimPrefix(fe.Path, prefix+".")
		}
		out.Errors = append(out.Errors, fe)
	}
	return out
}
