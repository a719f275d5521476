package flowgate

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Action is a decision's kind, with the original's API values.
type Action string

// Decision actions.
const (
	ActionApprove  Action = "approved"
	ActionReject   Action = "rejected"
	ActionSendBack Action = "needs_resubmission"
	ActionDelegate Action = "delegated"
	ActionResubmit Action = "resubmitted"
	ActionWithdraw Action = "withdrawn"
)

var actionAliases = map[string]Action{
	"approved": ActionApprove, "approve": ActionApprove,
	"rejected": ActionReject, "reject": ActionReject,
	"needs_resubmission": ActionSendBack, "send_back": ActionSendBack, "resubmission": ActionSendBack,
	"delegated": ActionDelegate, "delegate": ActionDelegate,
	"resubmitted": ActionResubmit, "resubmit": ActionResubmit,
	"withdrawn": ActionWithdraw, "withdraw": ActionWithdraw, "cancel": ActionWithdraw, "cancelled": ActionWithdraw,
}

// ParseAction reads an action value case-insensitively, accepting the
// original's upper-case values (APPROVED, NEEDS_RESUBMISSION, …).
func ParseAction(s string) (Action, error) {
	if a, ok := actionAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return a, nil
	}
	return "", flowtype.RefuseField(flowtype.CodeValidationFailed, "action",
		fmt.Sprintf("Unknown action %q: must be one of approved, rejected, needs_resubmission, delegated, resubmitted, withdrawn", s))
}

// Decision is a command on a running instance.
type Decision struct {
	Action Action
	// Actor is the user who decides.
	Actor string
	// FormData is read by approve and resubmit; an empty object is none.
	FormData json.RawMessage
	// Reason is required by reject and send back; a comment otherwise.
	Reason string
	// StageID (strategy 1) or PipelineID (strategy 2) is a send-back's
	// target.
	StageID    string
	PipelineID string
	// UserID is a delegation's delegate.
	UserID string
	// IfVersion, when not 0, must equal the instance's version
	// (precondition_failed otherwise).
	IfVersion int
	// IdempotencyKey makes a retry return the first result.
	IdempotencyKey string
}

// Decide applies a decision in its own transaction and returns the new
// state. Refusals are *Error values with the codes of SEMANTICS §3.9.
func (e *Engine) Decide(ctx context.Context, tenantID, instanceID string, d *Decision) (*InstanceView, error) {
	return e.decide(ctx, nil, tenantID, instanceID, d)
}

// DecideTx is Decide inside the caller's transaction (begun on the store's
// DB()); the decision commits with it.
func (e *Engine) DecideTx(ctx context.Context, tx *sql.Tx, tenantID, instanceID string, d *Decision) (*InstanceView, error) {
	return e.decide(ctx, tx, tenantID, instanceID, d)
}

// DecisionOpts are the optional parts of a named decision.
type DecisionOpts struct {
	FormData       json.RawMessage
	Reason         string
	IfVersion      int
	IdempotencyKey string
}

func (o *DecisionOpts) decision(a Action, actor string) *Decision {
	d := &Decision{Action: a, Actor: actor}
	if o != nil {
		d.FormData, d.Reason, d.IfVersion, d.IdempotencyKey = o.FormData, o.Reason, o.IfVersion, o.IdempotencyKey
	}
	return d
}

// Approve approves the actor's current task.
func (e *Engine) Approve(ctx context.Context, tenantID, instanceID, actor string, opts *DecisionOpts) (*InstanceView, error) {
	return e.Decide(ctx, tenantID, instanceID, opts.decision(ActionApprove, actor))
}

// Reject rejects the instance; reason is required.
func (e *Engine) Reject(ctx context.Context, tenantID, instanceID, actor, reason string, opts *DecisionOpts) (*InstanceView, error) {
	d := opts.decision(ActionReject, actor)
	d.Reason = reason
	return e.Decide(ctx, tenantID, instanceID, d)
}

// SendBack returns the instance to an earlier (or the same) stage, or
// pipeline for strategy 2, for the starter to resubmit.
func (e *Engine) SendBack(ctx context.Context, tenantID, instanceID, actor, targetID, reason string, opts *DecisionOpts) (*InstanceView, error) {
	d := opts.decision(ActionSendBack, actor)
	d.Reason, d.StageID, d.PipelineID = reason, targetID, targetID
	return e.Decide(ctx, tenantID, instanceID, d)
}

// Resubmit restarts the stage an instance was sent back to.
func (e *Engine) Resubmit(ctx context.Context, tenantID, instanceID, actor string, opts *DecisionOpts) (*InstanceView, error) {
	return e.Decide(ctx, tenantID, instanceID, opts.decision(ActionResubmit, actor))
}

// Delegate hands the actor's current task to another user.
func (e *Engine) Delegate(ctx context.Context, tenantID, instanceID, actor, to string, opts *DecisionOpts) (*InstanceView, error) {
	d := opts.decision(ActionDelegate, actor)
	d.UserID = to
	return e.Decide(ctx, tenantID, instanceID, d)
}

// Withdraw cancels the instance; only its starter may.
func (e *Engine) Withdraw(ctx context.Context, tenantID, instanceID, actor string, opts *DecisionOpts) (*InstanceView, error) {
	return e.Decide(ctx, tenantID, instanceID, opts.decision(ActionWithdraw, actor))
}

func (e *Engine) decide(ctx context.Context, tx *sql.Tx, tenantID, instanceID string, d *Decision) (*InstanceView, error) {
	if d == nil {
		return nil, flowtype.NewValidationError("", "a decision is required")
	}
	a, err := ParseAction(string(d.Action))
	if err != nil {
		return nil, err
	}
	dd := *d
	dd.Action = a
	dd.FormData = normalizeFormData(dd.FormData)
	if len(dd.FormData) > 0 && !json.Valid(dd.FormData) {
		return nil, flowtype.NewValidationError("form_data", "form_data must be a JSON object")
	}
	key := idemKey{tenant: tenantID, user: dd.Actor, key: dd.IdempotencyKey}
	hash := key.requestHash("decide", instanceID, dd)
	return e.command(ctx, tx, Command{Kind: CommandDecide, Action: a, InstanceID: instanceID}, tenantID, dd.Actor, key, hash, func(r *run) error {
		if err := r.load(instanceID); err != nil {
			return err
		}
		return r.judge(&dd)
	})
}

func normalizeFormData(raw json.RawMessage) json.RawMessage {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" || s == "{}" {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil && len(m) == 0 {
		return nil
	}
	return raw
}

// judge checks a decision in the order of SEMANTICS §3.9 and applies it in
// memory.
func (r *run) judge(d *Decision) error {
	if d.IfVersion != 0 && d.IfVersion != r.oldVersion {
		return flowtype.Refuse(flowtype.CodePreconditionFailed,
			fmt.Sprintf("Instance version is %d, not %d", r.oldVersion, d.IfVersion))
	}
	r.decision = true
	switch d.Action {
	case ActionResubmit:
		return r.resubmit(d)
	case ActionWithdraw:
		return r.withdraw(d)
	}
	task, err := r.holderTask()
	if err != nil {
		return err
	}
	if err := r.mayDecide(d.Action); err != nil {
		return err
	}
	r.data = map[string]any{"task_id": task.ID}
	if d.Reason != "" {
		r.data["reason"] = d.Reason
	}
	switch d.Action {
	case ActionApprove:
		return r.approve(task, d)
	case ActionReject:
		return r.reject(task, d)
	case ActionSendBack:
		return r.sendBack(task, d)
	case ActionDelegate:
		return r.delegate(task, d)
	}
	return flowtype.RefuseField(flowtype.CodeValidationFailed, "action", "unknown action")
}

// holderTask runs the checks common to approve, reject, send back and
// delegate: stale decision, status, assignee.
func (r *run) holderTask() (*flowtype.Task, error) {
	task := r.currentTaskOf(r.actor)
	if task == nil && r.inst.LastDecisionVersion > 0 {
		for _, t := range r.tasks {
			if t.Assignee == r.actor && !t.Status.Open() && t.ClosedVersion == r.inst.LastDecisionVersion {
				return nil, flowtype.Refuse(flowtype.CodeConflict, "This step was already decided.")
			}
		}
	}
	if r.inst.Status != flowtype.StatusInProgress {
		return nil, notInProgress(r.inst.Status)
	}
	if task == nil {
		return nil, flowtype.Refuse(flowtype.CodeNotAssignee, "You are not authorized to act on this step.")
	}
	return task, nil
}

func notInProgress(s flowtype.Status) error {
	return flowtype.Refuse(flowtype.CodeNotInProgress, fmt.Sprintf("Workflow is not in progress (current status: %s)", s))
}

func (r *run) approve(t *flowtype.Task, d *Decision) error {
	step := r.stepOf(t)
	if r.actor == r.inst.StartedBy && step.ApprovalType != definition.ApprovalSelfApproved && !r.cw.def.AllowSelfApproval {
		return flowtype.Refuse(flowtype.CodeSelfApprovalForbidden, "You cannot approve your own request.")
	}
	unit := r.cw.unitOf(t.PipelineID, t.StageID)
	if step.StepApprovalType == definition.StepCheckInVerify && t.CheckedInBy == "" {
		if len(d.FormData) > 0 {
			return formInvalid("Check-in does not take form_data")
		}
		now := r.now
		t.CheckedInBy, t.CheckedInAt = r.actor, &now
		r.touch(t)
		r.event(flowtype.EventCheckedIn, unit, r.data)
		return nil
	}
	if err := r.checkForm(step, d.FormData); err != nil {
		return err
	}
	now := r.now
	t.ActedBy, t.ActedAt, t.FormData, t.Reason = r.actor, &now, d.FormData, d.Reason
	r.close(t, flowtype.TaskApproved)
	settled, err := r.advance(t.Round, t.Step, unit)
	if err != nil {
		return err
	}
	if !settled {
		r.event(flowtype.EventTaskApproved, unit, r.data)
	}
	return nil
}

func formInvalid(msg string) error {
	return flowtype.RefuseField(flowtype.CodeFormInvalid, "form_data", msg)
}

// checkForm applies the form_data rules of the step's approval type.
func (r *run) checkForm(step definition.Step, data json.RawMessage) error {
	switch step.StepApprovalType {
	case definition.StepMove:
		if len(data) > 0 {
			return formInvalid("MOVE type does not accept forms or form_data.")
		}
		return nil
	case definition.StepSubmit:
		if len(data) == 0 {
			return formInvalid("This step requires form_data (SUBMIT type).")
		}
	default:
		if step.RequiredForm == "" {
			return nil
		}
		if len(data) == 0 {
			return formInvalid("Form data is required for this approval step")
		}
	}
	if step.RequiredForm == "" {
		return nil
	}
	form, err := r.x.FormGet(r.ctx, r.tenant, step.RequiredForm)
	if err != nil {
		return fmt.Errorf("flowgate: required form %s: %w", step.RequiredForm, err)
	}
	problems, err := r.e.forms.validate(form.Schema, data)
	if err != nil {
		return fmt.Errorf("flowgate: form %s: %w", step.RequiredForm, err)
	}
	if len(problems) > 0 {
		return &flowtype.Error{Code: flowtype.CodeFormInvalid, Message: "form_data does not match the form", Errors: problems}
	}
	return nil
}

func (r *run) reject(t *flowtype.Task, d *Decision) error {
	if strings.TrimSpace(d.Reason) == "" {
		return flowtype.RefuseField(flowtype.CodeReasonRequired, "reason", "Reason is required for rejection")
	}
	unit := r.currentUnit()
	now := r.now
	t.ActedBy, t.ActedAt, t.Reason = r.actor, &now, d.Reason
	r.close(t, flowtype.TaskRejected)
	for _, o := range r.openTasks() {
		r.close(o, flowtype.TaskCancelled)
	}
	r.inst.Status = flowtype.StatusRejected
	r.inst.CompletedAt = &now
	r.inst.Metadata = setMetadata(r.inst.Metadata, map[string]any{"rejection_reason": d.Reason, "rejected_by": r.actor})
	data := merge(r.data, nil)
	if err := r.subjectStatus(false, data); err != nil {
		return err
	}
	r.event(flowtype.EventAfterReject, unit, data)
	return nil
}

func setMetadata(raw json.RawMessage, kv map[string]any) json.RawMessage {
	m := map[string]any{}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &m)
	}
	for k, v := range kv {
		m[k] = v
	}
	out, _ := json.Marshal(m)
	return out
}

func (r *run) sendBack(t *flowtype.Task, d *Decision) error {
	if strings.TrimSpace(d.Reason) == "" {
		return flowtype.RefuseField(flowtype.CodeReasonRequired, "reason", "Reason is required for resubmission")
	}
	cur := r.currentUnit()
	target, err := r.sendBackTarget(d, cur)
	if err != nil {
		return err
	}
	now := r.now
	t.ActedBy, t.ActedAt, t.Reason = r.actor, &now, d.Reason
	r.close(t, flowtype.TaskSentBack)
	for _, o := range r.openTasks() {
		r.close(o, flowtype.TaskCancelled)
	}
	fp, fs := r.unitIDs(cur)
	tp, ts := r.unitIDs(target)
	data := merge(r.data, map[string]any{"from_stage_id": fs, "to_stage_id": ts, "from_pipeline_id": fp, "to_pipeline_id": tp})
	r.event(flowtype.EventAfterResubmission, cur, data)
	r.inst.Status = flowtype.StatusAwaitingResubmission
	r.setPosition(target)
	return nil
}

// sendBackTarget resolves and checks a send-back's target unit.
func (r *run) sendBackTarget(d *Decision, cur int) (int, error) {
	bad := func(path, msg string) (int, error) {
		return -1, flowtype.RefuseField(flowtype.CodeInvalidTargetStage, path, msg)
	}
	switch r.cw.def.Strategy {
	case definition.StrategyWorkflowOnly:
		return 0, nil
	case definition.StrategyPipeline:
		id := d.PipelineID
		if id == "" {
			return bad("pipeline_id", "pipeline_id is required")
		}
		k, ok := r.cw.unitByPipeline[id]
		if !ok {
			if r.nodeExists(id) {
				return bad("pipeline_id", "Pipeline does not belong to current workflow")
			}
			return bad("pipeline_id", "Invalid pipeline ID")
		}
		if k > cur {
			return bad("pipeline_id", "Cannot send back to a later pipeline")
		}
		return k, nil
	}
	id := d.StageID
	if id == "" {
		return bad("stage_id", "stage_id is required")
	}
	k, ok := r.cw.unitByStage[id]
	if !ok {
		if r.nodeExists(id) {
			return bad("stage_id", "Stage does not belong to current workflow")
		}
		return bad("stage_id", "Invalid stage ID")
	}
	if k > cur {
		return bad("stage_id", "Cannot send back to a later stage")
	}
	return k, nil
}

func (r *run) nodeExists(id string) bool {
	_, err := r.x.NodeGet(r.ctx, r.tenant, id)
	return err == nil
}

func (r *run) resubmit(d *Decision) error {
	if r.inst.Status != flowtype.StatusAwaitingResubmission {
		return flowtype.Refuse(flowtype.CodeNotAwaitingResubmission,
			fmt.Sprintf("Workflow is not awaiting resubmission (current status: %s)", r.inst.Status))
	}
	if r.actor != r.inst.StartedBy {
		return flowtype.Refuse(flowtype.CodeNotStarter, "Only the starter may resubmit this workflow")
	}
	// The unit that sent the instance back is the newest sent_back task's.
	from := -1
	var sender *flowtype.Task
	for _, t := range r.tasks {
		if t.Status == flowtype.TaskSentBack && (sender == nil || t.ClosedVersion >= sender.ClosedVersion) {
			sender = t
		}
	}
	if sender != nil {
		from = r.cw.unitOf(sender.PipelineID, sender.StageID)
	}
	target := r.currentUnit()
	data := map[string]any{}
	if d.Reason != "" {
		data["reason"] = d.Reason
	}
	if len(d.FormData) > 0 {
		data["form_data"] = d.FormData
	}
	r.event(flowtype.EventResubmitted, target, data)
	r.inst.Status = flowtype.StatusInProgress
	k, err := r.enter(target)
	if err != nil {
		return err
	}
	if k < 0 {
		return r.complete(target)
	}
	if from >= 0 {
		r.moveEvents(from, k, nil)
	}
	return nil
}

func (r *run) withdraw(d *Decision) error {
	if r.inst.Status.Finished() {
		return notInProgress(r.inst.Status)
	}
	if r.actor != r.inst.StartedBy {
		return flowtype.Refuse(flowtype.CodeNotStarter, "Only the starter may withdraw this workflow")
	}
	unit := r.currentUnit()
	for _, t := range r.openTasks() {
		r.close(t, flowtype.TaskCancelled)
	}
	now := r.now
	r.inst.Status = flowtype.StatusWithdrawn
	r.inst.CompletedAt = &now
	data := map[string]any{}
	if d.Reason != "" {
		data["reason"] = d.Reason
	}
	r.event(flowtype.EventAfterWithdraw, unit, data)
	return nil
}

func (r *run) delegate(t *flowtype.Task, d *Decision) error {
	bad := func(msg string) error {
		return flowtype.RefuseField(flowtype.CodeInvalidDelegate, "user_id", msg)
	}
	to := strings.TrimSpace(d.UserID)
	if to == "" {
		return bad("user_id is required")
	}
	if to == r.actor {
		return bad("Cannot delegate to yourself")
	}
	u, err := r.x.UserGet(r.ctx, r.tenant, to)
	if err != nil || !u.IsActive {
		if err != nil && !isNotFound(err) {
			return err
		}
		return bad("Invalid user ID")
	}
	if to == r.inst.StartedBy && !r.cw.def.AllowSelfApproval {
		return bad("Cannot delegate to the requester")
	}
	for _, o := range r.stepTasks(t.Round, t.Step) {
		if o.Assignee == to && counted(o) {
			return bad("User already has a task on this step")
		}
	}
	now := r.now
	t.ActedBy, t.ActedAt, t.Reason, t.DelegatedTo = r.actor, &now, d.Reason, to
	r.close(t, flowtype.TaskDelegated)
	chain := append(append([]string{}, t.DelegationChain...), t.Assignee)
	r.addTask(&flowtype.Task{
		PipelineID: t.PipelineID, StageID: t.StageID, Round: t.Round, Step: t.Step,
		RoleID: t.RoleID, Assignee: to, Status: flowtype.TaskCurrent,
		DelegatedFrom: t.ID, DelegationChain: chain,
		CheckedInBy: t.CheckedInBy, CheckedInAt: t.CheckedInAt,
	})
	data := merge(r.data, map[string]any{"delegated_to": to, "delegation_chain": chain})
	r.event(flowtype.EventAfterDelegate, r.cw.unitOf(t.PipelineID, t.StageID), data)
	return nil
}
