package flowgate_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Group B of SCENARIOS.md: attach and start.

func TestScenarioB01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.attachP("P", "42")

		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		if v.Instance.WorkflowVersion != 1 || v.Instance.StartedBy != "req" || v.Instance.StartedAt == nil {
			t.Fatalf("instance: version %d, started_by %q, started_at %v",
				v.Instance.WorkflowVersion, v.Instance.StartedBy, v.Instance.StartedAt)
		}
		requireTasks(t, v, "r1:current")
		requireEvents(t, v.Events, "on_workflow_start")
		requireEventAt(t, v.Events[0], flowtype.EventWorkflowStart, "Finance", "IR")
		requireNext(t, v, 0, "Finance", "BA")

		// The stored state reads the same.
		got := f.get(v)
		requirePosition(t, got, flowtype.StatusInProgress, "Finance", "IR")
		requireTasks(t, got, "r1:current")
		requireNext(t, got, 0, "Finance", "BA")
		requireEvents(t, f.history(v), "on_workflow_start")
	})
}

func TestScenarioB02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.attachDeferred("P", "42")

		requirePosition(t, v, flowtype.StatusNotStarted, "", "")
		if v.Instance.StartedBy != "req" || v.Instance.StartedAt != nil {
			t.Fatalf("started_by %q, started_at %v", v.Instance.StartedBy, v.Instance.StartedAt)
		}
		requireTasks(t, v)
		requireEvents(t, v.Events)
		requireEvents(t, f.history(v))
		requireNext(t, v, 0, "Finance", "IR")
		requireNext(t, f.get(v), 0, "Finance", "IR")

		v = must(f.e.Start(f.ctx, acme, v.Instance.ID, "req", nil))
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		if v.Instance.StartedAt == nil {
			t.Fatal("started_at not set")
		}
		requireTasks(t, v, "r1:current")
		requireEvents(t, v.Events, "on_workflow_start")
		requireEventAt(t, v.Events[0], flowtype.EventWorkflowStart, "Finance", "IR")
	})
}

func TestScenarioB03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v := f.attachDeferred("P", "42")

		_, err := f.e.Start(f.ctx, acme, v.Instance.ID, "r1", nil)
		f.requireRefused(err, flowtype.CodeNotStarter, "", v) // 403
		requireTasks(t, f.get(v))

		v = must(f.e.Start(f.ctx, acme, v.Instance.ID, "req", nil))
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")

		_, err = f.e.Start(f.ctx, acme, v.Instance.ID, "req", nil)
		f.requireRefused(err, flowtype.CodeAlreadyStarted,
			"Workflow already started (status: in_progress). Cannot start a workflow that is already in progress.", v)
		requireTasks(t, f.get(v), "r1:current")
	})
}

func TestScenarioB04(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		const metadata = `{"amount": 15000.0, "priority": "high", "department": "finance", "category": "office_equipment"}`
		v := must(f.e.Attach(f.ctx, acme, &flowgate.AttachParams{
			Actor: "req", WorkflowID: "P", Metadata: json.RawMessage(metadata),
			Subject: flowgate.SubjectInput{Type: "purchase_request", ID: "42", Data: json.RawMessage(`{"amount": 1500}`)},
		}))
		var want, got map[string]any
		if err := json.Unmarshal([]byte(metadata), &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(f.get(v).Instance.Metadata, &got); err != nil {
			t.Fatalf("stored metadata %s: %v", f.get(v).Instance.Metadata, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("metadata: got %v, want %v", got, want)
		}
	})
}

func TestScenarioB05(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		first := f.attachP("P", "42")

		_, err := f.tryAttach("P", "purchase_request", "42", `{"amount": 1500}`, "req")
		f.requireRefused(err, flowtype.CodeAlreadyAttached,
			"Subject purchase_request/42 already has an active workflow instance", first)
		if all := must(f.e.SubjectInstances(f.ctx, acme, "purchase_request", "42")); len(all) != 1 {
			t.Fatalf("the refused attach created an instance: %d instances", len(all))
		}

		must(f.tryWithdraw(first, "req"))
		second := f.attachP("P", "42")
		if second.Instance.ID == first.Instance.ID {
			t.Fatal("a new attach after a withdraw must create a new instance")
		}
		requirePosition(t, second, flowtype.StatusInProgress, "Finance", "IR")

		cur := must(f.e.SubjectInstance(f.ctx, acme, "purchase_request", "42"))
		if cur.Instance.ID != second.Instance.ID {
			t.Fatalf("subject instance: got %s, want the new %s", cur.Instance.ID, second.Instance.ID)
		}
		if old := f.get(first); old.Instance.Status != flowtype.StatusWithdrawn {
			t.Fatalf("old instance: %s, want withdrawn", old.Instance.Status)
		}
	})
}

func TestScenarioB06(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		f.createP("2")

		must(f.e.SetWorkflowActive(f.ctx, acme, "P", false))
		_, err := f.tryAttach("P", "purchase_request", "42", `{"amount": 1500}`, "req")
		f.requireRefused(err, flowtype.CodeWorkflowInactive,
			"Workflow 'Purchase Approval' is not active and cannot be attached. Please activate the workflow before attaching it to objects.", nil)
		f.requireNoInstance("purchase_request", "42")

		must(f.e.SetWorkflowActive(f.ctx, acme, "P", true))
		must(f.e.SaveSubjectType(f.ctx, acme, &flowgate.SubjectType{
			Type: "purchase_request", StatusField: "status",
			CompletionStatusValue: "approved", RejectionStatusValue: "rejected",
			Workflows: []string{"P2"},
		}))
		_, err = f.tryAttach("P", "purchase_request", "42", `{"amount": 1500}`, "req")
		f.requireRefused(err, flowtype.CodeWorkflowNotAllowed, "", nil)
		f.requireNoInstance("purchase_request", "42")
	})
}

func TestScenarioB07(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v42 := f.attachP("P", "42")

		must(f.e.UpdateStage(f.ctx, acme, "BA", func(s *definition.Stage) error {
			s.Name = definition.Name{"en": "Budget Check"}
			return nil
		}, &flowgate.WriteOpts{Actor: "adm"}))
		must(f.e.AddStage(f.ctx, acme, "Finance", definition.Stage{
			ID: "LR", Name: definition.Name{"en": "Legal Review"}, Order: 2, IsActive: true,
			Info: definition.Info{Approvals: []definition.Step{user("cfo")}},
		}, &flowgate.WriteOpts{Actor: "adm"}))

		versions := must(f.e.WorkflowVersions(f.ctx, acme, "P"))
		if len(versions) != 2 || versions[0].Version != 1 || versions[1].Version != 2 {
			t.Fatalf("versions: %+v", versions)
		}

		v42 = f.approve(v42, "r1")
		if v42.Instance.WorkflowVersion != 1 {
			t.Fatalf("instance 42 pins version %d, want 1", v42.Instance.WorkflowVersion)
		}
		requirePosition(t, v42, flowtype.StatusInProgress, "Finance", "BA")
		if stageName(v42) != "Budget Approval" {
			t.Fatalf("instance 42 is at %q, want Budget Approval", stageName(v42))
		}
		requireTasks(t, v42, "r1:approved", "r2:current")
		requireNext(t, v42, 25, "Management", "EA")

		v43 := f.attachP("P", "43")
		if v43.Instance.WorkflowVersion != 2 {
			t.Fatalf("instance 43 pins version %d, want 2", v43.Instance.WorkflowVersion)
		}
		requireNext(t, v43, 0, "Finance", "BA")
		if v43.NextStage.Name["en"] != "Budget Check" {
			t.Fatalf("instance 43 next stage %q, want Budget Check", v43.NextStage.Name["en"])
		}
	})
}

func TestScenarioB08(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		must(f.e.UpdateStage(f.ctx, acme, "IR", func(s *definition.Stage) error {
			s.Name = definition.Name{"en": "First Look"}
			return nil
		}, &flowgate.WriteOpts{Actor: "adm"}))

		if versions := must(f.e.WorkflowVersions(f.ctx, acme, "P")); len(versions) != 1 {
			t.Fatalf("an unpinned version is edited in place: got %d versions", len(versions))
		}
		d := must(f.e.GetWorkflow(f.ctx, acme, "P"))
		if _, s := d.Definition.FindStage("IR"); d.CurrentVersion != 1 || s.Name["en"] != "First Look" {
			t.Fatalf("version %d, IR named %v", d.CurrentVersion, s.Name)
		}
	})
}

func TestScenarioB09(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR"))
		v := f.attachP("P", "42")
		requireTasks(t, v, "req:current")

		v = f.approve(v, "req") // allowed although allow_self_approval is false
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		requireTasks(t, v, "req:approved", "r2:current")
	})
}

func TestScenarioB10(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("auditors", "anyone")))
		_, err := f.tryAttach("P", "purchase_request", "42", `{"amount": 1500}`, "req")
		f.requireRefused(err, flowtype.CodeNoActiveApprover, "Role 'auditors' has no active members who may approve", nil)
		f.requireNoInstance("purchase_request", "42")
	})
}

func TestScenarioB11(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		must(f.e.CreateWorkflow(f.ctx, acme, vDef(), nil))
		must(f.e.CreateWorkflow(f.ctx, acme, xDef(), nil))

		v := f.attach("V", "vendor", "7", "")
		requirePosition(t, v, flowtype.StatusInProgress, "VFinance", "")
		requireTasks(t, v, "r1:current")
		requireNext(t, v, 0, "VHR", "")

		x := f.attach("X", "expense", "9", "")
		requirePosition(t, x, flowtype.StatusInProgress, "", "")
		requireTasks(t, x, "mgr:current")
		requireNext(t, x, 0, "", "")
	})
}

func TestScenarioB12(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		config := &flowgate.SubjectType{
			Type: "purchase_request", StatusField: "status",
			CompletionStatusValue: "approved", RejectionStatusValue: "rejected",
			AutoStart: &flowgate.AutoStartRule{WorkflowID: "P", Conditions: json.RawMessage(`{"amount__gte": 1000}`)},
		}
		must(f.e.SaveSubjectType(f.ctx, acme, config))

		_, err := f.tryAttach("", "purchase_request", "44", `{"amount": 500}`, "req")
		f.requireRefused(err, flowtype.CodeValidationFailed, "", nil)
		f.requireNoInstance("purchase_request", "44")

		v := f.attach("", "purchase_request", "45", `{"amount": 1500}`)
		if v.Instance.WorkflowID != "P" {
			t.Fatalf("auto-start attached %q, want P", v.Instance.WorkflowID)
		}
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")

		config.AutoStart.Conditions = json.RawMessage(`{"amount__between": [1, 2]}`)
		_, err = f.e.SaveSubjectType(f.ctx, acme, config)
		requireFieldErrorPrefix(t, err, "auto_start.conditions", "")
		if msg := err.Error(); !strings.Contains(msg, "amount__between") {
			t.Fatalf("the refusal must name the unknown lookup: %v", err)
		}
		saved := must(f.e.GetSubjectType(f.ctx, acme, "purchase_request"))
		if saved.AutoStart == nil || !strings.Contains(string(saved.AutoStart.Conditions), "amount__gte") {
			t.Fatalf("the refused rule replaced the stored one: %+v", saved.AutoStart)
		}
	})
}
