package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// TestClaimPlan checks that the outbox claim finds due runs through the
// partial index on due runs, so finished runs, however many, are never
// scanned, and that it checks the runs before a candidate by key.
func TestClaimPlan(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		fillRuns(t, s)
		conn, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		explain := "EXPLAIN QUERY PLAN "
		if s.Dialect() == dbtest.Postgres {
			// A table this small is cheapest to scan whole; ask for the
			// plan PostgreSQL picks once scanning costs.
			for _, q := range []string{`ANALYZE`, `SET enable_seqscan = off`} {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			defer conn.ExecContext(ctx, `RESET enable_seqscan`)
			explain = "EXPLAIN "
		}
		rows, err := conn.QueryContext(ctx, explain+sqlstore.ClaimQuery(s.(*sqlstore.Store)), "w1", 2, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan strings.Builder
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&plan, vals...)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := []string{"action_runs_due_idx"}
		if s.Dialect() == dbtest.SQLite {
			// The ordering check and the update find rows by the
			// clustered key (tenant_id, instance_id, event_seq, ordinal).
			want = append(want, "SEARCH before USING PRIMARY KEY", "SEARCH action_runs USING PRIMARY KEY")
		}
		for _, w := range want {
			if !strings.Contains(plan.String(), w) {
				t.Fatalf("the claim's plan lacks %q:\n%s", w, plan.String())
			}
		}
		if strings.Contains(plan.String(), "SCAN action_runs") || strings.Contains(plan.String(), "Seq Scan") {
			t.Fatalf("the claim scans action_runs:\n%s", plan.String())
		}
	})
}

// fillRuns writes a tenant with one instance, 100 events and two runs of
// each, mostly succeeded.
func fillRuns(t *testing.T, s store.Store) {
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.TenantCreate(ctx, &store.TenantCreateParams{ID: "t1"})
	must(err)
	_, err = s.WorkflowInsert(ctx, &store.WorkflowInsertParams{TenantID: "t1", ID: "wf1", Name: map[string]string{"en": "x"}, Strategy: 1})
	must(err)
	_, err = s.SubjectUpsert(ctx, &store.SubjectUpsertParams{TenantID: "t1", Type: "po", ID: "1"})
	must(err)
	must(s.InstanceInsert(ctx, &flowtype.Instance{TenantID: "t1", ID: "i1", SubjectType: "po", SubjectID: "1", WorkflowID: "wf1",
		WorkflowVersion: 1, Status: flowtype.StatusInProgress, Version: 1, NextSeq: 101}))
	var events []*flowtype.Event
	var runs []*flowtype.ActionRun
	for seq := 1; seq <= 100; seq++ {
		events = append(events, &flowtype.Event{TenantID: "t1", InstanceID: "i1", Seq: seq, Type: flowtype.EventAfterApprove})
		for ordinal := 1; ordinal <= 2; ordinal++ {
			status := flowtype.RunSucceeded
			if seq%25 == 0 {
				status = flowtype.RunPending
			}
			runs = append(runs, &flowtype.ActionRun{TenantID: "t1", ID: fmt.Sprintf("r%03d.%d", seq, ordinal), InstanceID: "i1",
				EventSeq: seq, Ordinal: ordinal, Event: flowtype.EventAfterApprove, Handler: "log", Tier: flowtype.TierSettings,
				Status: status, MaxAttempts: 1})
		}
	}
	must(s.EventInsert(ctx, events))
	must(s.ActionRunInsert(ctx, runs))
}
