package flowgate_test

import (
	"errors"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// Group J of SCENARIOS.md: approval types and forms.

func TestScenarioJ01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", withType(user("r1"), "submit", "F")))
		v := f.attachP("P", "42")

		_, err := f.tryApproveWith(v, "r1", formData(`{}`))
		f.requireRefusedNoChange(err, flowtype.CodeFormInvalid, "This step requires form_data (SUBMIT type).", v)

		_, err = f.tryApproveWith(v, "r1", formData(`{"amount": "abc"}`))
		f.requireRefusedNoChange(err, flowtype.CodeFormInvalid, "", v)
		var fe *flowtype.Error
		errors.As(err, &fe)
		found := false
		for _, p := range fe.Errors {
			found = found || p.Path == "/amount"
		}
		if !found {
			t.Fatalf("form errors %v: want one at /amount", fe.Errors)
		}

		v = must(f.tryApproveWith(v, "r1", formData(`{"amount": 500}`)))
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		task := taskAt(t, v, "r1", "IR")
		if task.Status != flowtype.TaskApproved || task.ActedBy != "r1" {
			t.Fatalf("r1's task: %s by %q", task.Status, task.ActedBy)
		}
		requireJSONEqual(t, task.FormData, `{"amount": 500}`)
		requireJSONEqual(t, taskAt(t, f.get(v), "r1", "IR").FormData, `{"amount": 500}`)
		f.requireWritten(v, "after_approve(IR)", "after_move_stage(IR→BA)")
	})
}

func TestScenarioJ02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", withType(user("r1"), "approve", "F")))
		v := f.attachP("P", "42")
		_, err := f.tryApprove(v, "r1")
		f.requireRefusedNoChange(err, flowtype.CodeFormInvalid, "Form data is required for this approval step", v)

		f.createP("plain")
		w := f.attachP("Pplain", "43")
		w = must(f.tryApproveWith(w, "r1", formData(`{"note": "ok"}`)))
		requirePosition(t, w, flowtype.StatusInProgress, "Financeplain", "BAplain")
		requireJSONEqual(t, taskAt(t, f.get(w), "r1", "IRplain").FormData, `{"note": "ok"}`)
	})
}

func TestScenarioJ03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", withType(user("r1"), "check_in_verify", "")))
		v := f.attachP("P", "42")

		_, err := f.tryApproveWith(v, "r1", formData(`{"amount": 5}`))
		f.requireRefusedNoChange(err, flowtype.CodeFormInvalid, "Check-in does not take form_data", v)
		if task := taskAt(t, f.get(v), "r1", "IR"); task.CheckedInBy != "" || task.CheckedInAt != nil {
			t.Fatalf("a refused check-in checked in: %q %v", task.CheckedInBy, task.CheckedInAt)
		}

		before := v.Instance.Version
		v = f.approve(v, "r1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		for _, got := range []*flowgate.InstanceView{v, f.get(v)} {
			task := taskAt(t, got, "r1", "IR")
			if task.Status != flowtype.TaskCurrent || task.CheckedInBy != "r1" || task.CheckedInAt == nil {
				t.Fatalf("after check-in r1's task: %s, checked in by %q at %v", task.Status, task.CheckedInBy, task.CheckedInAt)
			}
			if got.Instance.Version != before+1 {
				t.Fatalf("version %d after check-in, want %d", got.Instance.Version, before+1)
			}
		}
		f.requireWritten(v, "checked_in(IR)")

		v = f.approve(v, "r1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		requireTaskStatus(t, f.get(v), "r1", "IR", flowtype.TaskApproved)
		f.requireWritten(v, "after_approve(IR)", "after_move_stage(IR→BA)")
	})
}

func TestScenarioJ04(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", withType(user("r1"), "move", "")))
		v := f.attachP("P", "42")
		_, err := f.tryApproveWith(v, "r1", formData(`{"x": 1}`))
		f.requireRefusedNoChange(err, flowtype.CodeFormInvalid, "MOVE type does not accept forms or form_data.", v)

		v = f.approve(v, "r1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		f.requireWritten(v, "after_approve(IR)", "after_move_stage(IR→BA)")
	})
}

func TestScenarioJ05(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		must(f.e.CreateWorkflow(f.ctx, acme, xDef(withType(user("mgr"), "submit", "F")), &flowgate.WriteOpts{Actor: "adm"}))
		v := f.attach("X", "expense", "9", "")
		requirePosition(t, v, flowtype.StatusInProgress, "", "")
		_, err := f.tryApproveWith(v, "mgr", formData(`{}`))
		f.requireRefusedNoChange(err, flowtype.CodeFormInvalid, "This step requires form_data (SUBMIT type).", v)
	})
}
