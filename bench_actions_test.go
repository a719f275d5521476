package flowgate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
)

// The cost of durable delivery: decisions per second with and without
// action runs written in the decision's transaction, and how fast the
// workers drain them. Run with, for example:
//
//	go test -run XXX -bench 'Decision|ActionDrain' -benchtime 2000x .

// benchEngine is an engine over s with fixture P (its users, one
// workflow) and n instances attached at IR.
func benchEngine(b *testing.B, s store.Store, cfg flowgate.Config, dbActions bool, n int) (*flowgate.Engine, []string) {
	b.Helper()
	ctx := context.Background()
	e, err := flowgate.New(ctx, s, &cfg)
	if err != nil {
		b.Fatal(err)
	}
	e.AddHandler("record", func(context.Context, *flowgate.ActionRequest) error { return nil })
	check := func(_ any, err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	check(e.CreateTenant(ctx, acme, "Acme"))
	for _, u := range []string{"req", "r1", "r2", "mgr", "dir"} {
		check(e.SaveUser(ctx, acme, &flowgate.User{ID: u, Email: u + "@acme.test", IsActive: true}))
	}
	def := pDef("")
	if dbActions {
		onStage("IR", record("", "after_approve", "a", 1), record("", "after_approve", "b", 2))(def)
		onWorkflow(record("", "after_move_stage", "m", 1))(def)
	}
	check(e.CreateWorkflow(ctx, acme, def, nil))
	ids := make([]string, n)
	for i := range ids {
		v, err := e.Attach(ctx, acme, &flowgate.AttachParams{Actor: "req", WorkflowID: "P",
			Subject: flowgate.SubjectInput{Type: "purchase_request", ID: fmt.Sprint(i)}})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = v.Instance.ID
	}
	return e, ids
}

func BenchmarkDecision(b *testing.B) {
	off := false
	variants := []struct {
		name      string
		cfg       flowgate.Config
		dbActions bool
		workers   bool
	}{
		// No run written: the bare decision.
		{"actions_off", flowgate.Config{ActionsEnabled: &off}, false, false},
		// The default tier: one e-mail run each for after_approve and
		// after_move_stage.
		{"default_emails", flowgate.Config{}, false, false},
		// Three database actions (two after_approve, one after_move_stage).
		{"db_actions", flowgate.Config{}, true, false},
		// The same with the workers draining concurrently.
		{"db_actions_workers", flowgate.Config{}, true, true},
	}
	for _, dialect := range dbtest.Dialects() {
		for _, v := range variants {
			b.Run(dialect+"/"+v.name, func(b *testing.B) {
				s := dbtest.Open(b, dialect)
				e, ids := benchEngine(b, s, v.cfg, v.dbActions, b.N)
				ctx := context.Background()
				if v.workers {
					if err := e.StartWorkers(ctx); err != nil {
						b.Fatal(err)
					}
					defer func() { _ = e.StopWorkers(ctx) }()
				}
				b.ResetTimer()
				start := time.Now()
				for i := range b.N {
					if _, err := e.Approve(ctx, acme, ids[i], "r1", nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "decisions/s")
			})
		}
	}
}

// BenchmarkActionDrain measures the workers' drain rate through the
// engine (each run reads its instance, event, tasks, subject and actor,
// then calls a no-op handler): b.N decisions leave 3·b.N runs.
func BenchmarkActionDrain(b *testing.B) {
	for _, dialect := range dbtest.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			s := dbtest.Open(b, dialect)
			sig := newSignal()
			e, ids := benchEngine(b, s, flowgate.Config{Workers: flowgate.WorkerConfig{
				Concurrency: 32, BatchSize: 200, PollInterval: 10 * time.Millisecond, OnRecorded: sig.bump}}, true, b.N)
			ctx := context.Background()
			for _, id := range ids {
				if _, err := e.Approve(ctx, acme, id, "r1", nil); err != nil {
					b.Fatal(err)
				}
			}
			total := 3 * b.N
			b.ResetTimer()
			start := time.Now()
			if err := e.StartWorkers(ctx); err != nil {
				b.Fatal(err)
			}
			for {
				_, next := sig.since()
				open, err := e.ListActionRuns(ctx, acme, &flowgate.ListActionRunsParams{
					Statuses: []flowgate.RunStatus{"pending", "running", "failed"}, Limit: 1})
				if err != nil {
					b.Fatal(err)
				}
				if len(open) == 0 {
					break
				}
				<-next
			}
			elapsed := time.Since(start)
			b.StopTimer()
			_ = e.StopWorkers(ctx)
			b.ReportMetric(float64(total)/elapsed.Seconds(), "runs/s")
		})
	}
}
