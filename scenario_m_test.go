package flowgate_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// Group M of SCENARIOS.md: subject status.

func TestScenarioM01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		// A second engine on the same database whose OnSubjectStatus hook
		// sees each change inside the decision's transaction: when the hook
		// fails, the decision and the status change roll back together.
		var changes []flowgate.SubjectStatusChange
		fail := true
		hooked := must(flowgate.New(f.ctx, f.s, &flowgate.Config{
			OnSubjectStatus: func(ctx context.Context, tx *sql.Tx, c flowgate.SubjectStatusChange) error {
				if tx == nil {
					return errors.New("no transaction")
				}
				if fail {
					return errors.New("host refuses")
				}
				changes = append(changes, c)
				return nil
			},
		}))

		v42 := f.approveAll(f.attachP("P", "42"), "r1", "r2", "mgr")
		v43 := f.approveAll(f.attachP("P", "43"), "r1", "r2")
		requirePosition(t, v43, flowtype.StatusInProgress, "Management", "EA")

		if _, err := hooked.Approve(f.ctx, acme, v42.Instance.ID, "dir", nil); err == nil {
			t.Fatal("a failing hook must abort the decision")
		}
		if _, err := hooked.Reject(f.ctx, acme, v43.Instance.ID, "mgr", "Over budget", nil); err == nil {
			t.Fatal("a failing hook must abort the decision")
		}
		for _, v := range []*flowgate.InstanceView{v42, v43} {
			if got := f.get(v); got.Instance.Version != v.Instance.Version || got.Instance.Status != flowtype.StatusInProgress {
				t.Fatalf("an aborted decision changed instance %s: %s v%d", v.Instance.SubjectID, got.Instance.Status, got.Instance.Version)
			}
			if s := f.subjectStatus("purchase_request", v.Instance.SubjectID); s != "draft" {
				t.Fatalf("subject %s status %q after an aborted decision, want draft", v.Instance.SubjectID, s)
			}
		}

		fail = false
		v42 = must(hooked.Approve(f.ctx, acme, v42.Instance.ID, "dir", nil))
		if v42.Instance.Status != flowtype.StatusCompleted {
			t.Fatalf("42 is %s, want completed", v42.Instance.Status)
		}
		f.requireWritten(v42, "after_approve(FS)", "on_workflow_complete(FS)")
		requireData(t, v42.Events[1], "subject_status", map[string]any{"field": "status", "from": "draft", "to": "approved"})

		v43 = must(hooked.Reject(f.ctx, acme, v43.Instance.ID, "mgr", "Over budget", nil))
		if v43.Instance.Status != flowtype.StatusRejected {
			t.Fatalf("43 is %s, want rejected", v43.Instance.Status)
		}
		f.requireWritten(v43, "after_reject(EA)")
		requireData(t, v43.Events[0], "subject_status", map[string]any{"field": "status", "from": "draft", "to": "rejected"})

		if s := f.subjectStatus("purchase_request", "42"); s != "approved" {
			t.Fatalf("42's subject status %q, want approved", s)
		}
		if s := f.subjectStatus("purchase_request", "43"); s != "rejected" {
			t.Fatalf("43's subject status %q, want rejected", s)
		}
		if v42.Subject.Status["status"] != "approved" || v43.Subject.Status["status"] != "rejected" {
			t.Fatalf("returned subjects: %v, %v", v42.Subject.Status, v43.Subject.Status)
		}
		want := []flowgate.SubjectStatusChange{
			{TenantID: acme, SubjectType: "purchase_request", SubjectID: "42", InstanceID: v42.Instance.ID, Field: "status", From: "draft", To: "approved"},
			{TenantID: acme, SubjectType: "purchase_request", SubjectID: "43", InstanceID: v43.Instance.ID, Field: "status", From: "draft", To: "rejected"},
		}
		if len(changes) != 2 || changes[0] != want[0] || changes[1] != want[1] {
			t.Fatalf("hook saw %+v, want %+v", changes, want)
		}
	})
}

func TestScenarioM02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		must(f.e.SaveSubjectType(f.ctx, acme, &flowgate.SubjectType{
			Type: "purchase_request", StatusField: "status",
			CompletionStatusValue: "approved", RejectionStatusValue: "",
		}))
		f.createP("")

		v42 := f.attachP("P", "42")
		v42 = must(f.tryReject(v42, "r1", "Not needed"))
		if v42.Instance.Status != flowtype.StatusRejected {
			t.Fatalf("42 is %s, want rejected", v42.Instance.Status)
		}
		f.requireWritten(v42, "after_reject(IR)")
		if _, ok := eventData(t, v42.Events[0])["subject_status"]; ok {
			t.Fatalf("an empty rejection value changed the status: %s", v42.Events[0].Data)
		}

		v43 := f.attachP("P", "43")
		v43 = must(f.tryWithdraw(v43, "req"))
		if v43.Instance.Status != flowtype.StatusWithdrawn {
			t.Fatalf("43 is %s, want withdrawn", v43.Instance.Status)
		}

		for _, id := range []string{"42", "43"} {
			if s := f.subjectStatus("purchase_request", id); s != "draft" {
				t.Fatalf("subject %s status %q, want draft", id, s)
			}
		}
	})
}
