package flowgate_test

import (
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// Group F of SCENARIOS.md: resubmission.

const sendBackReason = "Please provide additional cost breakdown details"

// sentBackToIR builds F01's end state: P on 42 at BA, sent back by r2 to
// IR.
func (f *fx) sentBackToIR() *flowgate.InstanceView {
	f.t.Helper()
	f.createP("")
	v := f.approve(f.attachP("P", "42"), "r1")
	return must(f.trySendBackTo(v, "r2", "IR", sendBackReason))
}

func TestScenarioF01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		v := f.sentBackToIR()

		requirePosition(t, v, flowtype.StatusAwaitingResubmission, "Finance", "IR")
		requireTasks(t, v, "r1:approved", "r2:sent_back")
		if r2 := tasksOf(v, "r2")[0]; r2.Reason != sendBackReason || r2.ActedBy != "r2" {
			t.Fatalf("r2's task: reason %q, acted_by %q", r2.Reason, r2.ActedBy)
		}
		if open := v.OpenTasks(); len(open) != 0 {
			t.Fatalf("open tasks: %v", taskStatuses(v))
		}
		requireEvents(t, v.Events, "after_resubmission")
		requireEventAt(t, v.Events[0], flowtype.EventAfterResubmission, "Finance", "BA")
		requireData(t, v.Events[0], "to_stage_id", "IR")
		requireNext(t, v, 0, "Finance", "BA")

		got := f.get(v)
		requirePosition(t, got, flowtype.StatusAwaitingResubmission, "Finance", "IR")
		requireTasks(t, got, "r1:approved", "r2:sent_back")
		requireNext(t, got, 0, "Finance", "BA")
	})
}

func TestScenarioF02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		v := f.sentBackToIR()
		firstR1 := tasksOf(v, "r1")[0].ID

		v = must(f.tryResubmit(v, "req"))
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		requireTasks(t, v, "r1:approved", "r2:sent_back", "r1:current")
		if r1 := tasksOf(v, "r1"); r1[0].ID != firstR1 || r1[0].Status != flowtype.TaskApproved || r1[1].ID == firstR1 {
			t.Fatalf("r1's tasks: %v", taskStatuses(v))
		}
		requireEvents(t, v.Events, "resubmitted", "after_move_stage")
		requireEventAt(t, v.Events[0], flowtype.EventResubmitted, "Finance", "IR")
		requireEventAt(t, v.Events[1], flowtype.EventAfterMoveStage, "Finance", "IR")
		requireData(t, v.Events[1], "from_stage_id", "BA")
		requireData(t, v.Events[1], "to_stage_id", "IR")

		v = f.approve(v, "r1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		requireTasks(t, v, "r1:approved", "r2:sent_back", "r1:approved", "r2:current")
	})
}

func TestScenarioF03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		v := f.sentBackToIR()

		_, err := f.tryResubmit(v, "r1")
		f.requireRefused(err, flowtype.CodeNotStarter, "Only the starter may resubmit this workflow", v)

		const msg = "Workflow is not in progress (current status: awaiting_resubmission)"
		_, err = f.tryApprove(v, "r1")
		f.requireRefused(err, flowtype.CodeNotInProgress, msg, v)
		_, err = f.tryApprove(v, "req")
		f.requireRefused(err, flowtype.CodeNotInProgress, msg, v)

		got := f.get(v)
		requirePosition(t, got, flowtype.StatusAwaitingResubmission, "Finance", "IR")
		requireTasks(t, got, "r1:approved", "r2:sent_back")
	})
}

func TestScenarioF04(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.approve(f.attachP("P", "42"), "r1")

		v = must(f.trySendBackTo(v, "r2", "BA", "Wrong cost centre"))
		requirePosition(t, v, flowtype.StatusAwaitingResubmission, "Finance", "BA")
		requireTasks(t, v, "r1:approved", "r2:sent_back")

		v = must(f.tryResubmit(v, "req"))
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		requireTasks(t, v, "r1:approved", "r2:sent_back", "r2:current")
		requireEvents(t, v.Events, "resubmitted", "after_move_stage")
		requireEventAt(t, v.Events[1], flowtype.EventAfterMoveStage, "Finance", "BA")
		requireData(t, v.Events[1], "from_stage_id", "BA")
		requireData(t, v.Events[1], "to_stage_id", "BA")
	})
}

func TestScenarioF05(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		f.createP("2")
		v := f.approve(f.attachP("P", "42"), "r1")

		for _, tc := range []struct {
			name, target, reason string
			code                 flowtype.Code
			path, msg            string
		}{
			{"later stage", "EA", "r", flowtype.CodeInvalidTargetStage, "stage_id", "Cannot send back to a later stage"},
			{"no stage", "", "r", flowtype.CodeInvalidTargetStage, "stage_id", "stage_id is required"},
			{"unknown stage", "nope", "r", flowtype.CodeInvalidTargetStage, "stage_id", "Invalid stage ID"},
			{"another workflow", "IR2", "r", flowtype.CodeInvalidTargetStage, "stage_id", "Stage does not belong to current workflow"},
			{"no reason", "IR", "", flowtype.CodeReasonRequired, "reason", "Reason is required for resubmission"},
		} {
			// One by one on the scenario's goroutine: requireRefused
			// reports through f.t.
			_, err := f.trySendBackTo(v, "r2", tc.target, tc.reason)
			f.requireRefused(err, tc.code, tc.msg, v)
			requireRefusalPath(t, err, tc.path) // HTTP 422 validation_failed at path
		}
		got := f.get(v)
		requirePosition(t, got, flowtype.StatusInProgress, "Finance", "BA")
		requireTasks(t, got, "r1:approved", "r2:current")
	})
}

func TestScenarioF06(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		must(f.e.CreateWorkflow(f.ctx, acme, vDef(), nil))
		must(f.e.CreateWorkflow(f.ctx, acme, xDef(), nil))

		v := f.approve(f.attach("V", "vendor", "7", ""), "r1")
		requirePosition(t, v, flowtype.StatusInProgress, "VHR", "")
		v = must(f.decide(v, &flowgate.Decision{
			Action: flowgate.ActionSendBack, Actor: "r2", PipelineID: "VFinance", Reason: "Missing tax id",
		}))
		requirePosition(t, v, flowtype.StatusAwaitingResubmission, "VFinance", "")
		requireEvents(t, v.Events, "after_resubmission")
		requireEventAt(t, v.Events[0], flowtype.EventAfterResubmission, "VHR", "")
		v = must(f.tryResubmit(v, "req"))
		requirePosition(t, v, flowtype.StatusInProgress, "VFinance", "")
		requireTasks(t, v, "r1:approved", "r2:sent_back", "r1:current")
		requireEvents(t, v.Events, "resubmitted", "after_move_pipeline")
		requireEventAt(t, v.Events[1], flowtype.EventAfterMovePipeline, "VFinance", "")
		requireData(t, v.Events[1], "from_pipeline_id", "VHR")
		requireData(t, v.Events[1], "to_pipeline_id", "VFinance")

		x := f.attach("X", "expense", "9", "")
		x = must(f.decide(x, &flowgate.Decision{Action: flowgate.ActionSendBack, Actor: "mgr", Reason: "Attach the receipts"}))
		requirePosition(t, x, flowtype.StatusAwaitingResubmission, "", "")
		requireTasks(t, x, "mgr:sent_back")
		x = must(f.tryResubmit(x, "req"))
		requirePosition(t, x, flowtype.StatusInProgress, "", "")
		requireTasks(t, x, "mgr:sent_back", "mgr:current")
		requireEvents(t, x.Events, "resubmitted")
	})
}

func TestScenarioF07(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "consensus")))
		v := f.approve(f.attachP("P", "42"), "u1")

		v = must(f.trySendBackTo(v, "u2", "IR", "Recount"))
		requireTasks(t, v, "u1:approved", "u2:sent_back", "u3:cancelled")

		v = must(f.tryResubmit(v, "req"))
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		requireTasks(t, v, "u1:approved", "u2:sent_back", "u3:cancelled", "u1:current", "u2:current", "u3:current")

		// u1 must approve again: one approval of three is not consensus.
		v = f.approve(v, "u1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		requireEvents(t, v.Events, "task_approved")
	})
}
