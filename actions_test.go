package flowgate_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/dbtest"
)

func TestHandlerRegistry(t *testing.T) {
	t.Parallel()
	e, err := flowgate.New(context.Background(), dbtest.Open(t, dbtest.SQLite), &flowgate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	noop := func(context.Context, *flowgate.ActionRequest) error { return nil }
	if got := strings.Join(e.Handlers(), ","); got != "email,log,set_subject_field,webhook" {
		t.Fatalf("built-ins %s", got)
	}
	if err := e.AddHandlerSafely("crm.notifications.notify", noop); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		name string
		fn   flowgate.Handler
	}{{"crm.notifications.notify", noop}, {"email", noop}, {"", noop}, {"has space", noop}, {"ok", nil}} {
		if err := e.AddHandlerSafely(bad.name, bad.fn); err == nil {
			t.Fatalf("AddHandlerSafely(%q) must fail", bad.name)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("AddHandler of a taken name must panic")
			}
		}()
		e.AddHandler("log", noop)
	}()
	if !e.HandlerRegistered("crm.notifications.notify") || e.HandlerRegistered("nope") {
		t.Fatal("HandlerRegistered")
	}

	bad := flowgate.SettingsForAll(definition.Action{ActionType: "after_approve", Handler: "later"})
	e2, err := flowgate.New(context.Background(), dbtest.Open(t, dbtest.SQLite), &flowgate.Config{Actions: bad})
	if err != nil {
		t.Fatal(err)
	}
	if err := e2.StartWorkers(context.Background()); err == nil || !strings.Contains(err.Error(), "later") {
		t.Fatalf("settings naming an unregistered handler: %v", err)
	}
	e2.AddHandler("later", noop)
	if err := e2.StartWorkers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e2.StartWorkers(context.Background()); err == nil {
		t.Fatal("a second StartWorkers must fail")
	}
	if err := e2.StopWorkers(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e2.StopWorkers(context.Background()); err != nil {
		t.Fatal("a second StopWorkers does nothing")
	}
	if _, err := flowgate.New(context.Background(), dbtest.Open(t, dbtest.SQLite), &flowgate.Config{
		Actions: flowgate.SettingsForAll(definition.Action{ActionType: "checked_in", Handler: "log"})}); err == nil {
		t.Fatal("settings on a history-only event must be refused by New")
	}
}

// TestAutoCreateActions: AutoCreateActions writes the default
// notifications as workflow-level database actions; they then resolve
// from the database tier.
func TestAutoCreateActions(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		rig := f.withActions(flowgate.Config{AutoCreateActions: true}, nil)
		d := f.createP("", onWorkflow(record("", "after_reject", "mine", 1)))
		var types []string
		for _, a := range d.Definition.Actions {
			types = append(types, a.ActionType+":"+a.Handler)
			if a.ID == "" || !a.IsActive {
				t.Fatalf("auto-created action %+v", a)
			}
		}
		if got := strings.Join(types, " "); got != "after_reject:record after_approve:email after_resubmission:email after_delegate:email after_move_stage:email" {
			t.Fatalf("actions %s", got)
		}
		v := f.approve(f.attachP("P", "42"), "r1")
		rig.settle()
		for _, r := range rig.runs(v) {
			if r.Tier != flowtype.TierDatabase || r.Level != flowtype.LevelWorkflow || r.Status != flowtype.RunSucceeded {
				t.Fatalf("run %s: %s/%s %s %q", r.Event, r.Tier, r.Level, r.Status, r.LastError)
			}
		}
		if n := len(rig.mail.all()); n != 2 {
			t.Fatalf("%d e-mails, want 2 (approved, moved)", n)
		}
	})
}

// TestBuiltinHandlers runs set_subject_field (status and data) and log
// through the engine, and next_approvers through the email handler.
func TestBuiltinHandlers(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		var mu sync.Mutex
		var changes []string
		rig := f.withActions(flowgate.Config{OnSubjectStatus: func(_ context.Context, tx *sql.Tx, c flowgate.SubjectStatusChange) error {
			mu.Lock()
			defer mu.Unlock()
			changes = append(changes, c.Field+":"+c.From+"→"+c.To)
			return nil
		}}, nil)
		act := func(handler, params string, order int) definition.Action {
			return definition.Action{ActionType: "after_approve", Handler: handler, Order: order, IsActive: true,
				Parameters: json.RawMessage(params)}
		}
		f.createP("", onStage("IR",
			act("set_subject_field", `{"field": "status", "value": "IN_REVIEW"}`, 1),
			act("set_subject_field", `{"field": "stage", "value": {"name": "BA"}, "target": "data"}`, 2),
			act("log", `{"message": "approved", "level": "debug"}`, 3),
			act("email", `{"recipients": ["next_approvers"], "template": "workflow_approved"}`, 4),
			act("set_subject_field", `{"field": "status", "value": 3}`, 5)))
		v := f.approve(f.attachP("P", "42"), "r1")
		rig.settle()
		sub := must(f.e.GetSubject(f.ctx, acme, "purchase_request", "42"))
		if sub.Status["status"] != "IN_REVIEW" || !strings.Contains(string(sub.Data), `"stage":{"name":"BA"}`) ||
			!strings.Contains(string(sub.Data), `"amount"`) {
			t.Fatalf("subject %v %s", sub.Status, sub.Data)
		}
		mu.Lock()
		if strings.Join(changes, ",") != "status:draft→IN_REVIEW" {
			t.Fatalf("OnSubjectStatus %v", changes)
		}
		mu.Unlock()
		var to []string
		for _, m := range rig.mail.all() {
			if m.Event == flowtype.EventAfterApprove {
				to = append(to, m.To)
			}
		}
		// after_approve(IR): the next approvers are BA's (r2).
		requireTags(t, to, "r2@acme.test")
		statuses := map[string]flowtype.RunStatus{}
		for _, r := range rig.runs(v) {
			if r.Event == flowtype.EventAfterApprove {
				statuses[string(r.Parameters)] = r.Status
			}
		}
		for p, st := range statuses {
			want := flowtype.RunSucceeded
			if strings.Contains(p, `"value":3}`) {
				want = flowtype.RunDead // a status value must be a string: permanent
			}
			if st != want {
				t.Fatalf("run %s: %s, want %s", p, st, want)
			}
		}
	})
}
