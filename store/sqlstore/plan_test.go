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

// TestInboxPlan checks that the inbox reads tasks through the partial
// index on open tasks, so closed tasks, however many, are never scanned.
func TestInboxPlan(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		fill(t, s)
		query, args := sqlstore.InboxQuery(&store.TaskListOpenByUserParams{
			TenantID: "t1", UserID: "ann", WorkflowID: "wf1", BeforeID: "t00010",
		})
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
		rows, err := conn.QueryContext(ctx, explain+query, args...)
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
		if !strings.Contains(plan.String(), "tasks_open_assignee_idx") {
			t.Fatalf("the inbox does not use tasks_open_assignee_idx:\n%s", plan.String())
		}
	})
}

// fill writes a tenant with one instance and many tasks, mostly closed.
func fill(t *testing.T, s store.Store) {
	ctx := t.Context()
	if _, err := s.TenantCreate(ctx, &store.TenantCreateParams{ID: "t1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WorkflowInsert(ctx, &store.WorkflowInsertParams{TenantID: "t1", ID: "wf1", Name: map[string]string{"en": "x"}, Strategy: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubjectUpsert(ctx, &store.SubjectUpsertParams{TenantID: "t1", Type: "po", ID: "1"}); err != nil {
		t.Fatal(err)
	}
	inst := &flowtype.Instance{TenantID: "t1", ID: "i1", SubjectType: "po", SubjectID: "1", WorkflowID: "wf1",
		WorkflowVersion: 1, Status: flowtype.StatusInProgress, Version: 1}
	if err := s.InstanceInsert(ctx, inst); err != nil {
		t.Fatal(err)
	}
	tasks := make([]*flowtype.Task, 300)
	for i := range tasks {
		status := flowtype.TaskApproved
		if i%50 == 0 {
			status = flowtype.TaskCurrent
		}
		tasks[i] = &flowtype.Task{TenantID: "t1", ID: fmt.Sprintf("t%05d", i), InstanceID: "i1",
			Assignee: []string{"ann", "bob", "cid"}[i%3], Status: status}
	}
	if err := s.TaskInsert(ctx, tasks); err != nil {
		t.Fatal(err)
	}
}
