package flowgate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/internal/dbtest"
)

// BenchmarkAttachStart, on SQLite and on PostgreSQL (skipped unless
// FLOWGATE_TEST_POSTGRES is set), reports ops/s next to ns/op;
// -benchtime=1x runs it as a quick smoke test. BenchmarkDecision (one
// approve on fixture P, per dialect and action configuration) is in
// bench_actions_test.go.

// benchFixtureP opens a database of the dialect with fixture P's users,
// subject type and workflow P.
func benchFixtureP(b *testing.B, dialect string) *flowgate.Engine {
	b.Helper()
	s := dbtest.Open(b, dialect)
	ctx := context.Background()
	e, err := flowgate.New(ctx, s, &flowgate.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.CreateTenant(ctx, acme, "Acme"); err != nil {
		b.Fatal(err)
	}
	for _, u := range []string{"req", "r1", "r2", "mgr", "dir", "adm"} {
		if _, err := e.SaveUser(ctx, acme, &flowgate.User{ID: u, Name: u, Email: u + "@acme.test", IsActive: true}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.SaveSubjectType(ctx, acme, &flowgate.SubjectType{
		Type: "purchase_request", StatusField: "status", CompletionStatusValue: "approved", RejectionStatusValue: "rejected",
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.CreateWorkflow(ctx, acme, pDef(""), &flowgate.WriteOpts{Actor: "adm"}); err != nil {
		b.Fatal(err)
	}
	return e
}

func benchAttach(e *flowgate.Engine, id string) (*flowgate.InstanceView, error) {
	return e.Attach(context.Background(), acme, &flowgate.AttachParams{
		Actor: "req", WorkflowID: "P",
		Subject: flowgate.SubjectInput{Type: "purchase_request", ID: id, Data: json.RawMessage(`{"amount": 1500}`),
			Status: map[string]string{"status": "draft"}},
	})
}

func reportOpsPerSecond(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "ops/s")
	}
}

// BenchmarkAttachStart times attaching fixture P to a new subject with
// auto-start (subject row, instance, r1's task, on_workflow_start).
func BenchmarkAttachStart(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		b.Run(d, func(b *testing.B) {
			e := benchFixtureP(b, d)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := benchAttach(e, fmt.Sprintf("a%d", i)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportOpsPerSecond(b)
		})
	}
}
