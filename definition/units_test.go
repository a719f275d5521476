package definition_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/definition"
)

// unitView is what a test compares of a unit: names instead of pointers.
type unitView struct {
	Index           int
	Pipeline, Stage string
	Approvals       []definition.Step
}

func viewUnits(units []definition.Unit) []unitView {
	var out []unitView
	for _, u := range units {
		v := unitView{Index: u.Index, Approvals: u.Approvals}
		if u.Pipeline != nil {
			v.Pipeline = u.Pipeline.Name.Default()
		}
		if u.Stage != nil {
			v.Stage = u.Stage.Name.Default()
		}
		out = append(out, v)
	}
	return out
}

func TestUnits(t *testing.T) {
	t.Parallel()
	self := []definition.Step{{ApprovalType: "self-approved", StepApprovalType: "approve"}}
	user := func(id string) []definition.Step {
		return []definition.Step{{ApprovalType: "user", ApprovalUser: id, StepApprovalType: "approve"}}
	}
	tests := []struct {
		name string
		w    *definition.Workflow
		want []unitView
	}{
		{
			name: "strategy 1: active stages, pipelines then stages by order",
			w: mustDecode(t, `{"name": "W", "pipelines": [
				{"name": "Management", "order": 1, "stages": [
					{"name": "FS", "order": 1, "stage_info": {"approvals": [{"approval_type": "user", "approval_user": "dir"}]}},
					{"name": "EA", "order": 0, "stage_info": {"approvals": [{"approval_type": "user", "approval_user": "mgr"}]}}]},
				{"name": "Finance", "order": 0, "stages": [
					{"name": "IR", "order": 0},
					{"name": "BA", "order": 1, "is_active": false}]}]}`, "json"),
			want: []unitView{
				{Index: 0, Pipeline: "Finance", Stage: "IR", Approvals: self},
				{Index: 1, Pipeline: "Management", Stage: "EA", Approvals: user("mgr")},
				{Index: 2, Pipeline: "Management", Stage: "FS", Approvals: user("dir")},
			},
		},
		{
			name: "strategy 2: pipelines by order",
			w: mustDecode(t, `{"name": "W", "strategy": 2, "pipelines": [
				{"name": "HR", "order": 1, "pipeline_info": {"approvals": [{"approval_type": "user", "approval_user": "r2"}]}},
				{"name": "Finance", "order": 0, "pipeline_info": {"approvals": [{"approval_type": "user", "approval_user": "r1"}]}}]}`, "json"),
			want: []unitView{
				{Index: 0, Pipeline: "Finance", Approvals: user("r1")},
				{Index: 1, Pipeline: "HR", Approvals: user("r2")},
			},
		},
		{
			name: "strategy 3: the workflow level",
			w:    mustDecode(t, `{"name": "W", "strategy": 3, "workflow_info": {"approvals": [{"approval_type": "user", "approval_user": "mgr"}]}}`, "json"),
			want: []unitView{{Index: 0, Approvals: user("mgr")}},
		},
		{
			name: "hand-built steps get their defaults",
			w: &definition.Workflow{Strategy: 3, Info: definition.Info{Approvals: []definition.Step{
				{ApprovalType: "role", UserRole: "r"},
			}}},
			want: []unitView{{Index: 0, Approvals: []definition.Step{
				{ApprovalType: "role", UserRole: "r", RoleSelectionStrategy: "anyone", StepApprovalType: "approve"},
			}}},
		},
		{name: "strategy 1 without active stages", w: mustDecode(t, `{"name": "W", "pipelines": [{"name": "A", "stages": [{"name": "S", "is_active": false}]}]}`, "json")},
		{name: "unknown strategy", w: &definition.Workflow{Strategy: 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before, _ := definition.EncodeJSON(tt.w)
			got := viewUnits(tt.w.Units())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("units (-want +got):\n%s", diff)
			}
			if after, _ := definition.EncodeJSON(tt.w); string(before) != string(after) {
				t.Errorf("Units changed the workflow")
			}
		})
	}
}

func TestUnitsPointIntoTheWorkflow(t *testing.T) {
	t.Parallel()
	w := mustDecode(t, `{"name": "W", "pipelines": [{"name": "A", "stages": [{"name": "S"}]}]}`, "json")
	u := w.Units()[0]
	if u.Pipeline != &w.Pipelines[0] || u.Stage != &w.Pipelines[0].Stages[0] {
		t.Errorf("units do not point at the workflow's nodes")
	}
	u.Approvals[0].ApprovalType = "user"
	if len(w.Pipelines[0].Stages[0].Info.Approvals) != 0 {
		t.Errorf("changing a unit's approvals changed the workflow")
	}
}

func TestSortedIsStable(t *testing.T) {
	t.Parallel()
	w := &definition.Workflow{Pipelines: []definition.Pipeline{
		{Name: definition.Name{"en": "b"}, Order: 1}, {Name: definition.Name{"en": "a"}, Order: 0}, {Name: definition.Name{"en": "c"}, Order: 1},
	}}
	var got []string
	for _, p := range w.SortedPipelines() {
		got = append(got, p.Name.Default())
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if w.Pipelines[0].Name.Default() != "b" {
		t.Errorf("SortedPipelines reordered the workflow")
	}
	p := definition.Pipeline{Stages: []definition.Stage{{Order: 2, ID: "x"}, {Order: 0, ID: "y"}}}
	if s := p.SortedStages(); s[0].ID != "y" || s[1].ID != "x" || p.Stages[0].ID != "x" {
		t.Errorf("SortedStages = %v", s)
	}
}
