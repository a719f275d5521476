package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// TestGaugesGet counts unfinished rows across tenants, leaving finished
// ones out, and counts as due exactly the runs a claim at that time may
// take.
func TestGaugesGet(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		fill(t, s) // tenant t1: one in-progress instance, 6 current tasks of 300
		now := time.Now().UTC().Truncate(time.Second)
		past, future := now.Add(-time.Minute), now.Add(time.Hour)
		runs := []struct {
			status flowtype.RunStatus
			next   time.Time
		}{
			{flowtype.RunPending, past}, {flowtype.RunPending, past}, {flowtype.RunPending, future},
			{flowtype.RunFailed, past}, {flowtype.RunFailed, future},
			{flowtype.RunRunning, past}, // lease expired: due again
			{flowtype.RunRunning, future},
			{flowtype.RunSucceeded, past}, {flowtype.RunSucceeded, past}, {flowtype.RunDead, past},
		}
		if err := s.EventInsert(ctx, []*flowtype.Event{{TenantID: "t1", InstanceID: "i1", Seq: 1,
			Type: flowtype.EventTaskApproved, At: now}}); err != nil {
			t.Fatal(err)
		}
		list := make([]*flowtype.ActionRun, len(runs))
		for i, r := range runs {
			list[i] = &flowtype.ActionRun{TenantID: "t1", ID: fmt.Sprintf("r%02d", i), InstanceID: "i1", EventSeq: 1,
				Event: flowtype.EventTaskApproved, Ordinal: i, Handler: "log", Tier: flowtype.TierDefault,
				Status: r.status, MaxAttempts: 3, NextRunAt: r.next, RunKey: fmt.Sprintf("k%02d", i)}
		}
		if err := s.ActionRunInsert(ctx, list); err != nil {
			t.Fatal(err)
		}
		got, err := s.GaugesGet(ctx, &store.GaugesGetParams{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		want := &store.Gauges{
			OpenTasks:       map[flowtype.TaskStatus]int{flowtype.TaskCurrent: 6},
			ActiveInstances: map[flowtype.Status]int{flowtype.StatusInProgress: 1},
			ActionRuns:      map[flowtype.RunStatus]int{flowtype.RunPending: 3, flowtype.RunFailed: 2, flowtype.RunRunning: 2},
			DueActionRuns:   4,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("GaugesGet (-want +got):\n%s", diff)
		}
	})
}

// TestGaugesPlan checks that every count reads a partial index of
// unfinished rows, so a scrape never scans the history.
func TestGaugesPlan(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		fill(t, s)
		conn, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		explain := "EXPLAIN QUERY PLAN "
		if s.Dialect() == dbtest.Postgres {
			for _, q := range []string{`ANALYZE`, `SET enable_seqscan = off`} {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			defer conn.ExecContext(ctx, `RESET enable_seqscan`)
			explain = "EXPLAIN "
		}
		rows, err := conn.QueryContext(ctx, explain+sqlstore.GaugesQuery, int64(0))
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
		t.Logf("plan:\n%s", plan.String())
		for _, idx := range []string{"tasks_open_", "instances_active_subject_idx", "action_runs_due_idx"} {
			if !strings.Contains(plan.String(), idx) {
				t.Errorf("the gauges do not read %s*:\n%s", idx, plan.String())
			}
		}
	})
}
