package flowgate_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// Group P of SCENARIOS.md: concurrency and idempotency. HTTP's 409, 412,
// Idempotency-Key and If-Match are the library's conflict,
// precondition_failed, Decision.IdempotencyKey and Decision.IfVersion.

// requireOutcomes asserts how many concurrent commands succeeded and how
// many were refused with each code.
func requireOutcomes(t *testing.T, errs []error, want map[string]int) {
	t.Helper()
	if got := codeCounts(errs); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
}

// requireConflictMessage asserts every conflict says the step was decided.
func requireConflictMessage(t *testing.T, errs []error) {
	t.Helper()
	for _, err := range errs {
		var fe *flowtype.Error
		if errors.As(err, &fe) && fe.Code == flowtype.CodeConflict && fe.Message != "This step was already decided." {
			t.Fatalf("conflict message %q", fe.Message)
		}
	}
}

func TestScenarioP01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "anyone")))
		v := f.attachP("P", "42")
		actors := []string{"u1", "u2"}
		errs := concurrently(2, func(i int) error {
			_, err := f.tryApprove(v, actors[i])
			return err
		})
		requireOutcomes(t, errs, map[string]int{"ok": 1, "conflict": 1})
		requireConflictMessage(t, errs)

		got := f.get(v)
		requirePosition(t, got, flowtype.StatusInProgress, "Finance", "BA")
		winner := actors[0]
		if errs[0] != nil {
			winner = actors[1]
		}
		want := []string{"u1:cancelled", "u2:cancelled", "u3:cancelled", "r2:current"}
		for i, w := range want {
			if w == winner+":cancelled" {
				want[i] = winner + ":approved"
			}
		}
		requireTasks(t, got, want...)
		if got.Instance.Version != v.Instance.Version+1 {
			t.Fatalf("version %d, want %d", got.Instance.Version, v.Instance.Version+1)
		}
		hist := f.history(v)
		requireEventSpecs(t, hist, "on_workflow_start(IR)", "after_approve(IR)", "after_move_stage(IR→BA)")
		requireSeqs(t, hist)
	})
}

func TestScenarioP02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		var council []string
		for i := 1; i <= 10; i++ {
			council = append(council, fmt.Sprintf("c%02d", i))
		}
		f.saveUsers(council...)
		f.role("council", council...)
		f.createP("", approvals("IR", role("council", "consensus")))
		v := f.attachP("P", "42")
		if n := len(v.CurrentTasks()); n != 10 {
			t.Fatalf("%d current tasks, want 10", n)
		}

		errs := concurrently(10, func(i int) error {
			_, err := f.tryApprove(v, council[i])
			return err
		})
		requireOutcomes(t, errs, map[string]int{"ok": 10})

		got := f.get(v)
		requirePosition(t, got, flowtype.StatusInProgress, "Finance", "BA")
		if got.Instance.Version != v.Instance.Version+10 {
			t.Fatalf("version %d, want %d", got.Instance.Version, v.Instance.Version+10)
		}
		if cur := currentAssignees(got); fmt.Sprint(cur) != "[r2]" {
			t.Fatalf("current tasks %v, want [r2]", cur)
		}
		for _, task := range got.Tasks {
			if task.StageID == "IR" && task.Status != flowtype.TaskApproved {
				t.Fatalf("IR task of %s is %s", task.Assignee, task.Status)
			}
		}
		hist := f.history(v)
		requireSeqs(t, hist)
		counts := countEvents(hist)
		if counts[flowtype.EventTaskApproved] != 9 || counts[flowtype.EventAfterApprove] != 1 ||
			counts[flowtype.EventAfterMoveStage] != 1 || len(hist) != 12 {
			t.Fatalf("events %v", eventTypes(hist))
		}
		requireEventSpecs(t, hist[len(hist)-2:], "after_approve(IR)", "after_move_stage(IR→BA)")
	})
}

func TestScenarioP03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "anyone")))
		v := f.attachP("P", "42")
		errs := concurrently(2, func(i int) error {
			var err error
			if i == 0 {
				_, err = f.tryApprove(v, "u1")
			} else {
				_, err = f.tryReject(v, "u2", "Not in budget")
			}
			return err
		})
		requireOutcomes(t, errs, map[string]int{"ok": 1, "conflict": 1})
		requireConflictMessage(t, errs)

		got := f.get(v)
		counts := countEvents(f.history(v))
		if errs[0] == nil {
			requirePosition(t, got, flowtype.StatusInProgress, "Finance", "BA")
			requireTasks(t, got, "u1:approved", "u2:cancelled", "u3:cancelled", "r2:current")
		} else {
			requirePosition(t, got, flowtype.StatusRejected, "Finance", "IR")
			requireTasks(t, got, "u1:cancelled", "u2:rejected", "u3:cancelled")
		}
		if counts[flowtype.EventAfterApprove]+counts[flowtype.EventAfterReject] != 1 {
			t.Fatalf("events %v: want exactly one of after_approve and after_reject", eventTypes(f.history(v)))
		}
		if got.Instance.Version != v.Instance.Version+1 {
			t.Fatalf("version %d, want %d", got.Instance.Version, v.Instance.Version+1)
		}
	})
}

func TestScenarioP04(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.attachP("P", "42")
		key := &flowgate.DecisionOpts{IdempotencyKey: "k1"}

		runs := func() int {
			return len(must(f.e.ListActionRuns(f.ctx, acme, &flowgate.ListActionRunsParams{InstanceID: v.Instance.ID, Limit: 500})))
		}
		first := must(f.tryApproveWith(v, "r1", key))
		f.requireWritten(first, "after_approve(IR)", "after_move_stage(IR→BA)")
		state := f.get(v)
		events, runsAfterFirst := len(f.history(v)), runs()

		second := must(f.tryApproveWith(v, "r1", key))
		a, _ := json.Marshal(first)
		b, _ := json.Marshal(second)
		if string(a) != string(b) {
			t.Fatalf("the replay differs:\nfirst  %s\nsecond %s", a, b)
		}
		if second.Instance.Version != first.Instance.Version {
			t.Fatalf("replay version %d, first %d", second.Instance.Version, first.Instance.Version)
		}
		after := f.get(v)
		ta, _ := json.Marshal(state.Tasks)
		tb, _ := json.Marshal(after.Tasks)
		if after.Instance.Version != state.Instance.Version || len(f.history(v)) != events || string(ta) != string(tb) ||
			runs() != runsAfterFirst {
			t.Fatalf("the replay wrote: version %d→%d, events %d→%d, action runs %d→%d", state.Instance.Version,
				after.Instance.Version, events, len(f.history(v)), runsAfterFirst, runs())
		}

		_, err := f.e.Reject(f.ctx, acme, v.Instance.ID, "r1", "Changed my mind", key)
		f.requireRefusedNoChange(err, flowtype.CodeIdempotencyMismatch, "", after)
		if runs() != runsAfterFirst {
			t.Fatalf("the mismatch wrote action runs: %d→%d", runsAfterFirst, runs())
		}
	})
}

func TestScenarioP05(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.attachP("P", "42")
		ver := v.Instance.Version
		// IfVersion 0 means "no precondition", so a version the instance
		// does not have stands for the stale If-Match when v-1 is 0.
		stale := ver - 1
		if stale == 0 {
			stale = ver + 1
		}
		_, err := f.tryApproveWith(v, "r1", &flowgate.DecisionOpts{IfVersion: stale})
		f.requireRefusedNoChange(err, flowtype.CodePreconditionFailed, "", v)

		// A version read before another decision is stale too.
		v2 := must(f.tryApproveWith(v, "r1", &flowgate.DecisionOpts{IfVersion: ver}))
		_, err = f.tryApproveWith(v2, "r2", &flowgate.DecisionOpts{IfVersion: ver})
		f.requireRefusedNoChange(err, flowtype.CodePreconditionFailed, "", v2)
	})
}

func TestScenarioP06(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.attachP("P", "42")
		first := f.approve(v, "r1")
		_, err := f.tryApprove(v, "r1")
		f.requireRefusedNoChange(err, flowtype.CodeConflict, "This step was already decided.", first)
		if n := countEvents(f.history(v))[flowtype.EventAfterApprove]; n != 1 {
			t.Fatalf("%d after_approve events, want 1", n)
		}
	})
}

func TestScenarioP07(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		views := make([]*flowgate.InstanceView, 2)
		errs := concurrently(2, func(i int) error {
			var err error
			views[i], err = f.tryAttach("P", "purchase_request", "50", `{"amount": 1500}`, "req")
			return err
		})
		requireOutcomes(t, errs, map[string]int{"ok": 1, "already_attached": 1})
		for _, err := range errs {
			var fe *flowtype.Error
			if errors.As(err, &fe) && fe.Message != "Subject purchase_request/50 already has an active workflow instance" {
				t.Fatalf("already_attached message %q", fe.Message)
			}
		}
		list := must(f.e.SubjectInstances(f.ctx, acme, "purchase_request", "50"))
		if len(list) != 1 {
			t.Fatalf("%d instances, want 1", len(list))
		}
		winner := views[0]
		if winner == nil {
			winner = views[1]
		}
		if list[0].ID != winner.Instance.ID {
			t.Fatalf("stored instance %s, the winner returned %s", list[0].ID, winner.Instance.ID)
		}
		requireEventSpecs(t, f.history(winner), "on_workflow_start(IR)")
	})
}

func TestScenarioP08(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "round_robin")))
		errs := concurrently(6, func(i int) error {
			_, err := f.tryAttach("P", "purchase_request", fmt.Sprint(60+i), `{"amount": 1500}`, "req")
			return err
		})
		requireOutcomes(t, errs, map[string]int{"ok": 6})
		held := map[string]int{}
		for i := range 6 {
			v := must(f.e.SubjectInstance(f.ctx, acme, "purchase_request", fmt.Sprint(60+i)))
			if len(v.Tasks) != 1 || v.Tasks[0].Status != flowtype.TaskCurrent || v.Tasks[0].StageID != "IR" {
				t.Fatalf("subject %d: tasks %v", 60+i, taskStatuses(v))
			}
			held[v.Tasks[0].Assignee]++
		}
		if fmt.Sprint(held) != "map[u1:2 u2:2 u3:2]" {
			t.Fatalf("IR tasks held %v, want two each for u1, u2, u3", held)
		}
	})
}
