package flowgate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/dbtest"
)

// runMaintenance runs e.RunMaintenance in the background until the test
// ends, and fails the test when it does not stop or returns an error.
func runMaintenance(t *testing.T, e *flowgate.Engine, cfg *flowgate.MaintenanceConfig) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.RunMaintenance(ctx, cfg) }()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunMaintenance: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("RunMaintenance did not return after its context was cancelled")
		}
	}
	t.Cleanup(stop)
	return stop
}

// eventually polls cond until it holds, failing the test after 15 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMaintenanceScheduledCleanup(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		e, inst := agedInstances(t, f, 1)
		stop := runMaintenance(t, e, &flowgate.MaintenanceConfig{
			CleanupInterval: 20 * time.Millisecond, CleanupDays: 30, ElectionInterval: 50 * time.Millisecond,
		})
		gone := func(k string) bool {
			_, err := e.GetInstance(f.ctx, acme, inst[k].Instance.ID)
			return flowgate.IsNotFound(err)
		}
		eventually(t, "the instance completed 40 days ago is cleaned up", func() bool { return gone("completed") })
		stop()
		// Running, recently finished and recently rejected ones stay.
		for _, k := range []string{"in_progress", "rejected", "today-a"} {
			must(e.GetInstance(f.ctx, acme, inst[k].Instance.ID))
		}
	})
}

func TestMaintenanceAutoCleanupCompleted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		cfg        flowgate.MaintenanceConfig
		gone, kept []string
	}{
		// Without a schedule: hourly, the first pass at once, completed
		// instances only (the rejected one is old enough, but stays).
		{"alone", flowgate.MaintenanceConfig{AutoCleanupCompleted: true, CleanupDays: 5},
			[]string{"completed"}, []string{"rejected", "in_progress", "today-a"}},
		// With a schedule for rejected instances, completed ones are added.
		{"with a schedule", flowgate.MaintenanceConfig{AutoCleanupCompleted: true, CleanupDays: 5,
			CleanupInterval: 20 * time.Millisecond, CleanupStatuses: []flowtype.Status{flowtype.StatusRejected}},
			[]string{"completed", "rejected"}, []string{"in_progress", "today-a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, f *fx) {
				e, inst := agedInstances(t, f, 1)
				stop := runMaintenance(t, e, &tc.cfg)
				eventually(t, fmt.Sprintf("%v are cleaned up", tc.gone), func() bool {
					for _, k := range tc.gone {
						if _, err := e.GetInstance(f.ctx, acme, inst[k].Instance.ID); !flowgate.IsNotFound(err) {
							return false
						}
					}
					return true
				})
				stop()
				for _, k := range tc.kept {
					must(e.GetInstance(f.ctx, acme, inst[k].Instance.ID))
				}
			})
		})
	}
}

func TestMaintenancePurgesExpiredIdempotencyKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		e, inst := agedInstances(t, f, 1)
		attach := func(key, subject string) *flowgate.InstanceView {
			return must(e.Attach(f.ctx, acme, &flowgate.AttachParams{
				Actor: "req", WorkflowID: "P", IdempotencyKey: key,
				Subject: flowgate.SubjectInput{Type: "purchase_request", ID: subject},
			}))
		}
		stored := func(key string) bool {
			_, err := f.s.IdempotencyGet(f.ctx, acme, "req", key, time.Time{})
			if err != nil && !flowgate.IsNotFound(err) {
				t.Fatal(err)
			}
			return err == nil
		}
		// A key past its window is reusable before any purge: the new
		// command runs (it is not answered with the old instance).
		reused := attach("attach-10", "reuse-10")
		if reused.Instance.ID == inst["rejected"].Instance.ID || reused.Instance.SubjectID != "reuse-10" {
			t.Fatalf("an expired key replayed the old answer: %+v", reused.Instance)
		}
		// A key in its window still replays.
		if again := attach("attach-today-a", "today-a"); again.Instance.ID != inst["today-a"].Instance.ID {
			t.Fatalf("a live key was not replayed: got instance %s", again.Instance.ID)
		}

		stop := runMaintenance(t, e, &flowgate.MaintenanceConfig{IdempotencyPurgeInterval: 20 * time.Millisecond, BatchSize: 1})
		eventually(t, "the keys of 40 and 100 days ago are purged", func() bool {
			return !stored("attach-40") && !stored("attach-100")
		})
		stop()
		for _, k := range []string{"attach-10", "attach-today-a"} {
			if !stored(k) {
				t.Fatalf("live key %s was purged", k)
			}
		}
		// The instances outlive their keys, and a purged key is new again.
		must(e.GetInstance(f.ctx, acme, inst["in_progress"].Instance.ID))
		if v := attach("attach-100", "reuse-100"); v.Instance.SubjectID != "reuse-100" {
			t.Fatalf("a purged key replayed: %+v", v.Instance)
		}
	})
}

func TestMaintenanceRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  flowgate.MaintenanceConfig
		path string
	}{
		{"negative days", flowgate.MaintenanceConfig{CleanupDays: -1}, "cleanup_days"},
		{"negative interval", flowgate.MaintenanceConfig{CleanupInterval: -time.Second}, "cleanup_interval"},
		{"unfinished status", flowgate.MaintenanceConfig{CleanupStatuses: []flowtype.Status{flowtype.StatusCompleted, flowtype.StatusInProgress}}, "cleanup_statuses[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := must(flowgate.New(t.Context(), dbtest.Open(t, dbtest.SQLite), &flowgate.Config{}))
			err := e.RunMaintenance(t.Context(), &tc.cfg)
			requireFieldErrorPrefix(t, err, tc.path, "")
		})
	}
}

func TestMaintenanceWithEveryJobOffReturns(t *testing.T) {
	t.Parallel()
	e := must(flowgate.New(t.Context(), dbtest.Open(t, dbtest.SQLite), &flowgate.Config{}))
	// A context that never ends: RunMaintenance must return by itself.
	if err := e.RunMaintenance(context.Background(), &flowgate.MaintenanceConfig{IdempotencyPurgeInterval: -1}); err != nil {
		t.Fatal(err)
	}
}
