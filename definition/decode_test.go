package definition_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// wf is a decoded workflow with its defaults, for expectations.
func wf(name string, pipelines ...definition.Pipeline) *definition.Workflow {
	return &definition.Workflow{
		Name: definition.Name{"en": name}, Strategy: 1, IsActive: true, Pipelines: pipelines,
	}
}

func stage(name string, order int, steps ...definition.Step) definition.Stage {
	return definition.Stage{
		Name: definition.Name{"en": name}, Order: order, IsActive: true,
		Info: definition.Info{Color: definition.DefaultStageColor, Approvals: steps},
	}
}

// acceptCases are documents Decode accepts; the schema test checks that
// docs/definition.schema.json accepts them too.
var acceptCases = []struct {
	name   string
	format string // "" means json; "sniff" passes an empty format
	doc    string
	want   *definition.Workflow
}{
	{
		name: "defaults of a minimal workflow",
		doc:  `{"name": "W"}`,
		want: wf("W"),
	},
	{
		name: "name map, plain name and name_<tag> merged",
		doc:  `{"name": {"en": "Buy", "fr-CA": "Achat"}, "name_ar": "شراء", "name_en": "Buy"}`,
		want: &definition.Workflow{
			Name:     definition.Name{"en": "Buy", "ar": "شراء", "fr-CA": "Achat"},
			Strategy: 1, IsActive: true,
		},
	},
	{
		name: "original's name_en and name_ar; empty names dropped",
		doc:  `{"name_en": "Buy", "name_ar": "شراء", "name_fr": ""}`,
		want: &definition.Workflow{Name: definition.Name{"en": "Buy", "ar": "شراء"}, Strategy: 1, IsActive: true},
	},
	{
		name: "description as a string and as a localized map",
		doc:  `{"name": "W", "description": {"ar": "وصف", "en": "About"}}`,
		want: &definition.Workflow{Name: definition.Name{"en": "W"}, Description: "About", Strategy: 1, IsActive: true},
	},
	{
		name: "explicit top-level values, integer and {val} ids",
		doc: `{"id": 7, "name": "W", "description": "d", "strategy": 3, "is_active": false,
				"allow_self_approval": true, "company": {"val": 1},
				"workflow_info": {"approvals": [{"approval_type": "user", "approval_user": {"val": 12}}]}}`,
		want: &definition.Workflow{
			ID: "7", Name: definition.Name{"en": "W"}, Description: "d", Strategy: 3, AllowSelfApproval: true,
			Info: definition.Info{Approvals: []definition.Step{
				{ApprovalType: "user", ApprovalUser: "12", StepApprovalType: "approve"},
			}},
		},
	},
	{
		name: "orders numbered in list order when none is given; stage defaults",
		doc: `{"name": "W", "pipelines": [
				{"name": "A", "stages": [{"name": "S1"}, {"name": "S2", "is_active": false}]},
				{"name": "B", "stages": [{"name": "T", "order": 5, "stage_info": {"color": "#fff"}}]}]}`,
		want: wf("W",
			definition.Pipeline{Name: definition.Name{"en": "A"}, Order: 0, Stages: []definition.Stage{
				stage("S1", 0),
				{Name: definition.Name{"en": "S2"}, Order: 1, Info: definition.Info{Color: definition.DefaultStageColor}},
			}},
			definition.Pipeline{Name: definition.Name{"en": "B"}, Order: 1, Stages: []definition.Stage{
				{Name: definition.Name{"en": "T"}, Order: 5, IsActive: true, Info: definition.Info{Color: "#fff"}},
			}},
		),
	},
	{
		name: "number_of_stages creates named stages; department_id and compat fields",
		doc: `{"name": "W", "company": 1, "is_active": true, "pipelines": [
				{"name_en": "A", "department_id": 4, "order": 1, "number_of_stages": 3, "is_active": true},
				{"name_en": "B", "department": {"type": "dept", "id": "9"}, "order": 2, "number_of_stages": 1}]}`,
		want: wf("W",
			definition.Pipeline{
				Name: definition.Name{"en": "A"}, Order: 1, Department: &definition.Department{ID: "4"},
				Stages: []definition.Stage{
					{Name: definition.Name{"en": "Stage 1", "ar": "المرحلة 1"}, Order: 0, IsActive: true, Info: definition.Info{Color: "#3498db"}},
					{Name: definition.Name{"en": "Stage 2", "ar": "المرحلة 2"}, Order: 1, IsActive: true, Info: definition.Info{Color: "#3498db"}},
					{Name: definition.Name{"en": "Stage 3", "ar": "المرحلة 3"}, Order: 2, IsActive: true, Info: definition.Info{Color: "#3498db"}},
				},
			},
			definition.Pipeline{
				Name: definition.Name{"en": "B"}, Order: 2, Department: &definition.Department{Type: "dept", ID: "9"},
				Stages: []definition.Stage{
					{Name: definition.Name{"en": "Stage 1", "ar": "المرحلة 1"}, Order: 0, IsActive: true, Info: definition.Info{Color: "#3498db"}},
				},
			},
		),
	},
	{
		name: "steps: enums lower-cased, defaults, ids, quorum, condition, extras kept",
		doc: stepDoc(
			`{"approval_type": "USER", "approval_user": 5, "step_approval_type": "SuBmIt", "required_form": {"val": "F"}}`,
			`{"approval_type": "Role", "user_role": "finance", "role_selection_strategy": "QUORUM", "quorum_percent": 60,
				  "condition": "subject.amount > 10 && subject.x < 3", "approval_type_display": "Role-based <b>",
				  "nested": {"b": [1, 2.50, true, null], "a": "x"}}`,
			`{"approval_type": "role", "user_role": 3}`,
			`{"approval_type": "self-approved", "quorum_count": null}`,
		),
		want: wf("W", definition.Pipeline{Name: definition.Name{"en": "P"}, Stages: []definition.Stage{
			stage("S", 0,
				definition.Step{ApprovalType: "user", ApprovalUser: "5", StepApprovalType: "submit", RequiredForm: "F"},
				definition.Step{
					ApprovalType: "role", UserRole: "finance", RoleSelectionStrategy: "quorum", QuorumPercent: ptr(60),
					StepApprovalType: "approve", Condition: "subject.amount > 10 && subject.x < 3",
					Extra: map[string]json.RawMessage{
						"approval_type_display": json.RawMessage(`"Role-based <b>"`),
						"nested":                json.RawMessage(`{"a":"x","b":[1,2.50,true,null]}`),
					},
				},
				definition.Step{ApprovalType: "role", UserRole: "3", RoleSelectionStrategy: "anyone", StepApprovalType: "approve"},
				definition.Step{ApprovalType: "self-approved", StepApprovalType: "approve"},
			),
		}}),
	},
	{
		name: "info extras kept verbatim at every level",
		doc: `{"name": "W", "workflow_info": {"category": "x", "limits": {"max": 3}},
				"pipelines": [{"name": "P", "pipeline_info": {"sla": 5},
				"stages": [{"name": "S", "pipeline_id": 4, "stage_info": {"form_info": [], "color": "#abcdef"}}]}]}`,
		want: &definition.Workflow{
			Name: definition.Name{"en": "W"}, Strategy: 1, IsActive: true,
			Info: definition.Info{Extra: map[string]json.RawMessage{
				"category": json.RawMessage(`"x"`), "limits": json.RawMessage(`{"max":3}`),
			}},
			Pipelines: []definition.Pipeline{{
				Name: definition.Name{"en": "P"},
				Info: definition.Info{Extra: map[string]json.RawMessage{"sla": json.RawMessage(`5`)}},
				Stages: []definition.Stage{{
					Name: definition.Name{"en": "S"}, IsActive: true,
					Info: definition.Info{Color: "#abcdef", Extra: map[string]json.RawMessage{"form_info": json.RawMessage(`[]`)}},
				}},
			}},
		},
	},
	{
		name: "actions at every level, function_path alias, defaults",
		doc: `{"name": "W", "actions": [{"action_type": "AFTER_APPROVE", "function_path": "email",
					"parameters": {"to": ["creator"], "b": 1}}],
				"pipelines": [{"name": "P", "actions": [{"id": 3, "action_type": "after_reject", "handler": "h",
					"function_path": "h", "order": 4, "is_active": false}],
				"stages": [{"name": "S", "actions": [{"action_type": "after_move_stage", "handler": "x", "parameters": null}]}]}]}`,
		want: &definition.Workflow{
			Name: definition.Name{"en": "W"}, Strategy: 1, IsActive: true,
			Actions: []definition.Action{{
				ActionType: "after_approve", Handler: "email", Order: 1, IsActive: true,
				Parameters: json.RawMessage(`{"b":1,"to":["creator"]}`),
			}},
			Pipelines: []definition.Pipeline{{
				Name:    definition.Name{"en": "P"},
				Actions: []definition.Action{{ID: "3", ActionType: "after_reject", Handler: "h", Order: 4}},
				Stages: []definition.Stage{{
					Name: definition.Name{"en": "S"}, IsActive: true, Info: definition.Info{Color: "#3498db"},
					Actions: []definition.Action{{ActionType: "after_move_stage", Handler: "x", Order: 1, IsActive: true}},
				}},
			}},
		},
	},
	{
		name: "null members read as absent",
		doc: `{"name": "W", "id": null, "description": null, "strategy": null, "is_active": null,
				"workflow_info": null, "pipelines": null, "actions": null, "company": null}`,
		want: wf("W"),
	},
	{
		name:   "YAML reads as the same document",
		format: "yaml",
		doc: `
name_en: W
pipelines:
  - name: {en: P}
    stages:
      - name: S
        stage_info:
          approvals:
            - {approval_type: ROLE, user_role: 1, role_selection_strategy: Consensus}
`,
		want: wf("W", definition.Pipeline{Name: definition.Name{"en": "P"}, Stages: []definition.Stage{
			stage("S", 0, definition.Step{ApprovalType: "role", UserRole: "1", RoleSelectionStrategy: "consensus", StepApprovalType: "approve"}),
		}}),
	},
	{
		name:   "an empty format sniffs YAML",
		format: "sniff",
		doc:    "name: W\n",
		want:   wf("W"),
	},
	{
		name:   "an empty format sniffs JSON",
		format: "sniff",
		doc:    ` {"name": "W"}`,
		want:   wf("W"),
	},
}

func TestDecodeAccepts(t *testing.T) {
	t.Parallel()
	for _, tt := range acceptCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			format := tt.format
			switch format {
			case "":
				format = "json"
			case "sniff":
				format = ""
			}
			got := mustDecode(t, tt.doc, format)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want []flowtype.FieldError
	}{
		{"not an object", `[1]`, []flowtype.FieldError{fe("", "a workflow definition must be an object")}},
		{"unknown top-level field", `{"name": "W", "status": "x"}`, []flowtype.FieldError{fe("status", "unknown field")}},
		{"duplicate field", `{"name": "W", "name": "V"}`, []flowtype.FieldError{fe("name", "duplicate field")}},
		{
			"unknown fields are named at their path",
			`{"name": "W", "pipelines": [{"name": "P", "bogus": 1, "department": {"id": 1, "kind": 2},
				"stages": [{"name": "S", "form_info": [], "actions": [{"action_type": "after_approve", "handler": "h", "when": 1}]}]}]}`,
			[]flowtype.FieldError{
				fe("pipelines[0].bogus", "unknown field"),
				fe("pipelines[0].department.kind", "unknown field"),
				fe("pipelines[0].stages[0].form_info", "unknown field"),
				fe("pipelines[0].stages[0].actions[0].when", "unknown field"),
			},
		},
		{"a name_ key that is no language tag", `{"name": "W", "name_x": "y"}`, []flowtype.FieldError{fe("name_x", "unknown field")}},
		{
			"bad names",
			`{"name": {"en": 5, "e": "x"}, "pipelines": [{"name": 3}, {"name": "A", "name_en": "B"}], "strategy": 1}`,
			[]flowtype.FieldError{
				fe("name.en", "must be a string"),
				fe("name.e", "is not a language tag"),
				fe("pipelines[0].name", "must be a string or an object of language tag to text"),
				fe("pipelines[1].name_en", "conflicts with name.en"),
			},
		},
		{
			"wrong types",
			`{"name": "W", "strategy": "1", "is_active": "yes", "allow_self_approval": 1, "description": 4,
				"workflow_info": [], "actions": {}}`,
			[]flowtype.FieldError{
				fe("strategy", "must be an integer"),
				fe("is_active", "must be true or false"),
				fe("allow_self_approval", "must be true or false"),
				fe("description", "must be a string or an object of language tag to text"),
				fe("workflow_info", "workflow_info must be an object"),
				fe("actions", "must be a list"),
			},
		},
		{
			"integers",
			`{"name": "W", "pipelines": [{"name": "A", "order": 1.5}, {"name": "B", "order": 1e12},
				{"name": "C", "order": 2.0, "stages": {}}]}`,
			[]flowtype.FieldError{
				fe("pipelines[0].order", "must be an integer"),
				fe("pipelines[1].order", "is out of range"),
				fe("pipelines[2].stages", "must be a list"),
			},
		},
		{
			"ids",
			stepDoc(`{"approval_type": "user", "approval_user": 1.5}`, `{"approval_type": "user", "approval_user": {"val": 1, "x": 2}}`,
				`{"approval_type": "user", "approval_user": {}}`, `{"approval_type": "role", "user_role": [1]}`,
				`{"approval_type": "role", "user_role": {"val": {"val": 1}}}`),
			[]flowtype.FieldError{
				fe(stepPath+".approval_user", `must be a string, an integer or {"val": id}`),
				fe("pipelines[0].stages[0].stage_info.approvals[1].approval_user.x", "unknown field"),
				fe("pipelines[0].stages[0].stage_info.approvals[2].approval_user", `an id object must have "val"`),
				fe("pipelines[0].stages[0].stage_info.approvals[3].user_role", `must be a string, an integer or {"val": id}`),
				fe("pipelines[0].stages[0].stage_info.approvals[4].user_role.val", `must be a string, an integer or {"val": id}`),
			},
		},
		{
			"steps of the wrong shape",
			`{"name": "W", "workflow_info": {"approvals": [5, {"approval_type": 1, "quorum_count": "2", "condition": true}]}}`,
			[]flowtype.FieldError{
				fe("workflow_info.approvals[0]", "an approval step must be an object"),
				fe("workflow_info.approvals[1].approval_type", "must be a string"),
				fe("workflow_info.approvals[1].quorum_count", "must be an integer"),
				fe("workflow_info.approvals[1].condition", "must be a string"),
			},
		},
		{
			"orders given for some siblings only",
			`{"name": "W", "pipelines": [{"name": "A", "order": 0, "stages": [{"name": "S"}, {"name": "T", "order": 1}]}, {"name": "B"}]}`,
			[]flowtype.FieldError{
				fe("pipelines[0].stages[0].order", "order is required when other stages have an order"),
				fe("pipelines[1].order", "order is required when other pipelines have an order"),
			},
		},
		{
			"number_of_stages bounds and conflicts",
			`{"name": "W", "pipelines": [{"name": "A", "number_of_stages": 0}, {"name": "B", "number_of_stages": 101},
				{"name": "C", "number_of_stages": 2, "stages": []}]}`,
			[]flowtype.FieldError{
				fe("pipelines[0].number_of_stages", "number_of_stages must be between 1 and 100"),
				fe("pipelines[1].number_of_stages", "number_of_stages must be between 1 and 100"),
				fe("pipelines[2].number_of_stages", "give stages or number_of_stages, not both"),
			},
		},
		{
			"department twice, inactive pipeline",
			`{"name": "W", "pipelines": [{"name": "A", "department": {"type": "d", "id": 1}, "department_id": 2},
				{"name": "B", "department_id": 2, "department": {"id": 1}}, {"name": "C", "is_active": false}]}`,
			[]flowtype.FieldError{
				fe("pipelines[0].department_id", "give department or department_id, not both"),
				fe("pipelines[1].department", "give department or department_id, not both"),
				fe("pipelines[2].is_active", "a pipeline cannot be inactive: set is_active on its stages"),
			},
		},
		{
			"handler and function_path disagree",
			`{"name": "W", "actions": [{"action_type": "after_approve", "handler": "a", "function_path": "b", "order": "1"}]}`,
			[]flowtype.FieldError{
				fe("actions[0].order", "must be an integer"),
				fe("actions[0].function_path", "conflicts with handler"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := definition.DecodeJSON([]byte(tt.doc))
			if w != nil {
				t.Errorf("got a workflow with errors")
			}
			requireErrors(t, err, tt.want)
		})
	}
}

func TestDecodeRefusesDocuments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, format, doc, wantPrefix string
	}{
		{"invalid JSON", "json", `{"name": `, "invalid JSON: "},
		{"empty JSON", "json", ``, "invalid JSON: the document is empty"},
		{"trailing data", "json", `{} {}`, "invalid JSON: unexpected data after the top-level value"},
		{"invalid YAML", "yaml", "name: [a\n", "invalid YAML: "},
		{"YAML that is not an object", "yml", "- a\n", "a workflow definition must be an object"},
		{"unknown format", "xml", `<w/>`, `unsupported format "xml": use json or yaml`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := definition.Decode([]byte(tt.doc), tt.format)
			errs := fieldErrors(t, err)
			if len(errs) != 1 || errs[0].Path != "" || !strings.HasPrefix(errs[0].Message, tt.wantPrefix) {
				t.Errorf("errors = %v, want one at the top starting %q", errs, tt.wantPrefix)
			}
		})
	}
}

func TestDecodeWithCompat(t *testing.T) {
	t.Parallel()
	_, compat, err := definition.DecodeWithCompat(readExample(t, "purchase-request-original.json"), "json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&definition.Compat{Company: "1"}, compat); diff != "" {
		t.Errorf("compat (-want +got):\n%s", diff)
	}
}

func TestDecodeNodes(t *testing.T) {
	t.Parallel()
	t.Run("pipeline", func(t *testing.T) {
		t.Parallel()
		p, compat, err := definition.DecodePipelineJSON([]byte(`{"name_en": "A", "number_of_stages": 1}`))
		if err != nil {
			t.Fatal(err)
		}
		if compat.OrderGiven || len(p.Stages) != 1 || p.Stages[0].Name["en"] != "Stage 1" {
			t.Errorf("pipeline = %+v, compat = %+v", p, compat)
		}
		p, compat, err = definition.DecodePipelineJSON([]byte(`{"name": "A", "order": 1, "stages": [{"name": "S"}]}`))
		if err != nil || !compat.OrderGiven || p.Order != 1 || p.Stages[0].Order != 0 {
			t.Errorf("pipeline = %+v, compat = %+v, err = %v", p, compat, err)
		}
		_, _, err = definition.DecodePipelineJSON([]byte(`{"name": "A", "stages": [{"name": "S", "x": 1}]}`))
		requireErrors(t, err, []flowtype.FieldError{fe("stages[0].x", "unknown field")})
	})
	t.Run("stage", func(t *testing.T) {
		t.Parallel()
		s, compat, err := definition.DecodeStageJSON([]byte(`{"name_en": "Initial Review", "pipeline_id": 4, "order": 2,
			"stage_info": {"approvals": [{"approval_type": "ROLE", "user_role": 1}]}}`))
		if err != nil {
			t.Fatal(err)
		}
		want := &definition.Stage{
			Name: definition.Name{"en": "Initial Review"}, Order: 2, IsActive: true,
			Info: definition.Info{Color: "#3498db", Approvals: []definition.Step{
				{ApprovalType: "role", UserRole: "1", RoleSelectionStrategy: "anyone", StepApprovalType: "approve"},
			}},
		}
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("stage (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(&definition.Compat{PipelineID: "4", OrderGiven: true}, compat); diff != "" {
			t.Errorf("compat (-want +got):\n%s", diff)
		}
		_, _, err = definition.DecodeStageJSON([]byte(`{"stage_info": {"approvals": [{"approval_type": 2}]}}`))
		requireErrors(t, err, []flowtype.FieldError{fe("stage_info.approvals[0].approval_type", "must be a string")})
	})
	t.Run("action", func(t *testing.T) {
		t.Parallel()
		a, err := definition.DecodeActionJSON([]byte(`{"action_type": "after_approve", "function_path": "email"}`))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&definition.Action{ActionType: "after_approve", Handler: "email", Order: 1, IsActive: true}, a); diff != "" {
			t.Errorf("action (-want +got):\n%s", diff)
		}
		_, err = definition.DecodeActionJSON([]byte(`{"scope": "stage"}`))
		requireErrors(t, err, []flowtype.FieldError{fe("scope", "unknown field")})
	})
}
