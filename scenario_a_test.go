package flowgate_test

import (
	"errors"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Group A of SCENARIOS.md: definitions and validation. The API answers
// these with 422 validation_failed and errors[].path relative to the
// payload; the library's *flowtype.ValidationError paths are relative to
// the whole workflow, so a stage added to P's Finance pipeline (its third
// stage) reports under pipelines[0].stages[2].

// financeStage3 is the path prefix of a stage appended to P's Finance.
const financeStage3 = "pipelines[0].stages[2]."

// requireFinanceUnchanged asserts that P's Finance pipeline still has its
// two stages and that P still has one version: nothing was created.
func (f *fx) requireFinanceUnchanged(t *testing.T) {
	t.Helper()
	// No must here: subtests call it, and must's panic is recovered only
	// on the scenario's own goroutine.
	d, err := f.e.GetWorkflow(f.ctx, acme, "P")
	if err != nil {
		t.Fatal(err)
	}
	if p := d.Definition.FindPipeline("Finance"); p == nil || len(p.Stages) != 2 {
		t.Fatalf("Finance changed: %+v", p)
	}
	if vs, err := f.e.WorkflowVersions(f.ctx, acme, "P"); err != nil || len(vs) != 1 {
		t.Fatalf("P has %d versions (%v), want 1", len(vs), err)
	}
}

func TestScenarioA01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		const msg = "Strategy 1 workflow must have at least one pipeline"
		d := must(f.createJSON(`{"id": "Empty", "name_en": "Empty", "strategy": 1}`))
		if d.IsActive() || d.Complete || d.CompletenessMessage != msg {
			t.Fatalf("created: active %v complete %v %q", d.IsActive(), d.Complete, d.CompletenessMessage)
		}

		valid, message, err := f.e.ValidateWorkflow(f.ctx, acme, "Empty")
		if err != nil || valid || message != msg {
			t.Fatalf("validate: %v %q %v", valid, message, err)
		}
		if got := must(f.e.GetWorkflow(f.ctx, acme, "Empty")); got.IsActive() {
			t.Fatal("an incomplete workflow must read is_active false")
		}

		_, err = f.tryAttach("Empty", "purchase_request", "42", `{"amount": 1500}`, "req")
		f.requireRefused(err, flowtype.CodeWorkflowIncomplete, msg, nil)
		f.requireNoInstance("purchase_request", "42")
	})
}

func TestScenarioA02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		must(f.createJSON(`{"id": "NoStage", "name_en": "No Stage", "strategy": 1,
			"pipelines": [{"name_en": "Finance"}]}`))
		valid, message, err := f.e.ValidateWorkflow(f.ctx, acme, "NoStage")
		if err != nil || valid || message != "Pipeline 'Finance' must have at least one stage" {
			t.Fatalf("validate: %v %q %v", valid, message, err)
		}
	})
}

func TestScenarioA03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		_, err := f.createJSON(`{"id": "S2", "name_en": "Vendor", "strategy": 2, "pipelines": [{
			"name_en": "Finance",
			"pipeline_info": {"approvals": [{"approval_type": "user", "approval_user": "r1"}]},
			"stages": [{"name_en": "Review"}]}]}`)
		requireFieldError(t, err, "pipelines[0]", "Strategy 2 (Workflow→Pipeline) cannot have stages.")

		_, err = f.createJSON(`{"id": "S2", "name_en": "Vendor", "strategy": 2, "pipelines": [{"name_en": "Finance"}]}`)
		requireFieldError(t, err, "pipelines[0].pipeline_info", "Strategy 2 pipeline must have approvals in pipeline_info.")

		if list := must(f.e.ListWorkflows(f.ctx, acme, nil)); len(list) != 0 {
			t.Fatalf("nothing may be created, got %d workflows", len(list))
		}
		if _, err := f.e.GetWorkflow(f.ctx, acme, "S2"); !errors.Is(err, flowgate.ErrNotFound) {
			t.Fatalf("workflow S2: want not found, got %v", err)
		}
	})
}

func TestScenarioA04(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		must(f.e.CreateWorkflow(f.ctx, acme, xDef(), nil))

		_, err := f.e.AddPipeline(f.ctx, acme, "X", definition.Pipeline{Name: definition.Name{"en": "Finance"}}, nil)
		requireFieldError(t, err, "pipelines", "Cannot create pipelines for Strategy 3 (Workflow Only) workflows.")
		x := must(f.e.GetWorkflow(f.ctx, acme, "X"))
		if len(x.Definition.Pipelines) != 0 || x.CurrentVersion != 1 {
			t.Fatalf("X changed: %d pipelines, version %d", len(x.Definition.Pipelines), x.CurrentVersion)
		}

		_, err = f.createJSON(`{"id": "X2", "name_en": "Expense 2", "strategy": 3, "workflow_info": {}}`)
		requireFieldError(t, err, "workflow_info", "Strategy 3 (Workflow Only) requires approvals in workflow_info.")
		if _, err := f.e.GetWorkflow(f.ctx, acme, "X2"); !errors.Is(err, flowgate.ErrNotFound) {
			t.Fatalf("workflow X2: want not found, got %v", err)
		}
	})
}

func TestScenarioA05(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")

		_, err := f.addStageJSON("Finance", `{"name_en": "Extra", "order": 2, "stage_info": {"approvals": [
			{"approval_type": "self-approved", "step_approval_type": "submit"}]}}`)
		requireFieldError(t, err, financeStage3+"stage_info.approvals[0].required_form",
			"SUBMIT step_approval_type requires a required_form to be specified")
		f.requireFinanceUnchanged(t)

		_, err = f.addStageJSON("Finance", `{"name_en": "Extra", "order": 2, "stage_info": {"approvals": [
			{"approval_type": "user", "approval_user": "r1", "step_approval_type": "move", "required_form": "F"}]}}`)
		requireFieldError(t, err, financeStage3+"stage_info.approvals[0].required_form",
			"MOVE step_approval_type cannot have a required_form")
		f.requireFinanceUnchanged(t)

		d := must(f.addStageJSON("Finance", `{"name_en": "Extra", "order": 2, "stage_info": {"approvals": [
			{"approval_type": "user", "approval_user": "r1", "step_approval_type": "move"}]}}`))
		if p := d.Definition.FindPipeline("Finance"); len(p.Stages) != 3 {
			t.Fatalf("Finance has %d stages, want 3", len(p.Stages))
		}
	})
}

func TestScenarioA06(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		d := must(f.addStageJSON("Finance", `{"id": "Extra", "name_en": "Extra", "order": 2, "stage_info": {"approvals": [
			{"approval_type": "USER", "approval_user": "r1", "step_approval_type": "SuBmIt", "required_form": "F"},
			{"approval_type": "Role", "user_role": "finance", "role_selection_strategy": "CONSENSUS"}]}}`))
		if _, s := d.Definition.FindStage("Extra"); s == nil {
			t.Fatal("stage Extra not created")
		}

		// Read back from the database.
		_, s := must(f.e.GetWorkflow(f.ctx, acme, "P")).Definition.FindStage("Extra")
		a := s.Info.Approvals
		if len(a) != 2 || a[0].ApprovalType != "user" || a[0].StepApprovalType != "submit" ||
			a[1].ApprovalType != "role" || a[1].RoleSelectionStrategy != "consensus" {
			t.Fatalf("approvals read back: %+v", a)
		}
	})
}

func TestScenarioA07(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		const step = financeStage3 + "stage_info.approvals[0]."
		for _, tc := range []struct {
			name, step, path, msg string
			prefix                bool
		}{
			{"unknown step type", `{"approval_type": "user", "approval_user": "r1", "step_approval_type": "invalid_type"}`,
				step + "step_approval_type",
				"Invalid step_approval_type: invalid_type. Must be one of: approve, submit, check_in_verify, move (case-insensitive)", false},
			{"role without role", `{"approval_type": "role"}`,
				step + "user_role", "user_role is required for ROLE approval type", false},
			{"user without user", `{"approval_type": "user"}`,
				step + "approval_user", "approval_user is required for USER approval type", false},
			{"unknown approval type", `{"approval_type": "boss"}`,
				step + "approval_type", "Invalid approval_type: boss", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.addStageJSON("Finance", `{"name_en": "Extra", "order": 2, "stage_info": {"approvals": [`+tc.step+`]}}`)
				if tc.prefix {
					requireFieldErrorPrefix(t, err, tc.path, tc.msg)
				} else {
					requireFieldError(t, err, tc.path, tc.msg)
				}
				f.requireFinanceUnchanged(t)
			})
		}
	})
}

func TestScenarioA08(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		_, err := f.addStageJSON("Finance", `{"name_en": "Extra", "order": 2, "stage_info": {"approvals": [
			{"approval_type": "user", "approval_user": "x1"}]}}`)
		requireFieldErrorPrefix(t, err, financeStage3+"stage_info.approvals[0].approval_user", "")
		f.requireFinanceUnchanged(t)

		_, err = f.addStageJSON("Finance", `{"name_en": "Extra", "order": 2, "stage_info": {"approvals": [
			{"approval_type": "role", "user_role": "nope", "role_selection_strategy": "anyone"}]}}`)
		requireFieldErrorPrefix(t, err, financeStage3+"stage_info.approvals[0].user_role", "")
		f.requireFinanceUnchanged(t)
	})
}

func TestScenarioA09(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		for _, tc := range []struct{ name, quorum string }{
			{"neither", ``},
			{"both", `, "quorum_count": 2, "quorum_percent": 50`},
			{"percent 0", `, "quorum_percent": 0`},
			{"percent 101", `, "quorum_percent": 101`},
			{"count 0", `, "quorum_count": 0`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.addStageJSON("Finance", `{"name_en": "Extra", "order": 2, "stage_info": {"approvals": [
					{"approval_type": "role", "user_role": "finance", "role_selection_strategy": "quorum"`+tc.quorum+`}]}}`)
				requireFieldErrorPrefix(t, err, financeStage3+"stage_info.approvals[0]", "")
				f.requireFinanceUnchanged(t)
			})
		}
		d := must(f.addStageJSON("Finance", `{"id": "Extra", "name_en": "Extra", "order": 2, "stage_info": {"approvals": [
			{"approval_type": "role", "user_role": "finance", "role_selection_strategy": "quorum", "quorum_count": 2}]}}`))
		if _, s := d.Definition.FindStage("Extra"); s == nil || *s.Info.Approvals[0].QuorumCount != 2 {
			t.Fatalf("stage Extra: %+v", s)
		}
	})
}

func TestScenarioA10(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		d := must(f.createJSON(`{"id": "Gen", "name_en": "Generated", "strategy": 1, "pipelines": [
			{"id": "A", "name_en": "A", "number_of_stages": 3},
			{"id": "B", "name_en": "B", "number_of_stages": 1}]}`))
		d = must(f.e.GetWorkflow(f.ctx, acme, "Gen"))
		a, b := d.Definition.FindPipeline("A"), d.Definition.FindPipeline("B")
		if a == nil || b == nil || a.Order != 0 || b.Order != 1 {
			t.Fatalf("pipelines: %+v %+v", a, b)
		}
		if len(a.Stages) != 3 || len(b.Stages) != 1 {
			t.Fatalf("A has %d stages, B %d; want 3 and 1", len(a.Stages), len(b.Stages))
		}
		for k, s := range a.SortedStages() {
			n := string(rune('1' + k))
			if s.Name["en"] != "Stage "+n || s.Name["ar"] != "المرحلة "+n || s.Order != k {
				t.Fatalf("A stage %d: %v order %d", k, s.Name, s.Order)
			}
		}
		if s := b.Stages[0]; s.Name["en"] != "Stage 1" || s.Name["ar"] != "المرحلة 1" || s.Order != 0 {
			t.Fatalf("B stage: %v order %d", s.Name, s.Order)
		}

		p, _, err := definition.DecodePipelineJSON([]byte(`{"name_en": "C", "order": 1, "number_of_stages": 1}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.e.AddPipeline(f.ctx, acme, "Gen", *p, nil)
		requireFieldErrorPrefix(t, err, "pipelines[2].order", "")
		if got := must(f.e.GetWorkflow(f.ctx, acme, "Gen")); len(got.Definition.Pipelines) != 2 {
			t.Fatalf("nothing may be added: %d pipelines", len(got.Definition.Pipelines))
		}
	})
}
