package flowgate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
)

// This file builds the fixtures of SCENARIOS.md: fixture P (purchase,
// strategy 1), V (strategy 2), X (strategy 3) and form F.

const acme = "acme"

// fx is one scenario's world: an engine on a fresh database with tenants
// acme and globex, their users and roles, form F and subject type
// purchase_request.
type fx struct {
	t   *testing.T
	ctx context.Context
	e   *flowgate.Engine
	s   store.Store
}

// eachDB runs a scenario on SQLite and, when FLOWGATE_TEST_POSTGRES is set,
// on PostgreSQL.
func eachDB(t *testing.T, fn func(t *testing.T, f *fx)) {
	t.Helper()
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		defer failOnMust(t)
		fn(t, newFx(t, s))
	})
}

func newFx(t *testing.T, s store.Store) *fx {
	t.Helper()
	ctx := context.Background()
	e, err := flowgate.New(ctx, s, &flowgate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fx{t: t, ctx: ctx, e: e, s: s}
	f.must(e.CreateTenant(ctx, acme, "Acme"))
	f.must(e.CreateTenant(ctx, "globex", "Globex"))
	for _, u := range []string{"req", "r1", "r2", "mgr", "dir", "cfo", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "adm"} {
		f.must(e.SaveUser(ctx, acme, &flowgate.User{ID: u, Name: u, Email: u + "@acme.test", IsActive: true}))
	}
	f.must(e.SaveUser(ctx, "globex", &flowgate.User{ID: "x1", Name: "x1", Email: "x1@globex.test", IsActive: true}))
	f.role("finance", "u1", "u2", "u3")
	f.role("legal", "u4", "u5")
	f.role("auditors")
	f.must(e.SaveForm(ctx, acme, &flowgate.Form{ID: "F", Name: "Purchase Form", Schema: json.RawMessage(
		`{"type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer", "minimum": 1}}}`)}))
	f.must(e.SaveSubjectType(ctx, acme, &flowgate.SubjectType{
		Type: "purchase_request", StatusField: "status",
		CompletionStatusValue: "approved", RejectionStatusValue: "rejected",
	}))
	return f
}

// must returns v, or fails the test on err. Go does not spread a
// multi-value call into extra arguments, so must takes no *testing.T:
//
//	v := must(f.e.GetInstance(ctx, acme, id))
//
// It panics with a mustFailure that eachDB turns into t.Fatal; call it only
// on the test's own goroutine.
func must[T any](v T, err error) T {
	if err != nil {
		panic(mustFailure{err})
	}
	return v
}

type mustFailure struct{ err error }

// failOnMust turns a must panic into a test failure with its stack.
func failOnMust(t *testing.T) {
	if r := recover(); r != nil {
		mf, ok := r.(mustFailure)
		if !ok {
			panic(r)
		}
		t.Fatalf("unexpected error: %v\n%s", mf.err, debug.Stack())
	}
}

func (f *fx) must(_ any, err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("unexpected error: %v", err)
	}
}

// role creates a role of acme with the given members.
func (f *fx) role(id string, members ...string) {
	f.t.Helper()
	f.must(f.e.SaveRole(f.ctx, acme, id, id))
	for _, m := range members {
		if err := f.e.AddRoleMember(f.ctx, acme, id, m); err != nil {
			f.t.Fatal(err)
		}
	}
}

// Steps, as SCENARIOS.md writes them.
func user(id string) definition.Step { return definition.Step{ApprovalType: "user", ApprovalUser: id} }

func role(id, strategy string) definition.Step {
	return definition.Step{ApprovalType: "role", UserRole: id, RoleSelectionStrategy: strategy}
}

func quorumCount(id string, n int) definition.Step {
	s := role(id, "quorum")
	s.QuorumCount = &n
	return s
}

func quorumPercent(id string, pct int) definition.Step {
	s := role(id, "quorum")
	s.QuorumPercent = &pct
	return s
}

func withType(s definition.Step, typ, form string) definition.Step {
	s.StepApprovalType, s.RequiredForm = typ, form
	return s
}

func when(s definition.Step, cond string) definition.Step { s.Condition = cond; return s }

func steps(s ...definition.Step) []definition.Step {
	if s == nil {
		return []definition.Step{}
	}
	return s
}

// pDef is fixture P's definition. Stage and pipeline ids carry the suffix
// so that copies of P can live in the same tenant.
func pDef(suffix string) *definition.Workflow {
	stage := func(id, name string, order int, s ...definition.Step) definition.Stage {
		return definition.Stage{ID: id + suffix, Name: definition.Name{"en": name}, Order: order, IsActive: true,
			Info: definition.Info{Approvals: s, Color: definition.DefaultStageColor}}
	}
	return &definition.Workflow{
		ID: "P" + suffix, Name: definition.Name{"en": "Purchase Approval"}, Strategy: 1, IsActive: true,
		Pipelines: []definition.Pipeline{
			{ID: "Finance" + suffix, Name: definition.Name{"en": "Finance"}, Order: 0, Stages: []definition.Stage{
				stage("IR", "Initial Review", 0, user("r1")),
				stage("BA", "Budget Approval", 1, user("r2")),
			}},
			{ID: "Management" + suffix, Name: definition.Name{"en": "Management"}, Order: 1, Stages: []definition.Stage{
				stage("EA", "Executive Approval", 0, user("mgr")),
				stage("FS", "Final Sign-off", 1, user("dir")),
			}},
		},
	}
}

// stageOf returns the stage with the given id in def (for edits).
func stageOf(def *definition.Workflow, id string) *definition.Stage {
	_, s := def.FindStage(id)
	if s == nil {
		panic("no stage " + id)
	}
	return s
}

// createP stores fixture P (with edits applied first) under the suffix.
func (f *fx) createP(suffix string, edits ...func(w *definition.Workflow)) *flowgate.WorkflowDetail {
	f.t.Helper()
	def := pDef(suffix)
	for _, e := range edits {
		e(def)
	}
	return must(f.e.CreateWorkflow(f.ctx, acme, def, &flowgate.WriteOpts{Actor: "adm"}))
}

// approvals replaces the approvals of stage id (IR, BA, EA, FS).
func approvals(id string, s ...definition.Step) func(*definition.Workflow) {
	return func(w *definition.Workflow) {
		for pi := range w.Pipelines {
			for si := range w.Pipelines[pi].Stages {
				st := &w.Pipelines[pi].Stages[si]
				if st.ID == id || len(st.ID) > len(id) && st.ID[:len(id)] == id {
					st.Info.Approvals = steps(s...)
				}
			}
		}
	}
}

// vDef is fixture V (strategy 2).
func vDef() *definition.Workflow {
	p := func(id string, order int, approver string) definition.Pipeline {
		return definition.Pipeline{ID: id, Name: definition.Name{"en": id}, Order: order,
			Info: definition.Info{Approvals: []definition.Step{user(approver)}}}
	}
	return &definition.Workflow{
		ID: "V", Name: definition.Name{"en": "Vendor Onboarding"}, Strategy: 2, IsActive: true,
		Pipelines: []definition.Pipeline{p("VFinance", 0, "r1"), p("VHR", 1, "r2"), p("VExecutive", 2, "mgr")},
	}
}

// xDef is fixture X (strategy 3).
func xDef(s ...definition.Step) *definition.Workflow {
	if len(s) == 0 {
		s = []definition.Step{user("mgr")}
	}
	return &definition.Workflow{
		ID: "X", Name: definition.Name{"en": "Expense Claim"}, Strategy: 3, IsActive: true,
		Info: definition.Info{Approvals: s},
	}
}

// attach attaches workflow wf to purchase_request/<id> as req, with
// auto-start, and fails the test on error.
func (f *fx) attach(wf, subjectType, id string, data string) *flowgate.InstanceView {
	f.t.Helper()
	return must(f.tryAttach(wf, subjectType, id, data, "req"))
}

func (f *fx) tryAttach(wf, subjectType, id, data, actor string) (*flowgate.InstanceView, error) {
	var raw json.RawMessage
	if data != "" {
		raw = json.RawMessage(data)
	}
	return f.e.Attach(f.ctx, acme, &flowgate.AttachParams{
		Actor: actor, WorkflowID: wf,
		Subject: flowgate.SubjectInput{Type: subjectType, ID: id, Data: raw, Status: map[string]string{"status": "draft"}},
	})
}

// attachP attaches P (or a copy) to purchase_request/<id> with amount 1500.
func (f *fx) attachP(wf, id string) *flowgate.InstanceView {
	f.t.Helper()
	return f.attach(wf, "purchase_request", id, `{"amount": 1500}`)
}

func (f *fx) approve(inst *flowgate.InstanceView, actor string) *flowgate.InstanceView {
	f.t.Helper()
	return must(f.e.Approve(f.ctx, acme, inst.Instance.ID, actor, nil))
}

func (f *fx) decide(inst *flowgate.InstanceView, d *flowgate.Decision) (*flowgate.InstanceView, error) {
	return f.e.Decide(f.ctx, acme, inst.Instance.ID, d)
}

func (f *fx) get(inst *flowgate.InstanceView) *flowgate.InstanceView {
	f.t.Helper()
	return must(f.e.GetInstance(f.ctx, acme, inst.Instance.ID))
}

func (f *fx) history(inst *flowgate.InstanceView) []*flowtype.Event {
	f.t.Helper()
	return must(f.e.History(f.ctx, acme, inst.Instance.ID, &flowgate.HistoryParams{Limit: 500}))
}

// requireRefused asserts err is a refusal with the code (and, when not
// empty, the message), and that the instance did not change.
func (f *fx) requireRefused(err error, code flowtype.Code, msg string, before *flowgate.InstanceView) {
	f.t.Helper()
	var fe *flowtype.Error
	if !errors.As(err, &fe) {
		f.t.Fatalf("want refusal %s, got %v", code, err)
	}
	if fe.Code != code {
		f.t.Fatalf("want code %s, got %s (%s)", code, fe.Code, fe.Message)
	}
	if msg != "" && fe.Message != msg {
		f.t.Fatalf("want message %q, got %q", msg, fe.Message)
	}
	if before != nil {
		after := f.get(before)
		if after.Instance.Version != before.Instance.Version {
			f.t.Fatalf("refused command changed the version: %d → %d", before.Instance.Version, after.Instance.Version)
		}
		if n, m := len(f.history(before)), int(before.Instance.NextSeq)-1; n != m && m >= 0 {
			f.t.Fatalf("refused command wrote events: %d events, want %d", n, m)
		}
	}
}

// eventTypes lists the types of events.
func eventTypes(evs []*flowtype.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Type)
	}
	return out
}

func requireEvents(t *testing.T, got []*flowtype.Event, want ...string) {
	t.Helper()
	g := eventTypes(got)
	if fmt.Sprint(g) != fmt.Sprint(want) {
		t.Fatalf("events: got %v, want %v", g, want)
	}
}

// tasksOf returns the tasks of a user (any status) in the view.
func tasksOf(v *flowgate.InstanceView, userID string) []*flowtype.Task {
	var out []*flowtype.Task
	for _, t := range v.Tasks {
		if t.Assignee == userID {
			out = append(out, t)
		}
	}
	return out
}

// currentAssignees lists the assignees of current tasks.
func currentAssignees(v *flowgate.InstanceView) []string {
	var out []string
	for _, t := range v.CurrentTasks() {
		out = append(out, t.Assignee)
	}
	return out
}

func stageName(v *flowgate.InstanceView) string {
	if v.CurrentStage == nil {
		return ""
	}
	return v.CurrentStage.Name["en"]
}

// Helpers for scenario groups A–G.

// createJSON decodes a workflow payload as the API receives it (the
// original's keys such as name_en and number_of_stages) and creates it.
func (f *fx) createJSON(payload string) (*flowgate.WorkflowDetail, error) {
	def, err := definition.DecodeJSON([]byte(payload))
	if err != nil {
		return nil, err
	}
	return f.e.CreateWorkflow(f.ctx, acme, def, &flowgate.WriteOpts{Actor: "adm"})
}

// addStageJSON decodes a stage payload (POST /pipelines/{id}/stages) and
// appends it to the pipeline.
func (f *fx) addStageJSON(pipelineID, payload string) (*flowgate.WorkflowDetail, error) {
	s, _, err := definition.DecodeStageJSON([]byte(payload))
	if err != nil {
		return nil, err
	}
	return f.e.AddStage(f.ctx, acme, pipelineID, *s, &flowgate.WriteOpts{Actor: "adm"})
}

// requireFieldError asserts err is a *flowtype.ValidationError (422
// validation_failed) with a problem at path whose message is msg.
func requireFieldError(t *testing.T, err error, path, msg string) {
	t.Helper()
	requireFieldErrorFunc(t, err, path, msg, func(got string) bool { return got == msg })
}

// requireFieldErrorPrefix is requireFieldError for a message that starts
// with prefix.
func requireFieldErrorPrefix(t *testing.T, err error, path, prefix string) {
	t.Helper()
	requireFieldErrorFunc(t, err, path, prefix+"…", func(got string) bool {
		return len(got) >= len(prefix) && got[:len(prefix)] == prefix
	})
}

func requireFieldErrorFunc(t *testing.T, err error, path, want string, match func(string) bool) {
	t.Helper()
	var ve *flowtype.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error at %s (%q), got %v", path, want, err)
	}
	if flowtype.CodeOf(err) != flowtype.CodeValidationFailed {
		t.Fatalf("want code validation_failed, got %q", flowtype.CodeOf(err))
	}
	for _, fe := range ve.Errors {
		if fe.Path == path && match(fe.Message) {
			return
		}
	}
	t.Fatalf("want a problem at %s: %q; got %v", path, want, ve.Errors)
}

// requireNoInstance asserts the subject never got an instance (the HTTP
// subject instance read answers 404).
func (f *fx) requireNoInstance(subjectType, id string) {
	f.t.Helper()
	v, err := f.e.SubjectInstance(f.ctx, acme, subjectType, id)
	if !errors.Is(err, flowgate.ErrNotFound) {
		f.t.Fatalf("subject %s/%s: want no instance, got %v (err %v)", subjectType, id, v, err)
	}
}

// attachDeferred attaches workflow wf to purchase_request/<id> (amount
// 1500) as req with auto_start false.
func (f *fx) attachDeferred(wf, id string) *flowgate.InstanceView {
	f.t.Helper()
	off := false
	return must(f.e.Attach(f.ctx, acme, &flowgate.AttachParams{
		Actor: "req", WorkflowID: wf, AutoStart: &off,
		Subject: flowgate.SubjectInput{Type: "purchase_request", ID: id, Data: json.RawMessage(`{"amount": 1500}`),
			Status: map[string]string{"status": "draft"}},
	}))
}

// approveAll has each user approve in turn and returns the last view.
func (f *fx) approveAll(v *flowgate.InstanceView, actors ...string) *flowgate.InstanceView {
	f.t.Helper()
	for _, a := range actors {
		v = f.approve(v, a)
	}
	return v
}

func (f *fx) tryApprove(v *flowgate.InstanceView, actor string) (*flowgate.InstanceView, error) {
	return f.e.Approve(f.ctx, acme, v.Instance.ID, actor, nil)
}

func (f *fx) tryReject(v *flowgate.InstanceView, actor, reason string) (*flowgate.InstanceView, error) {
	return f.e.Reject(f.ctx, acme, v.Instance.ID, actor, reason, nil)
}

// trySendBackTo sends back to a stage (strategy 1) or pipeline (strategy 2).
func (f *fx) trySendBackTo(v *flowgate.InstanceView, actor, target, reason string) (*flowgate.InstanceView, error) {
	return f.e.SendBack(f.ctx, acme, v.Instance.ID, actor, target, reason, nil)
}

func (f *fx) tryResubmit(v *flowgate.InstanceView, actor string) (*flowgate.InstanceView, error) {
	return f.e.Resubmit(f.ctx, acme, v.Instance.ID, actor, nil)
}

func (f *fx) tryDelegate(v *flowgate.InstanceView, actor, to, reason string) (*flowgate.InstanceView, error) {
	return f.e.Delegate(f.ctx, acme, v.Instance.ID, actor, to, &flowgate.DecisionOpts{Reason: reason})
}

func (f *fx) tryWithdraw(v *flowgate.InstanceView, actor string) (*flowgate.InstanceView, error) {
	return f.e.Withdraw(f.ctx, acme, v.Instance.ID, actor, nil)
}

// requireEventAt asserts an event's type and the stage (and, when not
// empty, the pipeline) it concerns.
func requireEventAt(t *testing.T, ev *flowtype.Event, typ flowtype.EventType, pipelineID, stageID string) {
	t.Helper()
	if ev.Type != typ || ev.StageID != stageID || (pipelineID != "" && ev.PipelineID != pipelineID) {
		t.Fatalf("event: got %s at pipeline %q stage %q, want %s at pipeline %q stage %q",
			ev.Type, ev.PipelineID, ev.StageID, typ, pipelineID, stageID)
	}
}

// eventData decodes an event's data ({} when it has none).
func eventData(t *testing.T, ev *flowtype.Event) map[string]any {
	t.Helper()
	m := map[string]any{}
	if len(ev.Data) > 0 {
		if err := json.Unmarshal(ev.Data, &m); err != nil {
			t.Fatalf("event %s data: %v", ev.Type, err)
		}
	}
	return m
}

// requireData asserts that an event's data holds key = want.
func requireData(t *testing.T, ev *flowtype.Event, key string, want any) {
	t.Helper()
	if got := eventData(t, ev)[key]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("event %s data.%s = %v, want %v", ev.Type, key, got, want)
	}
}

// requirePosition asserts an instance's status, pipeline and stage ids
// ("" for none).
func requirePosition(t *testing.T, v *flowgate.InstanceView, status flowtype.Status, pipelineID, stageID string) {
	t.Helper()
	if v.Instance.Status != status || refID(v.CurrentPipeline) != pipelineID || refID(v.CurrentStage) != stageID ||
		v.Instance.CurrentPipelineID != pipelineID || v.Instance.CurrentStageID != stageID {
		t.Fatalf("position: got %s at pipeline %q stage %q (ids %q %q), want %s at %q %q",
			v.Instance.Status, refID(v.CurrentPipeline), refID(v.CurrentStage),
			v.Instance.CurrentPipelineID, v.Instance.CurrentStageID, status, pipelineID, stageID)
	}
}

// refID is the id of a node reference, "" for none.
func refID(r *flowgate.NodeRef) string {
	if r == nil {
		return ""
	}
	return r.ID
}

// requireNext asserts progress_percentage, next_stage and next_pipeline.
func requireNext(t *testing.T, v *flowgate.InstanceView, progress int, nextPipeline, nextStage string) {
	t.Helper()
	if v.ProgressPercentage != progress || refID(v.NextPipeline) != nextPipeline || refID(v.NextStage) != nextStage {
		t.Fatalf("progress %d, next pipeline %q, next stage %q; want %d, %q, %q",
			v.ProgressPercentage, refID(v.NextPipeline), refID(v.NextStage), progress, nextPipeline, nextStage)
	}
}

// taskStatuses lists "assignee:status" for every task, oldest first (a
// role step's pending task shows "@role").
func taskStatuses(v *flowgate.InstanceView) []string {
	out := make([]string, len(v.Tasks))
	for i, t := range v.Tasks {
		who := t.Assignee
		if who == "" {
			who = "@" + t.RoleID
		}
		out[i] = who + ":" + string(t.Status)
	}
	return out
}

// requireTasks asserts the tasks as taskStatuses lists them, ignoring order.
func requireTasks(t *testing.T, v *flowgate.InstanceView, want ...string) {
	t.Helper()
	got := taskStatuses(v)
	if fmt.Sprint(sortedCopy(got)) != fmt.Sprint(sortedCopy(want)) {
		t.Fatalf("tasks: got %v, want %v (any order)", got, want)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// requireRefusalPath asserts a refusal carries a field problem at path
// (the errors[].path of the HTTP problem).
func requireRefusalPath(t *testing.T, err error, path string) {
	t.Helper()
	var fe *flowtype.Error
	if !errors.As(err, &fe) || len(fe.Errors) == 0 || fe.Errors[0].Path != path {
		t.Fatalf("want a refusal with a problem at %s, got %v", path, err)
	}
}

// Helpers for scenario groups J, K, M, N, P and the concurrency tests.

// tryApproveWith approves with options (form data, If-Match, key…).
func (f *fx) tryApproveWith(v *flowgate.InstanceView, actor string, opts *flowgate.DecisionOpts) (*flowgate.InstanceView, error) {
	return f.e.Approve(f.ctx, acme, v.Instance.ID, actor, opts)
}

// formData is a DecisionOpts carrying form_data.
func formData(raw string) *flowgate.DecisionOpts {
	return &flowgate.DecisionOpts{FormData: json.RawMessage(raw)}
}

// requireWritten asserts the events a command returned, in seq order, and
// that they are the newest events of the history with consecutive seqs.
// A spec is an event type, optionally with the unit it concerns:
// "after_approve(IR)" (the event's stage, or its pipeline when it has no
// stage; "()" for neither), "after_move_stage(IR→BA)" (data from_stage_id
// and to_stage_id, the event at BA) and "after_move_pipeline(Finance→HR)"
// (from_pipeline_id and to_pipeline_id, the event in HR).
func (f *fx) requireWritten(v *flowgate.InstanceView, specs ...string) {
	f.t.Helper()
	requireEventSpecs(f.t, v.Events, specs...)
	hist := f.history(v)
	if len(hist) < len(v.Events) {
		f.t.Fatalf("history has %d events, the command returned %d", len(hist), len(v.Events))
	}
	tail := hist[len(hist)-len(v.Events):]
	for i, ev := range v.Events {
		if tail[i].Seq != ev.Seq || tail[i].Type != ev.Type {
			f.t.Fatalf("stored event %d is %s #%d, returned %s #%d", i, tail[i].Type, tail[i].Seq, ev.Type, ev.Seq)
		}
	}
	requireSeqs(f.t, hist)
}

// requireSeqs asserts a whole history is numbered 1…n without gaps.
func requireSeqs(t *testing.T, hist []*flowtype.Event) {
	t.Helper()
	for i, ev := range hist {
		if ev.Seq != i+1 {
			t.Fatalf("event %d (%s) has seq %d, want %d", i, ev.Type, ev.Seq, i+1)
		}
	}
}

// requireEventSpecs checks events against specs (see requireWritten).
func requireEventSpecs(t *testing.T, evs []*flowtype.Event, specs ...string) {
	t.Helper()
	if len(evs) != len(specs) {
		t.Fatalf("events: got %v, want %v", eventTypes(evs), specs)
	}
	for i, spec := range specs {
		ev := evs[i]
		typ, unit, hasUnit := strings.Cut(strings.TrimSuffix(spec, ")"), "(")
		if string(ev.Type) != typ {
			t.Fatalf("events: got %v, want %v", eventTypes(evs), specs)
		}
		if i > 0 && ev.Seq != evs[i-1].Seq+1 {
			t.Fatalf("event %s has seq %d after %d", ev.Type, ev.Seq, evs[i-1].Seq)
		}
		if !hasUnit {
			continue
		}
		from, to, move := strings.Cut(unit, "→")
		if !move {
			at := ev.StageID
			if at == "" {
				at = ev.PipelineID
			}
			if at != unit {
				t.Fatalf("event %s concerns %q (pipeline %q), want %q", spec, ev.StageID, ev.PipelineID, unit)
			}
			continue
		}
		data := eventData(t, ev)
		key, at := "stage_id", ev.StageID
		if ev.Type == flowtype.EventAfterMovePipeline {
			key, at = "pipeline_id", ev.PipelineID
		}
		if fmt.Sprint(data["from_"+key]) != from || fmt.Sprint(data["to_"+key]) != to || at != to {
			t.Fatalf("event %s: from_%s %v, to_%s %v, at %q", spec, key, data["from_"+key], key, data["to_"+key], at)
		}
	}
}

// requireRefusedNoChange is requireRefused that also asserts that no task
// changed.
func (f *fx) requireRefusedNoChange(err error, code flowtype.Code, msg string, before *flowgate.InstanceView) {
	f.t.Helper()
	f.requireRefused(err, code, msg, before)
	after := f.get(before)
	b, _ := json.Marshal(before.Tasks)
	a, _ := json.Marshal(after.Tasks)
	if string(a) != string(b) {
		f.t.Fatalf("refused command changed the tasks:\nbefore %s\nafter  %s", b, a)
	}
}

// taskAt returns the newest task of the user on the stage (any status).
func taskAt(t *testing.T, v *flowgate.InstanceView, userID, stageID string) *flowtype.Task {
	t.Helper()
	var out *flowtype.Task
	for _, task := range v.Tasks {
		if task.Assignee == userID && task.StageID == stageID {
			out = task
		}
	}
	if out == nil {
		t.Fatalf("no task of %s at %s; tasks %v", userID, stageID, taskStatuses(v))
	}
	return out
}

// requireTaskStatus asserts the status of the user's newest task on a stage.
func requireTaskStatus(t *testing.T, v *flowgate.InstanceView, userID, stageID string, want flowtype.TaskStatus) {
	t.Helper()
	if got := taskAt(t, v, userID, stageID).Status; got != want {
		t.Fatalf("task of %s at %s is %s, want %s; tasks %v", userID, stageID, got, want, taskStatuses(v))
	}
}

// subjectStatus reads a subject's status["status"].
func (f *fx) subjectStatus(typ, id string) string {
	f.t.Helper()
	return must(f.e.GetSubject(f.ctx, acme, typ, id)).Status["status"]
}

// requireJSONEqual asserts two JSON documents are equal.
func requireJSONEqual(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("bad JSON %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad JSON %q: %v", want, err)
	}
	if fmt.Sprint(g) != fmt.Sprint(w) {
		t.Fatalf("JSON: got %s, want %s", got, want)
	}
}

// concurrently runs fn(0)…fn(n-1) on n goroutines released together and
// returns their errors by index. fn must not call must or t.Fatal.
func concurrently(n int, fn func(i int) error) []error {
	start := make(chan struct{})
	type result struct {
		i   int
		err error
	}
	done := make(chan result, n)
	for i := 0; i < n; i++ {
		go func() {
			<-start
			done <- result{i, fn(i)}
		}()
	}
	close(start)
	errs := make([]error, n)
	for range n {
		r := <-done
		errs[r.i] = r.err
	}
	return errs
}

// codeCounts counts the outcomes of concurrent commands by refusal code
// ("ok" for success, "other: …" for an unexpected error).
func codeCounts(errs []error) map[string]int {
	out := map[string]int{}
	for _, err := range errs {
		switch c := flowtype.CodeOf(err); {
		case err == nil:
			out["ok"]++
		case c != "":
			out[string(c)]++
		default:
			out["other: "+err.Error()]++
		}
	}
	return out
}

// countEvents counts a history's events by type.
func countEvents(hist []*flowtype.Event) map[flowtype.EventType]int {
	out := map[flowtype.EventType]int{}
	for _, ev := range hist {
		out[ev.Type]++
	}
	return out
}

// saveUsers creates active acme users.
func (f *fx) saveUsers(ids ...string) {
	f.t.Helper()
	for _, u := range ids {
		f.must(f.e.SaveUser(f.ctx, acme, &flowgate.User{ID: u, Name: u, Email: u + "@acme.test", IsActive: true}))
	}
}
