package flowgate_test

import (
	"testing"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Group D of SCENARIOS.md: progression.

func TestScenarioD01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.approve(f.attachP("P", "42"), "r1")

		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		requireTasks(t, v, "r1:approved", "r2:current")
		if r1 := tasksOf(v, "r1")[0]; r1.ActedBy != "r1" || r1.ActedAt == nil {
			t.Fatalf("r1's task: acted_by %q, acted_at %v", r1.ActedBy, r1.ActedAt)
		}
		requireEvents(t, v.Events, "after_approve", "after_move_stage")
		requireEventAt(t, v.Events[0], flowtype.EventAfterApprove, "Finance", "IR")
		requireEventAt(t, v.Events[1], flowtype.EventAfterMoveStage, "Finance", "BA")
		requireData(t, v.Events[1], "from_stage_id", "IR")
		requireData(t, v.Events[1], "to_stage_id", "BA")
		for _, ev := range v.Events {
			if ev.Actor != "r1" {
				t.Fatalf("%s actor %q, want r1", ev.Type, ev.Actor)
			}
		}

		got := f.get(v)
		requirePosition(t, got, flowtype.StatusInProgress, "Finance", "BA")
		requireTasks(t, got, "r1:approved", "r2:current")
	})
}

func TestScenarioD02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.approveAll(f.attachP("P", "42"), "r1", "r2")

		requirePosition(t, v, flowtype.StatusInProgress, "Management", "EA")
		requireTasks(t, v, "r1:approved", "r2:approved", "mgr:current")
		requireEvents(t, v.Events, "after_approve", "after_move_pipeline", "after_move_stage")
		requireEventAt(t, v.Events[0], flowtype.EventAfterApprove, "Finance", "BA")
		requireEventAt(t, v.Events[1], flowtype.EventAfterMovePipeline, "Management", "EA")
		requireData(t, v.Events[1], "from_pipeline_id", "Finance")
		requireData(t, v.Events[1], "to_pipeline_id", "Management")
		requireEventAt(t, v.Events[2], flowtype.EventAfterMoveStage, "Management", "EA")
		requireData(t, v.Events[2], "from_stage_id", "BA")
		requireData(t, v.Events[2], "to_stage_id", "EA")
	})
}

func TestScenarioD03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.approveAll(f.attachP("P", "42"), "r1", "r2", "mgr")
		requirePosition(t, v, flowtype.StatusInProgress, "Management", "FS")

		v = f.approve(v, "dir")
		requirePosition(t, v, flowtype.StatusCompleted, "", "")
		if v.Instance.CompletedAt == nil {
			t.Fatal("completed_at not set")
		}
		requireEvents(t, v.Events, "after_approve", "on_workflow_complete")
		requireEventAt(t, v.Events[0], flowtype.EventAfterApprove, "Management", "FS")
		requireEventAt(t, v.Events[1], flowtype.EventWorkflowComplete, "Management", "FS")
		requireTasks(t, f.get(v), "r1:approved", "r2:approved", "mgr:approved", "dir:approved")

		h := f.history(v)
		requireEvents(t, h, "on_workflow_start", "after_approve", "after_move_stage", "after_approve",
			"after_move_pipeline", "after_move_stage", "after_approve", "after_move_stage", "after_approve",
			"on_workflow_complete")
		for i, ev := range h {
			if ev.Seq != i+1 {
				t.Fatalf("event %d (%s) has seq %d", i, ev.Type, ev.Seq)
			}
		}
	})
}

func TestScenarioD04(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", user("r1"), role("finance", "consensus"), user("cfo")))
		v := f.attachP("P", "42")

		// Configured order kept: r1 first, then the role step, then cfo.
		requireTasks(t, v, "r1:current", "@finance:pending", "cfo:pending")
		for _, tk := range v.Tasks {
			if tk.RoleID == "finance" && tk.Assignee != "" {
				t.Fatalf("the pending role step must have no assignee: %+v", tk)
			}
		}

		v = f.approve(v, "r1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		requireTasks(t, v, "r1:approved", "u1:current", "u2:current", "u3:current", "cfo:pending")
		requireEvents(t, v.Events, "task_approved")
		requireEventAt(t, v.Events[0], flowtype.EventTaskApproved, "Finance", "IR")
		requireTasks(t, f.get(v), "r1:approved", "u1:current", "u2:current", "u3:current", "cfo:pending")
	})
}

func TestScenarioD05(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", user("r1"), user("cfo")))
		v := f.approve(f.attachP("P", "42"), "r1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		requireTasks(t, v, "r1:approved", "cfo:current")
		requireEvents(t, v.Events, "task_approved")

		v = f.approve(v, "cfo")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		requireEvents(t, v.Events, "after_approve", "after_move_stage")
		requireEventAt(t, v.Events[0], flowtype.EventAfterApprove, "Finance", "IR")
		requireEventAt(t, v.Events[1], flowtype.EventAfterMoveStage, "Finance", "BA")
		requireData(t, v.Events[1], "from_stage_id", "IR")
	})
}

func TestScenarioD06(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		must(f.e.CreateWorkflow(f.ctx, acme, vDef(), nil))
		must(f.e.CreateWorkflow(f.ctx, acme, xDef(), nil))

		v := f.attach("V", "vendor", "7", "")
		for _, step := range []struct {
			actor, from, to string
		}{{"r1", "VFinance", "VHR"}, {"r2", "VHR", "VExecutive"}} {
			v = f.approve(v, step.actor)
			requireEvents(t, v.Events, "after_approve", "after_move_pipeline")
			requireEventAt(t, v.Events[0], flowtype.EventAfterApprove, step.from, "")
			requireEventAt(t, v.Events[1], flowtype.EventAfterMovePipeline, step.to, "")
			requireData(t, v.Events[1], "from_pipeline_id", step.from)
			requireData(t, v.Events[1], "to_pipeline_id", step.to)
			requirePosition(t, v, flowtype.StatusInProgress, step.to, "")
		}
		v = f.approve(v, "mgr")
		requireEvents(t, v.Events, "after_approve", "on_workflow_complete")
		requirePosition(t, v, flowtype.StatusCompleted, "", "")
		for _, ev := range f.history(v) {
			if ev.StageID != "" {
				t.Fatalf("strategy 2 event %s names stage %q", ev.Type, ev.StageID)
			}
		}

		x := f.approve(f.attach("X", "expense", "9", ""), "mgr")
		requirePosition(t, x, flowtype.StatusCompleted, "", "")
		requireEvents(t, f.history(x), "on_workflow_start", "after_approve", "on_workflow_complete")
	})
}

func TestScenarioD07(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v42 := f.attachP("P", "42")
		done := f.approveAll(f.attachP("P", "43"), "r1", "r2", "mgr", "dir")

		_, err := f.tryApprove(v42, "r2")
		f.requireRefused(err, flowtype.CodeNotAssignee, "You are not authorized to act on this step.", v42)

		_, err = f.tryApprove(done, "r1")
		f.requireRefused(err, flowtype.CodeNotInProgress, "Workflow is not in progress (current status: completed)", done)

		requireTasks(t, f.get(v42), "r1:current")
		requireTasks(t, f.get(done), "r1:approved", "r2:approved", "mgr:approved", "dir:approved")
	})
}

func TestScenarioD08(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", user("r1"), when(user("cfo"), "subject.amount > 10000")))

		v42 := f.attach("P", "purchase_request", "42", `{"amount": 1500}`)
		requireTasks(t, v42, "r1:current")
		v42 = f.approve(v42, "r1")
		requirePosition(t, v42, flowtype.StatusInProgress, "Finance", "BA")

		v43 := f.attach("P", "purchase_request", "43", `{"amount": 20000}`)
		requireTasks(t, v43, "r1:current", "cfo:pending")
	})
}

func TestScenarioD09(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("BA", when(user("r2"), "subject.amount > 10000")))
		v := f.approve(f.attachP("P", "42"), "r1")

		requirePosition(t, v, flowtype.StatusInProgress, "Management", "EA")
		requireEvents(t, v.Events, "after_approve", "after_move_pipeline", "after_move_stage")
		requireEventAt(t, v.Events[0], flowtype.EventAfterApprove, "Finance", "IR")
		requireEventAt(t, v.Events[1], flowtype.EventAfterMovePipeline, "Management", "EA")
		requireData(t, v.Events[1], "from_pipeline_id", "Finance")
		requireEventAt(t, v.Events[2], flowtype.EventAfterMoveStage, "Management", "EA")
		requireData(t, v.Events[2], "from_stage_id", "IR")
		requireData(t, v.Events[2], "to_stage_id", "EA")
		requireTasks(t, v, "r1:approved", "mgr:current") // no task for r2, ever
		if v.ProgressPercentage != 50 {
			t.Fatalf("progress %d, want 50", v.ProgressPercentage)
		}
	})
}

func TestScenarioD10(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", user("req")))
		f.createP("2", approvals("IR", user("req")), func(w *definition.Workflow) { w.AllowSelfApproval = true })

		v := f.attachP("P", "42")
		_, err := f.tryApprove(v, "req")
		f.requireRefused(err, flowtype.CodeSelfApprovalForbidden, "You cannot approve your own request.", v) // 403
		requireTasks(t, f.get(v), "req:current")

		v = f.approve(f.attachP("P2", "43"), "req")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance2", "BA2")
	})
}

func TestScenarioD11(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("BA", role("auditors", "anyone")))
		v := f.attachP("P", "42")

		_, err := f.tryApprove(v, "r1")
		f.requireRefused(err, flowtype.CodeNoActiveApprover, "Role 'auditors' has no active members who may approve", v)
		got := f.get(v)
		requirePosition(t, got, flowtype.StatusInProgress, "Finance", "IR")
		requireTasks(t, got, "r1:current")
	})
}
