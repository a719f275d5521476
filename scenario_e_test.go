package flowgate_test

import (
	"encoding/json"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// Group E of SCENARIOS.md: rejection.

func TestScenarioE01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		const reason = "Insufficient budget allocation for this quarter"
		f.createP("")
		v := f.approve(f.attachP("P", "42"), "r1")

		v = must(f.tryReject(v, "r2", reason))
		requirePosition(t, v, flowtype.StatusRejected, "Finance", "BA")
		if v.Instance.CompletedAt == nil {
			t.Fatal("completed_at not set")
		}
		requireTasks(t, v, "r1:approved", "r2:rejected")
		if r2 := tasksOf(v, "r2")[0]; r2.Reason != reason || r2.ActedBy != "r2" {
			t.Fatalf("r2's task: reason %q, acted_by %q", r2.Reason, r2.ActedBy)
		}
		requireEvents(t, v.Events, "after_reject")
		requireEventAt(t, v.Events[0], flowtype.EventAfterReject, "Finance", "BA")
		if v.Events[0].Actor != "r2" {
			t.Fatalf("after_reject actor %q, want r2", v.Events[0].Actor)
		}
		requireNext(t, v, 0, "", "")

		got := f.get(v)
		var md map[string]any
		if err := json.Unmarshal(got.Instance.Metadata, &md); err != nil {
			t.Fatalf("metadata %s: %v", got.Instance.Metadata, err)
		}
		if md["rejection_reason"] != reason || md["rejected_by"] != "r2" {
			t.Fatalf("metadata: %v", md)
		}
		requirePosition(t, got, flowtype.StatusRejected, "Finance", "BA")
		requireNext(t, got, 0, "", "")
		if s := got.Subject.Status["status"]; s != "rejected" {
			t.Fatalf("subject status %q, want rejected", s)
		}
		// Exactly one after_reject in the whole history.
		requireEvents(t, f.history(v), "on_workflow_start", "after_approve", "after_move_stage", "after_reject")
	})
}

func TestScenarioE02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.approve(f.attachP("P", "42"), "r1")

		_, err := f.tryReject(v, "r2", "")
		f.requireRefused(err, flowtype.CodeReasonRequired, "Reason is required for rejection", v)
		requireRefusalPath(t, err, "reason") // HTTP 422 validation_failed, path reason
		requireTasks(t, f.get(v), "r1:approved", "r2:current")
	})
}

func TestScenarioE03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", user("r1"), user("cfo")))
		f.createP("2", approvals("IR", role("finance", "consensus")))

		v42 := must(f.tryReject(f.attachP("P", "42"), "r1", "Incomplete request"))
		if v42.Instance.Status != flowtype.StatusRejected {
			t.Fatalf("42: %s, want rejected", v42.Instance.Status)
		}
		requireTasks(t, v42, "r1:rejected", "cfo:cancelled")
		requireTasks(t, f.get(v42), "r1:rejected", "cfo:cancelled")

		v43 := f.approve(f.attachP("P2", "43"), "u1")
		v43 = must(f.tryReject(v43, "u3", "Vendor not approved"))
		if v43.Instance.Status != flowtype.StatusRejected {
			t.Fatalf("43: %s, want rejected", v43.Instance.Status)
		}
		requireTasks(t, v43, "u1:approved", "u2:cancelled", "u3:rejected")
		requireEvents(t, v43.Events, "after_reject")
		requireEventAt(t, v43.Events[0], flowtype.EventAfterReject, "Finance2", "IR2")

		for _, v := range []*flowgate.InstanceView{v42, v43} {
			if got := f.get(v); len(got.OpenTasks()) != 0 {
				t.Fatalf("instance %s still has open tasks: %v", v.Instance.ID, taskStatuses(got))
			}
		}
	})
}
