package flowgate

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/outbox"
	"github.com/flowgate/flowgate/store"
)

// actionState is the engine's action machinery: the handler registry and
// the dispatcher StartWorkers runs.
type actionState struct {
	cfg      *Config
	handlers registry

	mu   sync.Mutex
	disp *outbox.Dispatcher
}

func newActionState(cfg *Config) *actionState {
	a := &actionState{cfg: cfg, handlers: registry{m: map[string]Handler{}}}
	a.registerBuiltins(cfg)
	return a
}

// committed is called after every transaction the engine commits: it
// wakes the dispatcher, if one runs, so that new runs start at once.
func (a *actionState) committed() {
	a.mu.Lock()
	d := a.disp
	a.mu.Unlock()
	if d != nil {
		d.Wake()
	}
}

func (c *Config) validateActions() error {
	if err := c.Actions.validate(); err != nil {
		return fmt.Errorf("flowgate: Config.Actions: %w", err)
	}
	w := c.Workers
	if w.Lease > 0 && w.Timeout > 0 && w.Lease <= w.Timeout {
		return fmt.Errorf("flowgate: Config.Workers.Lease (%v) must exceed Timeout (%v)", w.Lease, w.Timeout)
	}
	return nil
}

// resolvedAction is one action an event resolved to.
type resolvedAction struct {
	action definition.Action
	tier   flowtype.Tier
	level  flowtype.Level
}

// resolveActions is SEMANTICS §5 for one event: database actions of the
// event's stage, else of its pipeline, else of the workflow (the first
// level with an active action of the event's type wins alone, ordered by
// order then id); else the settings list for the subject type (an empty
// list means none; entries of other types do not count); else the built-in
// defaults. History-only events resolve nothing.
func resolveActions(def *definition.Workflow, settings ActionSettings, subjectType string, ev *flowtype.Event) []resolvedAction {
	if !ev.Type.IsActionEvent() {
		return nil
	}
	if out := databaseActions(def, ev); len(out) > 0 {
		return out
	}
	if list, ok := settings.lookup(subjectType); ok {
		if len(list) == 0 {
			return nil
		}
		var out []resolvedAction
		for _, a := range list {
			if a.ActionType == string(ev.Type) {
				a.ID = ""
				out = append(out, resolvedAction{action: a, tier: flowtype.TierSettings})
			}
		}
		if len(out) > 0 {
			slices.SortStableFunc(out, func(x, y resolvedAction) int { return cmp.Compare(x.action.Order, y.action.Order) })
			return out
		}
	}
	var out []resolvedAction
	for _, a := range defaultActions {
		if a.ActionType == string(ev.Type) {
			a.ID = ""
			out = append(out, resolvedAction{action: a, tier: flowtype.TierDefault})
		}
	}
	return out
}

// databaseActions returns the actions of the nearest level that has an
// active one of the event's type.
func databaseActions(def *definition.Workflow, ev *flowtype.Event) []resolvedAction {
	if def == nil {
		return nil
	}
	levels := []struct {
		level   flowtype.Level
		actions func() []definition.Action
	}{
		{flowtype.LevelStage, func() []definition.Action {
			if _, s := def.FindStage(ev.StageID); s != nil {
				return s.Actions
			}
			return nil
		}},
		{flowtype.LevelPipeline, func() []definition.Action {
			if p := def.FindPipeline(ev.PipelineID); p != nil {
				return p.Actions
			}
			return nil
		}},
		{flowtype.LevelWorkflow, func() []definition.Action { return def.Actions }},
	}
	for _, l := range levels {
		var out []resolvedAction
		for _, a := range l.actions() {
			if a.IsActive && a.ActionType == string(ev.Type) {
				out = append(out, resolvedAction{action: a, tier: flowtype.TierDatabase, level: l.level})
			}
		}
		if len(out) > 0 {
			slices.SortStableFunc(out, func(x, y resolvedAction) int {
				return cmp.Or(cmp.Compare(x.action.Order, y.action.Order), cmp.Compare(x.action.ID, y.action.ID))
			})
			return out
		}
	}
	return nil
}

// defaultActions is DefaultActions, built once: every event without a
// database or settings action resolves against it.
var defaultActions = DefaultActions()

// DefaultActions returns the built-in default notifications (SEMANTICS
// §5): what the default tier runs, and what AutoCreateActions writes as
// workflow-level actions.
func DefaultActions() []definition.Action {
	mk := func(event, template, subject string, recipients ...string) definition.Action {
		params, _ := json.Marshal(map[string]any{"template": template, "recipients": recipients, "subject": subject})
		return definition.Action{ActionType: event, Handler: HandlerEmail, Parameters: params, Order: 1, IsActive: true}
	}
	return []definition.Action{
		mk("after_approve", "workflow_approved", "Workflow Approved", "creator"),
		mk("after_reject", "workflow_rejected", "Workflow Rejected", "creator"),
		mk("after_resubmission", "workflow_resubmission_required", "Resubmission Required", "creator", "current_approver"),
		mk("after_delegate", "workflow_delegated", "Workflow Delegated", "delegated_to", "creator"),
		mk("after_move_stage", "workflow_action_required", "Workflow Progressed to Next Stage", "creator"),
	}
}

// autoCreateActions adds the default notifications as workflow-level
// actions to a workflow being created, for each event the workflow has no
// workflow-level action of (Config.AutoCreateActions).
func (e *Engine) autoCreateActions(def *definition.Workflow) {
	if !e.cfg.AutoCreateActions {
		return
	}
	for _, d := range DefaultActions() {
		if !slices.ContainsFunc(def.Actions, func(a definition.Action) bool { return a.ActionType == d.ActionType }) {
			def.Actions = append(def.Actions, d)
		}
	}
}

// actionDefinition returns the definition database actions are resolved
// from: the workflow's current version (see docs/decisions.md, "Actions
// resolve from the current version"). Node ids are stable across versions,
// so the event's stage and pipeline are found there by id. current is the
// workflow's current version when the caller read it (with the instance),
// or 0 to read it here. The pinned version (cw) serves
// when it is the current one; another current version is taken from the
// definition cache when an instance pinned it (it is then immutable), else
// read.
func (e *Engine) actionDefinition(ctx context.Context, x store.Executor, tenantID string, cw *compiledWorkflow, current int) (*definition.Workflow, error) {
	wf := cw.def.ID
	if current == 0 {
		row, err := x.WorkflowGet(ctx, tenantID, wf)
		if errors.Is(err, ErrNotFound) {
			return cw.def, nil
		}
		if err != nil {
			return nil, err
		}
		current = row.CurrentVersion
	}
	if current == cw.version {
		return cw.def, nil
	}
	e.defs.mu.RLock()
	cached, ok := e.defs.m[defKey(tenantID, wf, current)]
	e.defs.mu.RUnlock()
	if ok {
		return cached.def, nil
	}
	v, err := x.WorkflowVersionGet(ctx, tenantID, wf, current)
	if err != nil {
		return nil, fmt.Errorf("flowgate: read workflow %s version %d: %w", wf, current, err)
	}
	def, err := definition.DecodeJSON(v.Definition)
	if err != nil {
		return nil, fmt.Errorf("flowgate: decode workflow %s version %d: %w", wf, current, err)
	}
	def.ID = wf
	return def, nil
}

// writeActionRuns resolves the actions of the events this command wrote
// and stores one run per resolved action, in the command's transaction.
func (r *run) writeActionRuns() error {
	cfg := &r.e.cfg
	if !cfg.actionsEnabled() {
		return nil
	}
	var events []*flowtype.Event
	for _, ev := range r.events {
		if ev.Type.IsActionEvent() {
			events = append(events, ev)
		}
	}
	if len(events) == 0 {
		return nil
	}
	def, err := r.e.actionDefinition(r.ctx, r.x, r.tenant, r.cw, r.wfVersion)
	if err != nil {
		return err
	}
	var runs []*flowtype.ActionRun
	maxAttempts := cfg.Workers.maxAttempts()
	state := r.committedState()
	for _, ev := range events {
		ordinal := 0
		for _, ra := range resolveActions(def, cfg.Actions, r.inst.SubjectType, ev) {
			if cfg.DisableEmails && ra.action.Handler == HandlerEmail {
				continue
			}
			ordinal++
			runs = append(runs, &flowtype.ActionRun{
				TenantID: r.tenant, ID: newID(), InstanceID: r.inst.ID, EventSeq: ev.Seq, Event: ev.Type, Ordinal: ordinal,
				ActionID: ra.action.ID, Handler: ra.action.Handler, Parameters: ra.action.Parameters, State: state,
				Tier: ra.tier, Level: ra.level, Status: flowtype.RunPending, MaxAttempts: maxAttempts,
				CreatedAt: r.now, UpdatedAt: r.now, // RunKey: the store derives it from instance, seq and ordinal
			})
		}
	}
	if len(runs) == 0 {
		return nil
	}
	return r.batch.ActionRunInsert(r.ctx, runs)
}

// runState is the instance as a command committed it, kept on its action
// runs: recipients such as current_approver are resolved against it, so a
// run that executes late (a retry, a backlog) still addresses the people
// of its event.
type runState struct {
	Status            flowtype.Status `json:"status"`
	CurrentPipelineID string          `json:"current_pipeline_id,omitempty"`
	CurrentStageID    string          `json:"current_stage_id,omitempty"`
	// CurrentApprovers holds the current tasks' holders, or the starter
	// while the instance awaits resubmission (SEMANTICS §3.4).
	CurrentApprovers []string `json:"current_approvers"`
}

func (r *run) committedState() json.RawMessage {
	st := runState{Status: r.inst.Status, CurrentPipelineID: r.inst.CurrentPipelineID,
		CurrentStageID: r.inst.CurrentStageID, CurrentApprovers: currentApprovers(r.inst, r.tasks)}
	b, _ := json.Marshal(&st)
	return b
}

// currentApprovers lists the holders of current tasks in task order, or
// the starter while the instance awaits resubmission; none once finished.
func currentApprovers(inst *flowtype.Instance, tasks []*flowtype.Task) []string {
	out := []string{}
	switch inst.Status {
	case flowtype.StatusAwaitingResubmission:
		return append(out, inst.StartedBy)
	case flowtype.StatusInProgress:
		for _, t := range tasks {
			if t.Status == flowtype.TaskCurrent && t.Assignee != "" && !slices.Contains(out, t.Assignee) {
				out = append(out, t.Assignee)
			}
		}
	}
	return out
}
