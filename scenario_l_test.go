package flowgate_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Group L of SCENARIOS.md: actions and the order of events. Handlers run
// after commit on the engine's workers; each test waits for them
// (settle) before checking what ran.

func requireTags(t *testing.T, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("record ran %v, want %v", got, want)
	}
}

func TestScenarioL01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		rig := f.withActions(flowgate.Config{}, nil)
		f.createP("", onStage("IR", record("aS2", "after_approve", "s2", 2), record("aS1", "after_approve", "s1", 1)),
			onPipeline("Finance", record("aP", "after_approve", "p", 1)),
			onWorkflow(record("aW", "after_approve", "w", 1)))
		i42, i43, i44 := f.attachP("P", "42"), f.attachP("P", "43"), f.attachP("P", "44")
		adm := &flowgate.WriteOpts{Actor: "adm"}

		f.approve(i42, "r1")
		rig.settle()
		requireTags(t, rig.rec.tags(i42.Instance.ID, "after_approve"), "s1", "s2")
		for _, c := range rig.rec.of(i42.Instance.ID, "after_approve") {
			if c.Tier != flowtype.TierDatabase || c.Level != flowtype.LevelStage {
				t.Fatalf("42 ran %s from %s/%s, want database/stage", c.Tag, c.Tier, c.Level)
			}
		}
		for _, r := range rig.runs(i42) {
			if r.Handler == "record" && (r.Tier != flowtype.TierDatabase || r.Level != flowtype.LevelStage || r.Status != flowtype.RunSucceeded) {
				t.Fatalf("run record %+v", r)
			}
		}

		must(f.e.SetActionActive(f.ctx, acme, "aS1", false, adm))
		must(f.e.SetActionActive(f.ctx, acme, "aS2", false, adm))
		f.approve(i43, "r1")
		rig.settle()
		requireTags(t, rig.rec.tags(i43.Instance.ID, "after_approve"), "p")
		if c := rig.rec.of(i43.Instance.ID, "after_approve")[0]; c.Level != flowtype.LevelPipeline {
			t.Fatalf("43 ran from level %s", c.Level)
		}

		must(f.e.SetActionActive(f.ctx, acme, "aP", false, adm))
		f.approve(i44, "r1")
		rig.settle()
		requireTags(t, rig.rec.tags(i44.Instance.ID, "after_approve"), "w")
		if c := rig.rec.of(i44.Instance.ID, "after_approve")[0]; c.Level != flowtype.LevelWorkflow {
			t.Fatalf("44 ran from level %s", c.Level)
		}
		// 43 and 44 still run on version 1; the edits made versions 2–4.
		if v := f.get(i44).Instance.WorkflowVersion; v != 1 {
			t.Fatalf("44 pins version %d, want 1", v)
		}
	})
}

func TestScenarioL02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		rig := f.withActions(flowgate.Config{}, nil)
		f.createP("", onStage("IR", record("", "after_move_stage", "ir", 1)), onStage("BA", record("", "after_move_stage", "ba", 1)))
		v := f.attachP("P", "42")
		f.approve(v, "r1")
		rig.settle()
		requireTags(t, rig.rec.tags(v.Instance.ID, "after_move_stage"), "ba")
		if c := rig.rec.of(v.Instance.ID, "after_move_stage")[0]; c.Stage != "BA" || c.Level != flowtype.LevelStage {
			t.Fatalf("ran for stage %s level %s", c.Stage, c.Level)
		}
	})
}

func TestScenarioL03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		settings := flowgate.SettingsForAll(definition.Action{ActionType: "after_approve", Handler: "record",
			Parameters: json.RawMessage(`{"tag": "cfg"}`)})
		rig := f.withActions(flowgate.Config{Actions: settings}, nil)
		f.createP("")
		v42 := f.attachP("P", "42")
		f.approve(v42, "r1")
		rig.settle()
		requireTags(t, rig.rec.tags(v42.Instance.ID, "after_approve"), "cfg")
		if c := rig.rec.of(v42.Instance.ID, "after_approve")[0]; c.Tier != flowtype.TierSettings || c.Level != "" {
			t.Fatalf("cfg ran from %s/%s", c.Tier, c.Level)
		}

		rig = f.withActions(flowgate.Config{Actions: flowgate.SettingsForAll()}, rig)
		v43 := f.attachP("P", "43")
		f.approve(v43, "r1")
		rig.settle()
		if runs := rig.runs(v43); len(runs) != 0 {
			t.Fatalf("settings [] must run nothing, got %d runs", len(runs))
		}

		rig = f.withActions(flowgate.Config{}, rig)
		v44 := f.attachP("P", "44")
		f.approve(v44, "r1")
		rig.settle()
		var approved []string
		for _, m := range rig.mail.all() {
			if m.InstanceID == v44.Instance.ID && m.Event == flowtype.EventAfterApprove {
				approved = append(approved, fmt.Sprintf("%s %s %q", m.Template, m.To, m.Subject))
			}
		}
		requireTags(t, approved, `workflow_approved req@acme.test "Workflow Approved"`)
		for _, r := range rig.runs(v44) {
			if r.Event == flowtype.EventAfterApprove && (r.Tier != flowtype.TierDefault || r.Handler != "email" || r.Status != flowtype.RunSucceeded) {
				t.Fatalf("default run: %+v", r)
			}
		}
		if rig.rec.total() != 1 {
			t.Fatalf("record ran %d times, want once (for 42)", rig.rec.total())
		}
	})
}

func TestScenarioL04(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		rig := f.withActions(flowgate.Config{}, nil)
		f.createP("", onStage("FS", record("", "on_workflow_complete", "fs", 1)),
			onWorkflow(record("", "on_workflow_complete", "wf", 1)))
		v := f.approveAll(f.attachP("P", "42"), "r1", "r2", "mgr", "dir")
		if v.Instance.Status != flowtype.StatusCompleted {
			t.Fatalf("status %s", v.Instance.Status)
		}
		rig.settle()
		requireTags(t, rig.rec.tags(v.Instance.ID, "on_workflow_complete"), "fs")
	})
}

func TestScenarioL05(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		rig := f.withActions(flowgate.Config{}, nil)
		f.createP("", onStage("IR", definition.Action{ActionType: "after_approve", Handler: "fail", Order: 1, IsActive: true}))
		v := f.approve(f.attachP("P", "42"), "r1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		rig.settle()
		var failed *flowgate.ActionRun
		for _, r := range rig.runs(v) {
			if r.Handler == "fail" {
				failed = r
			}
		}
		if failed == nil || failed.Status != flowtype.RunFailed || failed.Attempts < 1 || failed.LastError != "always fails" {
			t.Fatalf("failing run: %+v", failed)
		}
		requirePosition(t, f.get(v), flowtype.StatusInProgress, "Finance", "BA")

		retried := must(f.e.RetryActionRun(f.ctx, acme, failed.ID))
		if retried.Status != flowtype.RunPending {
			t.Fatalf("retried run: %s", retried.Status)
		}
		rig.settle()
		again := must(f.e.GetActionRun(f.ctx, acme, failed.ID))
		if again.Attempts != failed.Attempts+1 || again.Status != flowtype.RunFailed {
			t.Fatalf("after retry: %s after %d attempts", again.Status, again.Attempts)
		}
		ok := must(f.e.ListActionRuns(f.ctx, acme, &flowgate.ListActionRunsParams{
			Statuses: []flowgate.RunStatus{flowtype.RunSucceeded}, Limit: 500}))
		if _, err := f.e.RetryActionRun(f.ctx, acme, ok[0].ID); flowgate.CodeOf(err) != flowtype.CodeConflict {
			t.Fatalf("retrying a succeeded run: %v", err)
		}
		if _, err := f.e.RetryActionRun(f.ctx, "globex", failed.ID); !errorsIsNotFound(err) {
			t.Fatalf("retrying another tenant's run: %v", err)
		}
	})
}

func TestScenarioL06(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		rig := f.withActions(flowgate.Config{}, nil)
		f.createP("", onWorkflow(definition.Action{ActionType: "after_move_stage", Handler: "email", Order: 1, IsActive: true,
			Parameters: json.RawMessage(`{"recipients": ["current_approver"]}`)}))
		f.approve(f.attachP("P", "42"), "r1")
		rig.settle()
		var to []string
		for _, m := range rig.mail.all() {
			if m.Event == flowtype.EventAfterMoveStage {
				to = append(to, m.To)
			}
		}
		requireTags(t, to, "r2@acme.test")
	})
}

func TestScenarioL07(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		rig := f.withActions(flowgate.Config{}, nil)
		f.createP("", onWorkflow(record("", "after_reject", "rej", 1), record("", "after_delegate", "del", 1)))
		v := f.attachP("P", "42")
		v = must(f.tryDelegate(v, "r1", "cfo", ""))
		v = must(f.tryReject(v, "cfo", "too expensive"))
		rig.settle()
		requireTags(t, rig.rec.tags(v.Instance.ID, "after_delegate"), "del")
		requireTags(t, rig.rec.tags(v.Instance.ID, "after_reject"), "rej")
		var delegated *flowtype.Event
		for _, ev := range f.history(v) {
			if ev.Type == flowtype.EventAfterDelegate {
				delegated = ev
			}
		}
		requireData(t, delegated, "delegated_to", "cfo")
		c := rig.rec.of(v.Instance.ID, "after_delegate")[0]
		if c.DelegatedTo != "cfo" || c.Data["delegated_to"] != "cfo" {
			t.Fatalf("the run received delegated_to %q (data %v)", c.DelegatedTo, c.Data)
		}
	})
}

func TestScenarioL08(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		_, err := f.e.AddAction(f.ctx, acme, definition.ScopeWorkflow, "P",
			definition.Action{ActionType: "after_approve", Handler: "myapp.tasks.anything", Order: 1, IsActive: true}, nil)
		requireFieldError(t, err, "actions[0].handler", "Handler 'myapp.tasks.anything' is not registered")
		_, err = f.e.AddAction(f.ctx, acme, definition.ScopeStage, "IR",
			definition.Action{ActionType: "task_approved", Handler: "log", Order: 1, IsActive: true}, nil)
		requireFieldErrorPrefix(t, err, "pipelines[0].stages[0].actions[0].action_type", "Invalid action_type: task_approved")
		// A definition naming an unknown handler is refused whole.
		_, err = f.e.CreateWorkflow(f.ctx, acme, func() *definition.Workflow {
			d := pDef("2")
			onStage("BA2", definition.Action{ActionType: "after_approve", Handler: "myapp.tasks.anything", IsActive: true})(d)
			return d
		}(), nil)
		requireFieldError(t, err, "pipelines[0].stages[1].actions[0].handler", "Handler 'myapp.tasks.anything' is not registered")
		d := must(f.e.GetWorkflow(f.ctx, acme, "P"))
		if d.Version != 1 || len(d.Definition.Actions) != 0 || len(d.Definition.Pipelines[0].Stages[0].Actions) != 0 {
			t.Fatalf("something was stored: version %d", d.Version)
		}
		if _, err := f.e.GetWorkflow(f.ctx, acme, "P2"); !errorsIsNotFound(err) {
			t.Fatalf("P2 was stored: %v", err)
		}
		// Registered names, built-ins included, are accepted.
		for _, h := range []string{"email", "webhook", "set_subject_field", "log"} {
			must(f.e.AddAction(f.ctx, acme, definition.ScopeWorkflow, "P",
				definition.Action{ActionType: "after_withdraw", Handler: h, Order: 1, IsActive: true}, nil))
		}
	})
}

func TestScenarioL09(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		rig := f.withActions(flowgate.Config{DisableEmails: true}, nil)
		f.createP("")
		v := f.approve(f.attachP("P", "42"), "r1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		rig.settle()
		if n := len(rig.mail.all()); n != 0 {
			t.Fatalf("%d e-mails sent with disable_emails", n)
		}
		before := len(rig.runs(v))

		off := false
		rig = f.withActions(flowgate.Config{ActionsEnabled: &off}, rig)
		must(f.e.AddAction(f.ctx, acme, definition.ScopeWorkflow, "P", record("", "after_approve", "rec", 1), nil))
		v = f.approve(v, "r2")
		requirePosition(t, v, flowtype.StatusInProgress, "Management", "EA")
		rig.settle()
		if n := len(rig.runs(v)); n != before {
			t.Fatalf("actions_enabled false created %d runs", n-before)
		}
		if rig.rec.total() != 0 || len(rig.mail.all()) != 0 {
			t.Fatalf("something ran: %d records, %d e-mails", rig.rec.total(), len(rig.mail.all()))
		}
	})
}

func errorsIsNotFound(err error) bool {
	return err != nil && flowgate.CodeOf(err) == flowtype.CodeNotFound
}
