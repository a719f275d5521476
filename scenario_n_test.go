package flowgate_test

import (
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// Group N of SCENARIOS.md: withdraw (N01, N02; cleanup is N03, N04).

func TestScenarioN01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v42 := f.approve(f.attachP("P", "42"), "r1")
		v43 := f.attachDeferred("P", "43")

		v42 = must(f.e.Withdraw(f.ctx, acme, v42.Instance.ID, "req", &flowgate.DecisionOpts{Reason: "No longer needed"}))
		got := f.get(v42)
		if got.Instance.Status != flowtype.StatusWithdrawn || got.Instance.CompletedAt == nil {
			t.Fatalf("42: %s, completed_at %v", got.Instance.Status, got.Instance.CompletedAt)
		}
		requireTasks(t, got, "r1:approved", "r2:cancelled")
		if len(got.OpenTasks()) != 0 {
			t.Fatalf("42 has open tasks: %v", taskStatuses(got))
		}
		f.requireWritten(v42, "after_withdraw(BA)")
		requireData(t, v42.Events[0], "reason", "No longer needed")
		if got.ProgressPercentage != 0 || got.NextStage != nil || got.NextPipeline != nil {
			t.Fatalf("42: progress %d, next %v %v", got.ProgressPercentage, got.NextStage, got.NextPipeline)
		}
		if s := f.subjectStatus("purchase_request", "42"); s != "draft" {
			t.Fatalf("42's subject status %q, want draft", s)
		}

		v43 = must(f.tryWithdraw(v43, "req"))
		got = f.get(v43)
		if got.Instance.Status != flowtype.StatusWithdrawn || got.Instance.CompletedAt == nil || len(got.Tasks) != 0 {
			t.Fatalf("43: %s, completed_at %v, tasks %v", got.Instance.Status, got.Instance.CompletedAt, taskStatuses(got))
		}
		f.requireWritten(v43, "after_withdraw()")

		again := f.attachP("P", "43")
		if again.Instance.ID == v43.Instance.ID {
			t.Fatal("the new attach reused the withdrawn instance")
		}
		requirePosition(t, again, flowtype.StatusInProgress, "Finance", "IR")
		if cur := must(f.e.SubjectInstance(f.ctx, acme, "purchase_request", "43")); cur.Instance.ID != again.Instance.ID {
			t.Fatalf("subject 43 reads instance %s, want the new %s", cur.Instance.ID, again.Instance.ID)
		}
		if old := f.get(v43); old.Instance.Status != flowtype.StatusWithdrawn {
			t.Fatalf("the old instance reads %s", old.Instance.Status)
		}
	})
}

func TestScenarioN02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v42 := f.approve(f.attachP("P", "42"), "r1")
		done := f.approveAll(f.attachP("P", "43"), "r1", "r2", "mgr", "dir")
		if done.Instance.Status != flowtype.StatusCompleted {
			t.Fatalf("43 is %s, want completed", done.Instance.Status)
		}

		_, err := f.tryWithdraw(v42, "r2")
		f.requireRefusedNoChange(err, flowtype.CodeNotStarter, "", v42)

		_, err = f.tryWithdraw(done, "req")
		f.requireRefusedNoChange(err, flowtype.CodeNotInProgress, "Workflow is not in progress (current status: completed)", done)
	})
}
