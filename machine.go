package flowgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// run is one command's working state inside its transaction: it reads the
// instance, judges the command, accumulates every change in memory and
// writes them all at the end (write), so a refused command writes nothing.
type run struct {
	e      *Engine
	ctx    context.Context
	x      store.Executor
	tenant string
	now    time.Time
	actor  string

	inst        *flowtype.Instance
	oldVersion  int
	isNew       bool
	cw          *compiledWorkflow
	tasks       []*flowtype.Task
	created     map[*flowtype.Task]bool
	changed     map[*flowtype.Task]bool
	events      []*flowtype.Event
	subject     *flowtype.Subject
	subjectLoad bool
	rotations   map[string]string
	decision    bool
	// wfVersion is the workflow's current version, read with the instance
	// (0: unknown); database actions resolve from it.
	wfVersion int
	// batch holds the command's writes until flush.
	batch store.Batch
	// data goes on the decision's own event (task_id, reason, …).
	data map[string]any
}

func (e *Engine) newRun(ctx context.Context, x store.Executor, tenantID, actor string) *run {
	return &run{
		e: e, ctx: ctx, x: x, tenant: tenantID, now: e.now(), actor: actor,
		created: map[*flowtype.Task]bool{}, changed: map[*flowtype.Task]bool{},
		rotations: map[string]string{},
	}
}

// load reads the instance, its pinned definition and its tasks. The
// instance row is locked until the command's transaction ends, so
// concurrent commands on it queue rather than lose the race (SEMANTICS
// §3.8); the conditional update in write stays as the safety net. The
// tasks, the subject and the workflow's current version come with the
// instance, in the same round trip.
func (r *run) load(instanceID string) error {
	got, err := r.x.InstanceGetForCommand(r.ctx, r.tenant, instanceID)
	if err != nil {
		return err
	}
	inst := got.Instance
	r.subject, r.subjectLoad, r.wfVersion = got.Subject, true, got.WorkflowVersion
	cw, err := r.e.defs.pinned(r.ctx, r.x, r.tenant, inst.WorkflowID, inst.WorkflowVersion)
	if err != nil {
		return err
	}
	r.inst, r.oldVersion, r.cw, r.tasks = inst, inst.Version, cw, got.Tasks
	r.inst.Version++
	return nil
}

// version is the instance version this command writes.
func (r *run) version() int { return r.inst.Version }

func (r *run) subjectData() json.RawMessage {
	if !r.subjectLoad {
		r.subjectLoad = true
		s, err := r.x.SubjectGet(r.ctx, r.tenant, r.inst.SubjectType, r.inst.SubjectID)
		if err == nil {
			r.subject = s
		}
	}
	if r.subject == nil {
		return nil
	}
	return r.subject.Data
}

// unitIDs returns the pipeline and stage ids of unit i ("" where absent).
func (r *run) unitIDs(i int) (pipelineID, stageID string) {
	if i < 0 || i >= len(r.cw.units) {
		return "", ""
	}
	u := r.cw.units[i]
	if u.Pipeline != nil {
		pipelineID = u.Pipeline.ID
	}
	if u.Stage != nil {
		stageID = u.Stage.ID
	}
	return pipelineID, stageID
}

func (r *run) currentUnit() int {
	return r.cw.unitOf(r.inst.CurrentPipelineID, r.inst.CurrentStageID)
}

func (r *run) setPosition(i int) {
	r.inst.CurrentPipelineID, r.inst.CurrentStageID = r.unitIDs(i)
}

// event appends an event about unit i (or no unit when i < 0).
func (r *run) event(typ flowtype.EventType, unit int, data map[string]any) {
	pid, sid := r.unitIDs(unit)
	r.eventAt(typ, pid, sid, data)
}

func (r *run) eventAt(typ flowtype.EventType, pipelineID, stageID string, data map[string]any) {
	var raw json.RawMessage
	if len(data) > 0 {
		raw, _ = json.Marshal(data)
	}
	if r.inst.NextSeq < 1 {
		r.inst.NextSeq = 1
	}
	r.events = append(r.events, &flowtype.Event{
		TenantID: r.tenant, InstanceID: r.inst.ID, Seq: r.inst.NextSeq, Type: typ,
		Actor: r.actor, At: r.now, PipelineID: pipelineID, StageID: stageID, Data: raw,
	})
	r.inst.NextSeq++
}

func (r *run) touch(t *flowtype.Task) {
	if !r.created[t] {
		r.changed[t] = true
	}
}

func (r *run) close(t *flowtype.Task, status flowtype.TaskStatus) {
	t.Status = status
	t.ClosedVersion = r.version()
	r.touch(t)
}

func (r *run) addTask(t *flowtype.Task) {
	t.TenantID, t.InstanceID, t.CreatedAt = r.tenant, r.inst.ID, r.now
	if t.ID == "" {
		t.ID = newID()
	}
	r.tasks = append(r.tasks, t)
	r.created[t] = true
}

// round is the round of the level the instance is in: the highest.
func (r *run) round() int {
	max := 0
	for _, t := range r.tasks {
		if t.Round > max {
			max = t.Round
		}
	}
	return max
}

func (r *run) stepTasks(round, step int) []*flowtype.Task {
	var out []*flowtype.Task
	for _, t := range r.tasks {
		if t.Round == round && t.Step == step {
			out = append(out, t)
		}
	}
	return out
}

func counted(t *flowtype.Task) bool {
	return t.Status != flowtype.TaskCancelled && t.Status != flowtype.TaskDelegated
}

func (r *run) openTasks() []*flowtype.Task {
	var out []*flowtype.Task
	for _, t := range r.tasks {
		if t.Status.Open() {
			out = append(out, t)
		}
	}
	return out
}

// currentTaskOf returns the actor's current task, or nil.
func (r *run) currentTaskOf(user string) *flowtype.Task {
	for _, t := range r.tasks {
		if t.Status == flowtype.TaskCurrent && t.Assignee == user {
			return t
		}
	}
	return nil
}

// stepOf returns the approval step definition a task belongs to.
func (r *run) stepOf(t *flowtype.Task) definition.Step {
	i := r.cw.unitOf(t.PipelineID, t.StageID)
	if i < 0 || t.Step >= len(r.cw.units[i].Approvals) {
		return definition.Step{ApprovalType: definition.ApprovalUser}
	}
	return r.cw.units[i].Approvals[t.Step]
}

// applicable evaluates each step's condition once (SEMANTICS §3.3). A
// condition that cannot be evaluated (a missing field) keeps its step: an
// approval is never skipped by accident.
func (r *run) applicable(unit int) []int {
	var out []int
	for j, s := range r.cw.units[unit].Approvals {
		if s.Condition != "" {
			v, ok := r.e.conds.eval(s.Condition, r.subjectData(), r.inst.Metadata)
			if ok && !v {
				continue
			}
		}
		out = append(out, j)
	}
	return out
}

// enter positions the instance on the first unit at or after from that has
// an applicable step, creates that level's tasks and activates its first
// step. It returns the unit entered, or -1 when no unit is left.
func (r *run) enter(from int) (int, error) {
	for k := from; k < len(r.cw.units); k++ {
		steps := r.applicable(k)
		if len(steps) == 0 {
			continue
		}
		r.setPosition(k)
		pid, sid := r.unitIDs(k)
		round := r.version()
		var first *flowtype.Task
		for _, j := range steps {
			s := r.cw.units[k].Approvals[j]
			t := &flowtype.Task{PipelineID: pid, StageID: sid, Round: round, Step: j, Status: flowtype.TaskPending}
			switch s.ApprovalType {
			case definition.ApprovalRole:
				t.RoleID, t.ViaRole = s.UserRole, true
			case definition.ApprovalSelfApproved:
				t.Assignee = r.inst.StartedBy
			default:
				t.Assignee = s.ApprovalUser
			}
			r.addTask(t)
			if first == nil {
				first = t
			}
		}
		if err := r.activate(first); err != nil {
			return -1, err
		}
		return k, nil
	}
	return -1, nil
}

// activate makes a pending step current, creating its member tasks.
func (r *run) activate(t *flowtype.Task) error {
	s := r.stepOf(t)
	switch s.ApprovalType {
	case definition.ApprovalRole:
		return r.activateRole(t, s)
	case definition.ApprovalUser:
		u, err := r.x.UserGet(r.ctx, r.tenant, t.Assignee)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err != nil || !u.IsActive {
			return flowtype.Refuse(flowtype.CodeNoActiveApprover, fmt.Sprintf("User '%s' is not active", t.Assignee))
		}
	}
	t.Status = flowtype.TaskCurrent
	r.touch(t)
	return nil
}

func (r *run) activateRole(t *flowtype.Task, s definition.Step) error {
	members, err := r.eligible(t.RoleID)
	if err != nil {
		return err
	}
	if len(members) == 0 {
		name := t.RoleID
		if role, err := r.x.RoleGet(r.ctx, r.tenant, t.RoleID); err == nil && role.Name != "" {
			name = role.Name
		}
		return flowtype.Refuse(flowtype.CodeNoActiveApprover, fmt.Sprintf("Role '%s' has no active members who may approve", name))
	}
	t.Status = flowtype.TaskCurrent
	r.touch(t)
	if s.RoleSelectionStrategy == definition.RoleRoundRobin {
		chosen, err := r.nextInRotation(t.RoleID, members)
		if err != nil {
			return err
		}
		t.Assignee = chosen
		return nil
	}
	t.Assignee = members[0]
	for _, m := range members[1:] {
		r.addTask(&flowtype.Task{
			PipelineID: t.PipelineID, StageID: t.StageID, Round: t.Round, Step: t.Step,
			RoleID: t.RoleID, ViaRole: true, Assignee: m, Status: flowtype.TaskCurrent,
		})
	}
	return nil
}

// eligible lists a role's active members in ascending id order, less the
// starter unless the workflow allows self-approval.
func (r *run) eligible(roleID string) ([]string, error) {
	members, err := r.x.RoleMemberList(r.ctx, r.tenant, roleID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range members {
		if !m.IsActive || (m.UserID == r.inst.StartedBy && !r.cw.def.AllowSelfApproval) {
			continue
		}
		out = append(out, m.UserID)
	}
	sort.Strings(out)
	return out, nil
}

// nextInRotation picks the first eligible member after the role's last
// choice, wrapping around, and records the choice.
func (r *run) nextInRotation(roleID string, members []string) (string, error) {
	last, ok := r.rotations[roleID]
	if !ok {
		var err error
		// Locked until commit: concurrent activations of the role's round
		// robin (attaches, approvals) must not pick the same member.
		last, err = r.x.RotationLock(r.ctx, r.tenant, roleID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return "", err
		}
	}
	chosen := members[0]
	for _, m := range members {
		if m > last {
			chosen = m
			break
		}
	}
	r.rotations[roleID] = chosen
	return chosen, nil
}

// quorumRequired is clamp(count, 1, n) or clamp(ceil(n × pct / 100), 1, n).
func quorumRequired(s definition.Step, n int) int {
	req := n
	switch {
	case s.QuorumCount != nil:
		req = *s.QuorumCount
	case s.QuorumPercent != nil:
		req = int(math.Ceil(float64(n) * float64(*s.QuorumPercent) / 100))
	}
	return min(max(req, 1), max(n, 1))
}

// settled reports whether the step of the given round is settled.
func (r *run) settled(round, step int) bool {
	tasks := r.stepTasks(round, step)
	if len(tasks) == 0 {
		return false
	}
	s := r.stepOf(tasks[0])
	var count, approved, original int
	for _, t := range tasks {
		if t.DelegatedFrom == "" {
			original++
		}
		if !counted(t) {
			continue
		}
		count++
		if t.Status == flowtype.TaskApproved {
			approved++
		}
	}
	if s.ApprovalType != definition.ApprovalRole {
		return approved > 0
	}
	switch s.RoleSelectionStrategy {
	case definition.RoleConsensus:
		return approved > 0 && approved == count
	case definition.RoleQuorum:
		return approved > 0 && approved >= min(quorumRequired(s, original), count)
	default: // anyone, round robin
		return approved > 0
	}
}

// advance is called after a task of the current level changed: when its step
// is settled it closes the step's open tasks and activates the next step;
// when the level is settled it moves the instance (SEMANTICS §3.5). It
// returns whether the level was settled. settledUnit is the unit whose
// level the task belongs to.
func (r *run) advance(round, step, unit int) (bool, error) {
	if !r.settled(round, step) {
		return false, nil
	}
	for _, t := range r.stepTasks(round, step) {
		if t.Status.Open() {
			r.close(t, flowtype.TaskCancelled)
		}
	}
	// The next step of the level is the pending task with the lowest step.
	var next *flowtype.Task
	for _, t := range r.tasks {
		if t.Round == round && t.Status == flowtype.TaskPending && (next == nil || t.Step < next.Step) {
			next = t
		}
	}
	if next != nil {
		return false, r.activate(next)
	}
	return true, r.moveOn(unit)
}

// moveOn writes after_approve for the settled unit and enters the next one,
// or completes the instance.
func (r *run) moveOn(unit int) error {
	r.event(flowtype.EventAfterApprove, unit, r.decisionData())
	k, err := r.enter(unit + 1)
	if err != nil {
		return err
	}
	if k < 0 {
		return r.complete(unit)
	}
	r.moveEvents(unit, k, nil)
	return nil
}

// moveEvents writes the events of a move from unit `from` to unit `to`.
func (r *run) moveEvents(from, to int, extra map[string]any) {
	fp, fs := r.unitIDs(from)
	tp, ts := r.unitIDs(to)
	switch r.cw.def.Strategy {
	case definition.StrategyWorkflowOnly:
		return
	case definition.StrategyPipeline:
		r.event(flowtype.EventAfterMovePipeline, to, merge(extra, map[string]any{"from_pipeline_id": fp, "to_pipeline_id": tp}))
	default:
		if fp != tp {
			r.event(flowtype.EventAfterMovePipeline, to, merge(extra, map[string]any{"from_pipeline_id": fp, "to_pipeline_id": tp}))
		}
		r.event(flowtype.EventAfterMoveStage, to, merge(extra, map[string]any{"from_stage_id": fs, "to_stage_id": ts, "from_pipeline_id": fp, "to_pipeline_id": tp}))
	}
}

func merge(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// decisionData is the data of the current decision's event.
func (r *run) decisionData() map[string]any { return r.data }

// complete finishes the instance after the last unit (lastUnit) settled.
func (r *run) complete(lastUnit int) error {
	r.inst.Status = flowtype.StatusCompleted
	now := r.now
	r.inst.CompletedAt = &now
	r.inst.CurrentPipelineID, r.inst.CurrentStageID = "", ""
	data := map[string]any{}
	if err := r.subjectStatus(true, data); err != nil {
		return err
	}
	r.event(flowtype.EventWorkflowComplete, lastUnit, data)
	return nil
}

// subjectStatus applies the subject type's completion or rejection value
// and records the change in data.
func (r *run) subjectStatus(completed bool, data map[string]any) error {
	st, err := r.x.SubjectTypeGet(r.ctx, r.tenant, r.inst.SubjectType)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	value := st.RejectionStatusValue
	if completed {
		value = st.CompletionStatusValue
	}
	if st.StatusField == "" || value == "" {
		return nil
	}
	r.subjectData()
	from := ""
	if r.subject != nil {
		from = r.subject.Status[st.StatusField]
	}
	if err := r.x.SubjectSetStatus(r.ctx, r.tenant, r.inst.SubjectType, r.inst.SubjectID, st.StatusField, value); err != nil {
		return err
	}
	if r.subject != nil {
		if r.subject.Status == nil {
			r.subject.Status = map[string]string{}
		}
		r.subject.Status[st.StatusField] = value
	}
	data["subject_status"] = map[string]string{"field": st.StatusField, "from": from, "to": value}
	if hook := r.e.cfg.OnSubjectStatus; hook != nil {
		change := SubjectStatusChange{
			TenantID: r.tenant, SubjectType: r.inst.SubjectType, SubjectID: r.inst.SubjectID,
			InstanceID: r.inst.ID, Field: st.StatusField, From: from, To: value,
		}
		if err := hook(r.ctx, sqlTxOf(r.x), change); err != nil {
			return fmt.Errorf("flowgate: OnSubjectStatus: %w", err)
		}
	}
	return nil
}

// write stores every change the command made.
func (r *run) write() error {
	if err := r.batchWrites(); err != nil {
		return err
	}
	return r.flush()
}

// batchWrites puts every change the command made in a new batch (r.batch),
// which flush writes; the caller may add to the batch in between.
func (r *run) batchWrites() error {
	b := r.x.Batch()
	r.batch = b
	r.inst.UpdatedAt = r.now
	if r.decision {
		r.inst.LastDecisionVersion = r.version()
	}
	if r.isNew {
		// Attach read the workflow in this transaction and pinned its
		// current version.
		r.wfVersion = r.inst.WorkflowVersion
		if err := b.InstanceInsert(r.ctx, r.inst); err != nil {
			return err
		}
	} else if err := b.InstanceUpdate(r.ctx, r.inst, r.oldVersion); err != nil {
		return err
	}
	var created, changed []*flowtype.Task
	for _, t := range r.tasks {
		if r.created[t] {
			created = append(created, t)
		} else if r.changed[t] {
			changed = append(changed, t)
		}
	}
	if len(created) > 0 {
		if err := b.TaskInsert(r.ctx, created); err != nil {
			return err
		}
	}
	if len(changed) > 0 {
		if err := b.TaskUpdate(r.ctx, changed); err != nil {
			return err
		}
	}
	if len(r.events) > 0 {
		if err := b.EventInsert(r.ctx, r.events); err != nil {
			return err
		}
		if err := r.writeActionRuns(); err != nil {
			return err
		}
	}
	roles := make([]string, 0, len(r.rotations))
	for role := range r.rotations {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	for _, role := range roles {
		if err := b.RotationSet(r.ctx, r.tenant, role, r.rotations[role]); err != nil {
			return err
		}
	}
	return nil
}

// flush writes the batch. A stale instance version means another command
// won the race: the command is judged again.
func (r *run) flush() error {
	err := r.batch.Flush(r.ctx)
	if errors.Is(err, store.ErrStaleVersion) {
		return errRetry
	}
	return err
}

// view returns the committed state as a reader sees it.
func (r *run) view() *InstanceView {
	r.subjectData()
	v := buildView(r.inst, r.cw, r.tasks, r.subject)
	v.Events = r.events
	return v
}
