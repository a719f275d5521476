package flowgate_test

import (
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// Group G of SCENARIOS.md: delegation.

// delegatedToCFO builds G01's state before cfo acts: P on 42 at IR, r1's
// task delegated to cfo.
func (f *fx) delegatedToCFO() *flowgate.InstanceView {
	f.t.Helper()
	f.createP("")
	return must(f.tryDelegate(f.attachP("P", "42"), "r1", "cfo", "Amount exceeds my approval limit"))
}

func TestScenarioG01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		v := f.delegatedToCFO()

		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		requireTasks(t, v, "r1:delegated", "cfo:current")
		r1, cfo := tasksOf(v, "r1")[0], tasksOf(v, "cfo")[0]
		if r1.DelegatedTo != "cfo" {
			t.Fatalf("r1's task: delegated_to %q", r1.DelegatedTo)
		}
		if cfo.DelegatedFrom != r1.ID || cfo.Step != r1.Step || cfo.Round != r1.Round || cfo.StageID != "IR" {
			t.Fatalf("cfo's task: %+v; r1's: %+v", cfo, r1)
		}
		requireEvents(t, v.Events, "after_delegate")
		requireEventAt(t, v.Events[0], flowtype.EventAfterDelegate, "Finance", "IR")
		requireData(t, v.Events[0], "delegated_to", "cfo")
		if v.Events[0].Actor != "r1" {
			t.Fatalf("after_delegate actor %q, want r1", v.Events[0].Actor)
		}
		requireData(t, v.Events[0], "reason", "Amount exceeds my approval limit")
		requireTasks(t, f.get(v), "r1:delegated", "cfo:current")

		v = f.approve(v, "cfo")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		requireTasks(t, v, "r1:delegated", "cfo:approved", "r2:current")
		requireEvents(t, v.Events, "after_approve", "after_move_stage")
	})
}

func TestScenarioG02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		v := f.delegatedToCFO()

		// The library has no per-user read check: r1 reads like anyone.
		if got := f.get(v); got.Instance.ID != v.Instance.ID {
			t.Fatal("r1 cannot read the instance")
		}

		inbox := must(f.e.Inbox(f.ctx, acme, "cfo", nil))
		if len(inbox) != 1 || inbox[0].Task.StageID != "IR" || inbox[0].SubjectID != "42" ||
			inbox[0].Task.Assignee != "cfo" {
			t.Fatalf("cfo's inbox: %+v", inbox)
		}
		if inbox := must(f.e.Inbox(f.ctx, acme, "r1", nil)); len(inbox) != 0 {
			t.Fatalf("r1's inbox: %+v", inbox)
		}

		_, err := f.tryApprove(v, "r1")
		f.requireRefused(err, flowtype.CodeConflict, "This step was already decided.", v)
		requireTasks(t, f.get(v), "r1:delegated", "cfo:current")
	})
}

func TestScenarioG03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.attachP("P", "42")
		must(f.e.SetUserActive(f.ctx, acme, "u7", false, "adm"))

		for _, tc := range []struct{ to, msg string }{
			{"", "user_id is required"},
			{"r1", "Cannot delegate to yourself"},
			{"x1", "Invalid user ID"}, // another tenant's user
			{"req", "Cannot delegate to the requester"},
			{"u7", "Invalid user ID"}, // inactive
		} {
			_, err := f.tryDelegate(v, "r1", tc.to, "")
			f.requireRefused(err, flowtype.CodeInvalidDelegate, tc.msg, v)
			requireRefusalPath(t, err, "user_id") // HTTP 422 validation_failed at user_id
		}
		requireTasks(t, f.get(v), "r1:current")
	})
}

func TestScenarioG04(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "anyone")))
		v := f.attachP("P", "42")

		v = must(f.tryDelegate(v, "u1", "cfo", ""))
		requireTasks(t, v, "u1:delegated", "u2:current", "u3:current", "cfo:current")
		requireEvents(t, v.Events, "after_delegate")

		v = f.approve(v, "cfo")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		requireTasks(t, v, "u1:delegated", "u2:cancelled", "u3:cancelled", "cfo:approved", "r2:current")
		requireEvents(t, v.Events, "after_approve", "after_move_stage")
	})
}

func TestScenarioG05(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "consensus")))
		v := f.attachP("P", "42")

		_, err := f.tryDelegate(v, "u1", "u2", "")
		f.requireRefused(err, flowtype.CodeInvalidDelegate, "User already has a task on this step", v)
		requireRefusalPath(t, err, "user_id")
		requireTasks(t, f.get(v), "u1:current", "u2:current", "u3:current")
	})
}
