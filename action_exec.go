package flowgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/flowgate/flowgate/action"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// executeRun runs one attempt of an action run: it reads the instance as
// it is now, builds the handler's request and calls the handler.
func (e *Engine) executeRun(ctx context.Context, run *flowtype.ActionRun) ([]byte, error) {
	h, ok := e.acts.handlers.get(run.Handler)
	if !ok {
		return nil, action.Permanent(fmt.Errorf("handler %q is not registered", run.Handler))
	}
	req, err := e.actionRequest(ctx, run)
	if err != nil {
		return nil, err
	}
	if err := h(action.NewContext(ctx, req), req); err != nil {
		return nil, err
	}
	if req.Result() == nil {
		return nil, nil
	}
	out, err := json.Marshal(req.Result())
	if err != nil {
		return nil, nil // the side effect happened; an unencodable result is not a failure
	}
	return out, nil
}

// actionRequest reads what a handler is given.
func (e *Engine) actionRequest(ctx context.Context, run *flowtype.ActionRun) (*action.Request, error) {
	x := e.store
	inst, err := x.InstanceGet(ctx, run.TenantID, run.InstanceID)
	if err != nil {
		return nil, fmt.Errorf("read instance %s: %w", run.InstanceID, err)
	}
	evs, err := x.EventList(ctx, &store.EventListParams{TenantID: run.TenantID, InstanceID: run.InstanceID,
		AfterSeq: run.EventSeq - 1, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("read event %d: %w", run.EventSeq, err)
	}
	if len(evs) == 0 || evs[0].Seq != run.EventSeq {
		return nil, action.Permanent(fmt.Errorf("event %d of instance %s is gone", run.EventSeq, run.InstanceID))
	}
	ev := evs[0]
	cw, err := e.defs.pinned(ctx, x, run.TenantID, inst.WorkflowID, inst.WorkflowVersion)
	if err != nil {
		return nil, err
	}
	tasks, err := x.TaskListByInstance(ctx, run.TenantID, run.InstanceID)
	if err != nil {
		return nil, err
	}
	subject, err := x.SubjectGet(ctx, run.TenantID, inst.SubjectType, inst.SubjectID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	var actor *flowtype.User
	if ev.Actor != "" {
		if u, err := x.UserGet(ctx, run.TenantID, ev.Actor); err == nil {
			actor = u
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	st := runState{Status: inst.Status, CurrentPipelineID: inst.CurrentPipelineID, CurrentStageID: inst.CurrentStageID,
		CurrentApprovers: currentApprovers(inst, tasks)}
	if len(run.State) > 0 {
		if err := json.Unmarshal(run.State, &st); err != nil {
			return nil, action.Permanent(fmt.Errorf("run state: %w", err))
		}
	}
	svc := &actionServices{e: e, tenant: run.TenantID, inst: inst, cw: cw, subject: subject, ev: ev, state: &st}
	return &action.Request{
		TenantID: run.TenantID, RunID: run.ID, RunKey: run.RunKey, Attempt: run.Attempts,
		ActionID: run.ActionID, Handler: run.Handler, Tier: run.Tier, Level: run.Level,
		Parameters: run.Parameters, Event: ev, Instance: inst, Subject: subject, Tasks: tasks, Actor: actor,
		Context: eventContext(cw, &st, ev), Services: svc,
	}, nil
}

// eventContext resolves an event against the pinned definition and the
// state its command committed.
func eventContext(cw *compiledWorkflow, st *runState, ev *flowtype.Event) action.EventContext {
	def := cw.def
	c := action.EventContext{
		Workflow:        &action.Node{ID: def.ID, Name: def.Name},
		WorkflowVersion: cw.version,
		Pipeline:        pipelineNode(def, ev.PipelineID),
		Stage:           stageNode(def, ev.StageID),
		CurrentPipeline: pipelineNode(def, st.CurrentPipelineID),
		CurrentStage:    stageNode(def, st.CurrentStageID),
	}
	if len(ev.Data) > 0 {
		_ = json.Unmarshal(ev.Data, &c.Data)
	}
	str := func(k string) string { s, _ := c.Data[k].(string); return s }
	c.FromPipeline, c.ToPipeline = pipelineNode(def, str("from_pipeline_id")), pipelineNode(def, str("to_pipeline_id"))
	c.FromStage, c.ToStage = stageNode(def, str("from_stage_id")), stageNode(def, str("to_stage_id"))
	c.Reason, c.DelegatedTo = str("reason"), str("delegated_to")
	// A send-back names its target as the new position.
	if ev.Type == flowtype.EventAfterResubmission && c.ToStage == nil && c.ToPipeline == nil {
		c.ToPipeline, c.ToStage = c.CurrentPipeline, c.CurrentStage
	}
	return c
}

func pipelineNode(def *definition.Workflow, id string) *action.Node {
	p := def.FindPipeline(id)
	if p == nil {
		return nil
	}
	return &action.Node{ID: p.ID, Name: p.Name, Order: p.Order}
}

func stageNode(def *definition.Workflow, id string) *action.Node {
	_, s := def.FindStage(id)
	if s == nil {
		return nil
	}
	return &action.Node{ID: s.ID, Name: s.Name, Order: s.Order}
}

// actionServices answers a handler's questions about its instance.
type actionServices struct {
	e       *Engine
	tenant  string
	inst    *flowtype.Instance
	cw      *compiledWorkflow
	subject *flowtype.Subject
	ev      *flowtype.Event
	// state is the instance as the event's command committed it.
	state *runState
}

var _ action.Services = (*actionServices)(nil)

func (s *actionServices) User(ctx context.Context, id string) (*flowtype.User, error) {
	return s.e.store.UserGet(ctx, s.tenant, id)
}

// CurrentApprovers lists who could act when the event's command committed:
// the holders of the current tasks, or the starter while the instance
// awaited resubmission (SEMANTICS §3.4).
func (s *actionServices) CurrentApprovers(context.Context) ([]string, error) {
	return slices.Clone(s.state.CurrentApprovers), nil
}

// NextApprovers lists who would get the tasks of the unit after the one the
// event concerns: for after_approve, the approvers who act next. Steps
// whose condition is false are left out; a role gives its eligible
// members now; self-approval gives the starter.
func (s *actionServices) NextApprovers(ctx context.Context) ([]string, error) {
	i := s.cw.unitOf(s.ev.PipelineID, s.ev.StageID)
	if i < 0 || i+1 >= len(s.cw.units) {
		return nil, nil
	}
	var data json.RawMessage
	if s.subject != nil {
		data = s.subject.Data
	}
	var out []string
	add := func(ids ...string) {
		for _, id := range ids {
			if id != "" && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	for _, step := range s.cw.units[i+1].Approvals {
		if step.Condition != "" {
			if v, ok := s.e.conds.eval(step.Condition, data, s.inst.Metadata); ok && !v {
				continue
			}
		}
		switch step.ApprovalType {
		case definition.ApprovalRole:
			members, err := s.e.store.RoleMemberList(ctx, s.tenant, step.UserRole)
			if err != nil {
				return nil, err
			}
			for _, m := range members {
				if m.IsActive && (m.UserID != s.inst.StartedBy || s.cw.def.AllowSelfApproval) {
					add(m.UserID)
				}
			}
		case definition.ApprovalSelfApproved:
			add(s.inst.StartedBy)
		default:
			add(step.ApprovalUser)
		}
	}
	return out, nil
}

// SetSubjectStatus sets a status field of the subject in its own
// transaction, calling Config.OnSubjectStatus as a completion does.
func (s *actionServices) SetSubjectStatus(ctx context.Context, field, value string) error {
	if field == "" {
		return flowtype.NewValidationError("field", "a status field is required")
	}
	return s.e.inTx(ctx, nil, func(x store.Executor) error {
		sub, err := x.SubjectGet(ctx, s.tenant, s.inst.SubjectType, s.inst.SubjectID)
		if err != nil {
			return err
		}
		from := sub.Status[field]
		if err := x.SubjectSetStatus(ctx, s.tenant, s.inst.SubjectType, s.inst.SubjectID, field, value); err != nil {
			return err
		}
		if hook := s.e.cfg.OnSubjectStatus; hook != nil {
			change := SubjectStatusChange{TenantID: s.tenant, SubjectType: s.inst.SubjectType, SubjectID: s.inst.SubjectID,
				InstanceID: s.inst.ID, Field: field, From: from, To: value}
			if err := hook(ctx, sqlTxOf(x), change); err != nil {
				return fmt.Errorf("flowgate: OnSubjectStatus: %w", err)
			}
		}
		return nil
	})
}

// SetSubjectData sets one top-level key of the subject's data document.
func (s *actionServices) SetSubjectData(ctx context.Context, key string, value json.RawMessage) error {
	if key == "" {
		return flowtype.NewValidationError("field", "a data key is required")
	}
	if !json.Valid(value) {
		return flowtype.NewValidationError("value", "value must be JSON")
	}
	return s.e.inTx(ctx, nil, func(x store.Executor) error {
		sub, err := x.SubjectGet(ctx, s.tenant, s.inst.SubjectType, s.inst.SubjectID)
		if err != nil {
			return err
		}
		doc := map[string]json.RawMessage{}
		if len(sub.Data) > 0 {
			if err := json.Unmarshal(sub.Data, &doc); err != nil {
				return err
			}
		}
		doc[key] = value
		data, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		_, err = x.SubjectUpsert(ctx, &store.SubjectUpsertParams{TenantID: s.tenant, Type: s.inst.SubjectType,
			ID: s.inst.SubjectID, Data: data})
		return err
	})
}
