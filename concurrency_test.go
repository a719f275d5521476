package flowgate_test

import (
	"errors"
	"fmt"
	"runtime/debug"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// Concurrency (SEMANTICS §3.8), on both databases; run with -race.

// TestConcurrentSameTask: 32 goroutines approve one task as its holder;
// exactly one wins, the others find the step already decided.
func TestConcurrentSameTask(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.attachP("P", "42")
		errs := concurrently(32, func(int) error {
			_, err := f.tryApprove(v, "r1")
			return err
		})
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, flowgate.ErrConflict):
				t.Fatalf("a loser got %v, want ErrConflict", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d approvals succeeded, want 1 (outcomes %v)", won, codeCounts(errs))
		}
		got := f.get(v)
		requirePosition(t, got, flowtype.StatusInProgress, "Finance", "BA")
		requireTasks(t, got, "r1:approved", "r2:current")
		if got.Instance.Version != v.Instance.Version+1 {
			t.Fatalf("version %d, want %d", got.Instance.Version, v.Instance.Version+1)
		}
		hist := f.history(v)
		requireEventSpecs(t, hist, "on_workflow_start(IR)", "after_approve(IR)", "after_move_stage(IR→BA)")
		requireSeqs(t, hist)
	})
}

// TestConcurrentConsensus: ten members of a consensus step approve at
// once; every approval counts and the stage advances exactly once.
func TestConcurrentConsensus(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		var members []string
		for i := 1; i <= 10; i++ {
			members = append(members, fmt.Sprintf("m%02d", i))
		}
		f.saveUsers(members...)
		f.role("board10", members...)
		f.createP("", approvals("IR", role("board10", "consensus")))
		v := f.attachP("P", "42")

		errs := concurrently(len(members), func(i int) error {
			_, err := f.tryApprove(v, members[i])
			return err
		})
		if got := codeCounts(errs); got["ok"] != 10 {
			t.Fatalf("outcomes %v, want 10 successes", got)
		}
		got := f.get(v)
		requirePosition(t, got, flowtype.StatusInProgress, "Finance", "BA")
		if got.Instance.Version != v.Instance.Version+10 {
			t.Fatalf("version %d, want %d", got.Instance.Version, v.Instance.Version+10)
		}
		hist := f.history(v)
		requireSeqs(t, hist)
		counts := countEvents(hist)
		if counts[flowtype.EventAfterApprove] != 1 || counts[flowtype.EventAfterMoveStage] != 1 ||
			counts[flowtype.EventTaskApproved] != 9 || len(hist) != 12 {
			t.Fatalf("events %v: want one after_approve, one after_move_stage, nine task_approved", eventTypes(hist))
		}
		requireEventSpecs(t, hist[10:], "after_approve(IR)", "after_move_stage(IR→BA)")
	})
}

// TestConcurrentManyInstances: 16 goroutines take 1,000 instances of
// fixture P from attach to completion, interleaved; every instance
// completes with exactly its ten events, numbered 1…10.
//
// Under the race detector SQLite runs 250 instances: the detector
// instruments the pure-Go SQLite engine (modernc.org/sqlite) too, which
// makes each command some twenty times slower, and SQLite's single writer
// serializes the commands anyway. -short runs 100 everywhere.
func TestConcurrentManyInstances(t *testing.T) {
	const workers = 16
	want := []flowtype.EventType{"on_workflow_start", "after_approve", "after_move_stage", "after_approve",
		"after_move_pipeline", "after_move_stage", "after_approve", "after_move_stage", "after_approve",
		"on_workflow_complete"}
	eachDB(t, func(t *testing.T, f *fx) {
		instances := 1000
		switch {
		case testing.Short():
			instances = 100
		case raceDetector() && f.s.Dialect() == "sqlite":
			instances = 250
		}
		f.createP("")
		// Worker w takes instances w, w+16, …; each attach and approval is
		// its own transaction, so the workers' commands interleave.
		errs := concurrently(workers, func(w int) error {
			for n := w; n < instances; n += workers {
				if err := runToCompletion(f, fmt.Sprint(1000+n), want); err != nil {
					return fmt.Errorf("instance %d: %w", n, err)
				}
			}
			return nil
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		completed := 0
		for after := ""; ; {
			page := must(f.s.InstanceList(f.ctx, &store.InstanceListParams{TenantID: acme, WorkflowID: "P", AfterID: after, Limit: 500}))
			if len(page) == 0 {
				break
			}
			for _, inst := range page {
				if inst.Status != flowtype.StatusCompleted || inst.NextSeq != len(want)+1 {
					t.Fatalf("instance %s/%s: %s, next seq %d", inst.SubjectType, inst.SubjectID, inst.Status, inst.NextSeq)
				}
				completed++
			}
			after = page[len(page)-1].ID
		}
		if completed != instances {
			t.Fatalf("%d completed instances, want %d", completed, instances)
		}
	})
}

// runToCompletion attaches P to purchase_request/<id>, has r1, r2, mgr and
// dir approve, and checks the final state and the history. It runs on a
// worker goroutine, so it returns errors instead of failing the test.
func runToCompletion(f *fx, id string, want []flowtype.EventType) error {
	v, err := f.tryAttach("P", "purchase_request", id, `{"amount": 1500}`, "req")
	if err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	for _, a := range []string{"r1", "r2", "mgr", "dir"} {
		if v, err = f.tryApprove(v, a); err != nil {
			return fmt.Errorf("%s approves: %w", a, err)
		}
	}
	if v.Instance.Status != flowtype.StatusCompleted || len(v.OpenTasks()) != 0 || len(v.Tasks) != 4 {
		return fmt.Errorf("%s after the four approvals, tasks %v", v.Instance.Status, taskStatuses(v))
	}
	hist, err := f.s.EventList(f.ctx, &store.EventListParams{TenantID: acme, InstanceID: v.Instance.ID, Limit: 100})
	if err != nil {
		return err
	}
	if len(hist) != len(want) {
		return fmt.Errorf("%d events %v, want %v", len(hist), eventTypes(hist), want)
	}
	for i, ev := range hist {
		if ev.Type != want[i] || ev.Seq != i+1 {
			return fmt.Errorf("event %d is %s #%d; history %v", i, ev.Type, ev.Seq, eventTypes(hist))
		}
	}
	return nil
}

// raceDetector reports whether the test binary was built with -race.
func raceDetector() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}
