package sqlstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// TestMigrateCompactHistory moves a database holding runs and events
// across migration 4 (stored run keys become derived ones; on SQLite
// events and action_runs become WITHOUT ROWID tables) and back: rows,
// keys and foreign keys survive both ways.
func TestMigrateCompactHistory(t *testing.T) {
	t.Parallel()
	for _, d := range dbtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s, err := sqlstore.Open(ctx, dbtest.DSN(t, d), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			if res, err := s.MigrateDown(ctx); err != nil || res.Version != 4 {
				t.Fatalf("MigrateDown = %+v, %v; want version 4 down", res, err)
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			exec := func(q string, args ...any) {
				t.Helper()
				_, err := s.DB().ExecContext(ctx, q, args...)
				must(err)
			}

			// Version 3: two instances, each with events 1 and 2 and a stored
			// run key of the old shape on each run.
			_, err = s.TenantCreate(ctx, &store.TenantCreateParams{ID: "t1"})
			must(err)
			_, err = s.WorkflowInsert(ctx, &store.WorkflowInsertParams{TenantID: "t1", ID: "wf", Name: map[string]string{"en": "wf"},
				Strategy: 1, IsActive: true, Definition: []byte(`{"strategy":1}`)})
			must(err)
			for _, id := range []string{"i1", "i2"} {
				_, err = s.SubjectUpsert(ctx, &store.SubjectUpsertParams{TenantID: "t1", Type: "po", ID: id, Data: []byte(`{}`)})
				must(err)
				must(s.InstanceInsert(ctx, &flowtype.Instance{TenantID: "t1", ID: id, SubjectType: "po", SubjectID: id,
					WorkflowID: "wf", WorkflowVersion: 1, Status: flowtype.StatusInProgress, Version: 1, NextSeq: 3}))
				must(s.EventInsert(ctx, []*flowtype.Event{
					{TenantID: "t1", InstanceID: id, Seq: 1, Type: flowtype.EventAfterApprove, Data: []byte(`{"n":1}`)},
					{TenantID: "t1", InstanceID: id, Seq: 2, Type: flowtype.EventAfterMoveStage},
				}))
			}
			for _, r := range []struct {
				id, instance  string
				seq, ordinal  int
				status, state string
			}{
				{"r1", "i1", 1, 1, "succeeded", `{"status":"in_progress"}`},
				{"r2", "i1", 1, 2, "dead", `{"status":"in_progress"}`},
				{"r3", "i1", 2, 1, "pending", `{"status":"completed"}`},
				{"r4", "i2", 1, 1, "succeeded", `{"status":"in_progress"}`},
			} {
				exec(`INSERT INTO action_runs (tenant_id, id, instance_id, event_seq, event_type, ordinal, action_id, handler,
						state, tier, status, max_attempts, next_run_at, run_key, created_at, updated_at)
					VALUES ('t1', $1, $2, $3, 'after_approve', $4, 'a1', 'log', $5, 'database', $6, 3, 1, $7, 1, 1)`,
					r.id, r.instance, r.seq, r.ordinal, r.state, r.status, r.instance+":old:"+r.id)
			}

			up, err := s.MigrateUp(ctx)
			if err != nil || len(up) != 1 || up[0].Version != 4 {
				t.Fatalf("MigrateUp = %+v, %v; want version 4 up", up, err)
			}
			for id, want := range map[string]struct {
				key      string
				status   flowtype.RunStatus
				hasState bool
			}{
				"r1": {"i1:1:1", flowtype.RunSucceeded, false},
				"r2": {"i1:1:2", flowtype.RunDead, true},
				"r3": {"i1:2:1", flowtype.RunPending, true},
				"r4": {"i2:1:1", flowtype.RunSucceeded, false},
			} {
				r, err := s.ActionRunGet(ctx, "t1", id)
				must(err)
				if r.RunKey != want.key || r.Status != want.status || (r.State != nil) != want.hasState {
					t.Fatalf("run %s after the migration: key %q status %s state %s; want %q %s, state kept %v",
						id, r.RunKey, r.Status, r.State, want.key, want.status, want.hasState)
				}
			}
			evs, err := s.EventList(ctx, &store.EventListParams{TenantID: "t1", InstanceID: "i1"})
			must(err)
			if len(evs) != 2 || string(evs[0].Data) != `{"n":1}` {
				t.Fatalf("events of i1 after the migration: %+v", evs)
			}
			if d == dbtest.SQLite {
				for _, table := range []string{"events", "action_runs"} {
					var ddl string
					must(s.DB().QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1`, table).Scan(&ddl))
					if !strings.Contains(ddl, "WITHOUT ROWID") || strings.Contains(ddl, "_new") {
						t.Fatalf("%s after the migration:\n%s", table, ddl)
					}
				}
				rows, err := s.DB().QueryContext(ctx, `PRAGMA foreign_key_check`)
				must(err)
				if rows.Next() {
					t.Fatal("foreign_key_check reports a violation after the migration")
				}
				must(rows.Close())
			}

			// The references hold: a run needs its event, and deleting an
			// instance still cascades through its events to its runs.
			dup := &flowtype.ActionRun{TenantID: "t1", ID: "r9", InstanceID: "i1", EventSeq: 1, Ordinal: 1,
				Event: flowtype.EventAfterApprove, Handler: "log", Tier: flowtype.TierSettings, MaxAttempts: 1}
			requireErr(t, s.ActionRunInsert(ctx, []*flowtype.ActionRun{dup}), flowtype.ErrConflict, "a taken (instance, event, ordinal)")
			dup.EventSeq = 7
			requireErr(t, s.ActionRunInsert(ctx, []*flowtype.ActionRun{dup}), flowtype.ErrNotFound, "a run of a missing event")
			exec(`DELETE FROM instances WHERE tenant_id = 't1' AND id = 'i2'`)
			var n int
			must(s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM action_runs WHERE instance_id = 'i2'`).Scan(&n))
			if n != 0 {
				t.Fatalf("%d runs of a deleted instance left", n)
			}

			// Down again: the run key is stored, with the derived value.
			if res, err := s.MigrateDown(ctx); err != nil || res.Version != 4 {
				t.Fatalf("MigrateDown = %+v, %v; want version 4 down", res, err)
			}
			var key string
			must(s.DB().QueryRowContext(ctx, `SELECT run_key FROM action_runs WHERE tenant_id = 't1' AND id = 'r2'`).Scan(&key))
			if key != "i1:1:2" {
				t.Fatalf("run_key after the rollback = %q, want i1:1:2", key)
			}
			must(s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM action_runs`).Scan(&n))
			if n != 3 {
				t.Fatalf("%d runs after the rollback, want 3", n)
			}
			exec(`DELETE FROM instances WHERE tenant_id = 't1' AND id = 'i1'`)
			must(s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM action_runs`).Scan(&n))
			if n != 0 {
				t.Fatalf("%d runs left after deleting their instance on the rolled-back schema", n)
			}
			if _, err := s.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func requireErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}
