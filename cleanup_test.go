package flowgate_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// agedInstances builds N03's instances with an engine whose clock is moved
// back: completed 40 days ago, rejected 10 days ago, in progress since 100
// days ago, plus `today` instances completed now. It returns the engine
// (clock at now) and the instances.
//
// With actions on, every event queues the default e-mails; pending runs
// keep an instance from being cleaned up, so actions are off unless asked.
func agedInstances(t *testing.T, f *fx, today int, actions ...bool) (*flowgate.Engine, map[string]*flowgate.InstanceView) {
	t.Helper()
	now := time.Now().UTC()
	clk := &clock{now: now}
	on := len(actions) > 0 && actions[0]
	e := must(flowgate.New(f.ctx, f.s, &flowgate.Config{ActionsEnabled: &on, Test: flowgate.TestConfig{Now: clk.Now}}))
	f.createP("")
	attach := func(id string) *flowgate.InstanceView {
		return must(e.Attach(f.ctx, acme, &flowgate.AttachParams{
			Actor: "req", WorkflowID: "P", IdempotencyKey: "attach-" + id,
			Subject: flowgate.SubjectInput{Type: "purchase_request", ID: id},
		}))
	}
	approve := func(v *flowgate.InstanceView, users ...string) *flowgate.InstanceView {
		for _, u := range users {
			v = must(e.Approve(f.ctx, acme, v.Instance.ID, u, nil))
		}
		return v
	}
	out := map[string]*flowgate.InstanceView{}
	clk.Set(now.Add(-40 * 24 * time.Hour))
	out["completed"] = approve(attach("40"), "r1", "r2", "mgr", "dir")
	clk.Set(now.Add(-100 * 24 * time.Hour))
	out["in_progress"] = approve(attach("100"), "r1")
	clk.Set(now.Add(-10 * 24 * time.Hour))
	out["rejected"] = must(e.Reject(f.ctx, acme, attach("10").Instance.ID, "r1", "no budget", nil))
	clk.Set(now)
	for i := range today {
		id := "today-" + string(rune('a'+i))
		out[id] = approve(attach(id), "r1", "r2", "mgr", "dir")
	}
	return e, out
}

func TestScenarioN03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		e, inst := agedInstances(t, f, 0)
		dry := must(e.Cleanup(f.ctx, acme, &flowgate.CleanupParams{Days: 30, DryRun: true}))
		want := flowgate.CleanupCounts{Instances: 1, Tasks: 4, Events: 10, Idempotency: 1, ActionRuns: dry.Counts.ActionRuns}
		if diff := cmp.Diff(want, dry.Counts); diff != "" {
			t.Fatalf("dry run counts (-want +got):\n%s", diff)
		}
		if !dry.DryRun {
			t.Fatal("dry run not reported as such")
		}
		must(e.GetInstance(f.ctx, acme, inst["completed"].Instance.ID)) // still there

		real := must(e.Cleanup(f.ctx, acme, &flowgate.CleanupParams{Days: 30}))
		if diff := cmp.Diff(dry.Counts, real.Counts); diff != "" {
			t.Fatalf("the real run deleted other than the dry run counted (-dry +real):\n%s", diff)
		}
		if _, err := e.GetInstance(f.ctx, acme, inst["completed"].Instance.ID); !flowgate.IsNotFound(err) {
			t.Fatalf("completed instance should be gone, got %v", err)
		}
		for _, k := range []string{"rejected", "in_progress"} {
			v := must(e.GetInstance(f.ctx, acme, inst[k].Instance.ID))
			if len(must(e.History(f.ctx, acme, v.Instance.ID, nil))) == 0 {
				t.Fatalf("%s instance lost its history", k)
			}
		}
		d := must(e.GetWorkflow(f.ctx, acme, "P"))
		if !d.IsActive() || len(must(e.WorkflowVersions(f.ctx, acme, "P"))) != 1 {
			t.Fatal("the workflow or its versions changed")
		}
		// Nothing is left to delete: a second run deletes nothing.
		again := must(e.Cleanup(f.ctx, acme, &flowgate.CleanupParams{Days: 30}))
		if again.Counts != (flowgate.CleanupCounts{}) {
			t.Fatalf("second cleanup deleted %+v", again.Counts)
		}
	})
}

func TestScenarioN04(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		e, _ := agedInstances(t, f, 2)
		st := must(e.CleanupStats(f.ctx, acme))
		want := &flowgate.CleanupStatistics{
			Total: 5, Finished: 4,
			ByStatus: []flowgate.StatusCount{
				{Status: flowtype.StatusCompleted, Count: 3, Percent: 60},
				{Status: flowtype.StatusRejected, Count: 1, Percent: 20},
				{Status: flowtype.StatusInProgress, Count: 1, Percent: 20},
			},
			ByAge:          []flowgate.AgeCount{{Days: 30, Count: 1, Percent: 25}, {Days: 90, Count: 0}, {Days: 365, Count: 0}},
			Recommendation: "Consider running: flowgate cleanup --days=30 (1 finished instances are older than 30 days)",
		}
		if diff := cmp.Diff(want, st); diff != "" {
			t.Fatalf("stats (-want +got):\n%s", diff)
		}
	})
}

func TestCleanupStatusFilterAndRefusals(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		e, inst := agedInstances(t, f, 0)
		// Only rejected ones older than 5 days: the rejected one goes, the
		// completed one stays.
		res := must(e.Cleanup(f.ctx, acme, &flowgate.CleanupParams{Days: 5, Statuses: []flowtype.Status{flowtype.StatusRejected}}))
		if res.Counts.Instances != 1 {
			t.Fatalf("deleted %d instances, want 1", res.Counts.Instances)
		}
		if _, err := e.GetInstance(f.ctx, acme, inst["rejected"].Instance.ID); !flowgate.IsNotFound(err) {
			t.Fatalf("rejected instance should be gone: %v", err)
		}
		must(e.GetInstance(f.ctx, acme, inst["completed"].Instance.ID))
		// Another tenant's cleanup never touches acme.
		other := must(e.Cleanup(f.ctx, "globex", &flowgate.CleanupParams{}))
		if other.Counts.Instances != 0 {
			t.Fatal("globex cleanup deleted acme's instances")
		}
		must(e.GetInstance(f.ctx, acme, inst["completed"].Instance.ID))
		for _, p := range []*flowgate.CleanupParams{
			{Days: -1},
			{Statuses: []flowtype.Status{flowtype.StatusInProgress}},
		} {
			if _, err := e.Cleanup(f.ctx, acme, p); flowgate.CodeOf(err) != flowtype.CodeValidationFailed {
				t.Fatalf("cleanup %+v: want validation_failed, got %v", p, err)
			}
		}
		must(e.GetInstance(f.ctx, acme, inst["in_progress"].Instance.ID))
	})
}

// An instance whose actions have not all run is never deleted: its
// handlers would lose the records they read.
func TestCleanupKeepsInstancesWithPendingActions(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		e, inst := agedInstances(t, f, 0, true)
		runs := must(e.ListActionRuns(f.ctx, acme, &flowgate.ListActionRunsParams{InstanceID: inst["completed"].Instance.ID}))
		if len(runs) == 0 {
			t.Fatal("the completed instance queued no action run: the test proves nothing")
		}
		res := must(e.Cleanup(f.ctx, acme, &flowgate.CleanupParams{Days: 0}))
		if res.Counts.Instances != 0 {
			t.Fatalf("deleted %d instances with pending action runs", res.Counts.Instances)
		}
		must(e.GetInstance(f.ctx, acme, inst["completed"].Instance.ID))
	})
}
