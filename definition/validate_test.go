package definition_test

import (
	"testing"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

type validateCase struct {
	name string
	doc  string // JSON
	want []flowtype.FieldError
}

func runValidate(t *testing.T, dir definition.Directory, tests []validateCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := mustDecode(t, tt.doc, "json")
			requireErrors(t, definition.Validate(w, dir), tt.want)
		})
	}
}

func TestValidateStrategies(t *testing.T) {
	t.Parallel()
	runValidate(t, nil, []validateCase{
		{"strategy out of range", `{"name": "W", "strategy": 4}`, []flowtype.FieldError{fe("strategy", "strategy must be 1, 2 or 3")}},
		{"strategy zero", `{"name": "W", "strategy": 0}`, []flowtype.FieldError{fe("strategy", "strategy must be 1, 2 or 3")}},
		{"strategy 1 without pipelines saves (incomplete)", `{"name": "W"}`, nil},
		{"strategy 1 pipeline without stages saves (incomplete)", `{"name": "W", "pipelines": [{"name": "Finance"}]}`, nil},
		{
			"strategy 1 keeps unused approvals but checks them",
			`{"name": "W", "workflow_info": {"approvals": [{"approval_type": "user"}]},
				"pipelines": [{"name": "P", "pipeline_info": {"approvals": [{"approval_type": "role", "user_role": 1}]}}]}`,
			[]flowtype.FieldError{fe("workflow_info.approvals[0].approval_user", definition.MsgApprovalUserRequired)},
		},
		{
			"strategy 2 valid",
			`{"name": "W", "strategy": 2, "pipelines": [{"name": "HR", "pipeline_info": {"approvals": [{"approval_type": "role", "user_role": 2}]}}]}`,
			nil,
		},
		{
			"strategy 2 pipeline with stages (A03)",
			`{"name": "W", "strategy": 2, "pipelines": [{"name": "HR", "pipeline_info": {"approvals": [{"approval_type": "role", "user_role": 2}]},
				"stages": [{"name": "S"}]}]}`,
			[]flowtype.FieldError{fe("pipelines[0]", "Strategy 2 (Workflow→Pipeline) cannot have stages.")},
		},
		{
			"strategy 2 pipeline with number_of_stages",
			`{"name": "W", "strategy": 2, "pipelines": [{"name": "HR", "pipeline_info": {"approvals": [{"approval_type": "role", "user_role": 2}]},
				"number_of_stages": 2}]}`,
			[]flowtype.FieldError{fe("pipelines[0]", "Strategy 2 (Workflow→Pipeline) cannot have stages.")},
		},
		{
			"strategy 2 pipeline without approvals (A03)",
			`{"name": "W", "strategy": 2, "pipelines": [{"name": "HR"}, {"name": "IT", "pipeline_info": {"approvals": []}}]}`,
			[]flowtype.FieldError{
				fe("pipelines[0].pipeline_info", "Strategy 2 pipeline must have approvals in pipeline_info."),
				fe("pipelines[1].pipeline_info", "Strategy 2 pipeline must have approvals in pipeline_info."),
			},
		},
		{
			"strategy 3 valid",
			`{"name": "W", "strategy": 3, "workflow_info": {"approvals": [{"approval_type": "user", "approval_user": 123}]}}`,
			nil,
		},
		{
			"strategy 3 with a pipeline (A04)",
			`{"name": "W", "strategy": 3, "workflow_info": {"approvals": [{"approval_type": "user", "approval_user": 1}]},
				"pipelines": [{"name": "P"}]}`,
			[]flowtype.FieldError{fe("pipelines", "Cannot create pipelines for Strategy 3 (Workflow Only) workflows.")},
		},
		{
			"strategy 3 without approvals (A04)",
			`{"name": "W", "strategy": 3, "workflow_info": {}}`,
			[]flowtype.FieldError{fe("workflow_info", "Strategy 3 (Workflow Only) requires approvals in workflow_info.")},
		},
	})
}

func TestValidateSteps(t *testing.T) {
	t.Parallel()
	p := func(field string) string { return stepPath + "." + field }
	runValidate(t, nil, []validateCase{
		{"SUBMIT needs a form (A05)", stepDoc(`{"approval_type": "self-approved", "step_approval_type": "submit"}`),
			[]flowtype.FieldError{fe(p("required_form"), "SUBMIT step_approval_type requires a required_form to be specified")}},
		{"MOVE forbids a form (A05)", stepDoc(`{"approval_type": "user", "approval_user": "r1", "step_approval_type": "move", "required_form": "F"}`),
			[]flowtype.FieldError{fe(p("required_form"), "MOVE step_approval_type cannot have a required_form")}},
		{"MOVE without a form (A05)", stepDoc(`{"approval_type": "user", "approval_user": "r1", "step_approval_type": "move"}`), nil},
		{"values are case-insensitive (A06)", stepDoc(
			`{"approval_type": "USER", "approval_user": "r1", "step_approval_type": "SuBmIt", "required_form": "F"}`,
			`{"approval_type": "Role", "user_role": "finance", "role_selection_strategy": "CONSENSUS"}`), nil},
		{"every type and strategy", stepDoc(
			`{"approval_type": "self-approved", "step_approval_type": "check_in_verify"}`,
			`{"approval_type": "role", "user_role": "r", "role_selection_strategy": "round_robin", "step_approval_type": "approve"}`,
			`{"approval_type": "role", "user_role": "r", "role_selection_strategy": "anyone", "condition": "subject.amount > 10000"}`), nil},
		{"unknown step_approval_type (A07)", stepDoc(`{"approval_type": "self-approved", "step_approval_type": "invalid_type"}`),
			[]flowtype.FieldError{fe(p("step_approval_type"), "Invalid step_approval_type: invalid_type. Must be one of: approve, submit, check_in_verify, move (case-insensitive)")}},
		{"role without user_role (A07)", stepDoc(`{"approval_type": "role"}`),
			[]flowtype.FieldError{fe(p("user_role"), "user_role is required for ROLE approval type")}},
		{"user without approval_user (A07)", stepDoc(`{"approval_type": "user"}`),
			[]flowtype.FieldError{fe(p("approval_user"), "approval_user is required for USER approval type")}},
		{"unknown approval_type (A07)", stepDoc(`{"approval_type": "boss"}`),
			[]flowtype.FieldError{fe(p("approval_type"), "Invalid approval_type: boss. Must be one of: user, role, self-approved (case-insensitive)")}},
		{"missing approval_type", stepDoc(`{"approval_user": "r1"}`),
			[]flowtype.FieldError{fe(p("approval_type"), "approval_type is required")}},
		{"unknown role_selection_strategy", stepDoc(`{"approval_type": "role", "user_role": "r", "role_selection_strategy": "Random"}`),
			[]flowtype.FieldError{fe(p("role_selection_strategy"), "Invalid role_selection_strategy: random. Must be one of: anyone, consensus, round_robin, quorum (case-insensitive)")}},
		{"role_selection_strategy on a user step", stepDoc(`{"approval_type": "user", "approval_user": "u", "role_selection_strategy": "anyone"}`),
			[]flowtype.FieldError{fe(p("role_selection_strategy"), "role_selection_strategy is only for ROLE approval type")}},
		{"approvers the step does not use", stepDoc(`{"approval_type": "role", "user_role": "r", "approval_user": "u"}`,
			`{"approval_type": "self-approved", "user_role": "r"}`),
			[]flowtype.FieldError{
				fe(p("approval_user"), "approval_user is only for USER approval type"),
				fe("pipelines[0].stages[0].stage_info.approvals[1].user_role", "user_role is only for ROLE approval type"),
			}},
		{"blank condition", stepDoc(`{"approval_type": "self-approved", "condition": "  "}`),
			[]flowtype.FieldError{fe(p("condition"), "condition must not be blank")}},
		{"several problems in one step", stepDoc(`{"approval_type": "user", "step_approval_type": "submit"}`),
			[]flowtype.FieldError{
				fe(p("approval_user"), definition.MsgApprovalUserRequired),
				fe(p("required_form"), definition.MsgSubmitNeedsForm),
			}},
	})
}

func TestValidateQuorum(t *testing.T) {
	t.Parallel()
	quorum := func(params string) string {
		return stepDoc(`{"approval_type": "role", "user_role": "finance", "role_selection_strategy": "quorum"` + params + `}`)
	}
	runValidate(t, nil, []validateCase{
		{"neither parameter (A09)", quorum(``),
			[]flowtype.FieldError{fe(stepPath, "quorum role_selection_strategy requires quorum_count or quorum_percent")}},
		{"both parameters (A09)", quorum(`, "quorum_count": 2, "quorum_percent": 50`),
			[]flowtype.FieldError{fe(stepPath, "give quorum_count or quorum_percent, not both")}},
		{"percent 0 (A09)", quorum(`, "quorum_percent": 0`),
			[]flowtype.FieldError{fe(stepPath, "quorum_percent must be between 1 and 100")}},
		{"percent 101 (A09)", quorum(`, "quorum_percent": 101`),
			[]flowtype.FieldError{fe(stepPath, "quorum_percent must be between 1 and 100")}},
		{"count 0 (A09)", quorum(`, "quorum_count": 0`),
			[]flowtype.FieldError{fe(stepPath, "quorum_count must be at least 1")}},
		{"count 2 (A09)", quorum(`, "quorum_count": 2`), nil},
		{"percent 1 and 100", stepDoc(
			`{"approval_type": "role", "user_role": "a", "role_selection_strategy": "quorum", "quorum_percent": 1}`,
			`{"approval_type": "role", "user_role": "a", "role_selection_strategy": "quorum", "quorum_percent": 100}`), nil},
		{"quorum parameters on a consensus step", stepDoc(
			`{"approval_type": "role", "user_role": "a", "role_selection_strategy": "consensus", "quorum_count": 2}`),
			[]flowtype.FieldError{fe(stepPath, "quorum_count and quorum_percent are only for the quorum role_selection_strategy")}},
		{"quorum parameters on a user step", stepDoc(`{"approval_type": "user", "approval_user": "u", "quorum_percent": 5}`),
			[]flowtype.FieldError{fe(stepPath, "quorum_count and quorum_percent are only for the quorum role_selection_strategy")}},
	})
}

func TestValidateDirectory(t *testing.T) {
	t.Parallel()
	dir := fakeDirectory{users: []string{"r1"}, roles: []string{"finance"}, forms: []string{"F"}, handlers: []string{"email"}}
	runValidate(t, dir, []validateCase{
		{"known ids", stepDoc(`{"approval_type": "user", "approval_user": "r1", "required_form": "F"}`,
			`{"approval_type": "role", "user_role": "finance"}`), nil},
		{"a user of another tenant (A08)", stepDoc(`{"approval_type": "user", "approval_user": "x1"}`),
			[]flowtype.FieldError{fe(stepPath+".approval_user", "User 'x1' does not exist")}},
		{"no such role (A08)", stepDoc(`{"approval_type": "role", "user_role": "nope", "role_selection_strategy": "anyone"}`),
			[]flowtype.FieldError{fe(stepPath+".user_role", "Role 'nope' does not exist")}},
		{"no such form", stepDoc(`{"approval_type": "self-approved", "step_approval_type": "submit", "required_form": "G"}`),
			[]flowtype.FieldError{fe(stepPath+".required_form", "Form 'G' does not exist")}},
		{"unregistered handler", `{"name": "W", "actions": [{"action_type": "after_approve", "handler": "email"},
			{"action_type": "after_reject", "function_path": "myapp.actions.sms"}]}`,
			[]flowtype.FieldError{fe("actions[1].handler", "Handler 'myapp.actions.sms' is not registered")}},
	})
	runValidate(t, nil, []validateCase{
		{"no directory, no lookups", stepDoc(`{"approval_type": "user", "approval_user": "x1", "required_form": "G"}`), nil},
	})
}

func TestValidateActions(t *testing.T) {
	t.Parallel()
	runValidate(t, nil, []validateCase{
		{"every event", `{"name": "W", "actions": [
			{"action_type": "after_approve", "handler": "h"}, {"action_type": "after_reject", "handler": "h"},
			{"action_type": "after_resubmission", "handler": "h"}, {"action_type": "after_delegate", "handler": "h"},
			{"action_type": "after_move_stage", "handler": "h"}, {"action_type": "after_move_pipeline", "handler": "h"},
			{"action_type": "on_workflow_start", "handler": "h"}, {"action_type": "on_workflow_complete", "handler": "h"},
			{"action_type": "after_withdraw", "handler": "h", "parameters": {"a": 1}}]}`, nil},
		{"unknown, missing and malformed", `{"name": "W", "actions": [{"action_type": "before_transition", "handler": "h"}, {"parameters": [1]}],
			"pipelines": [{"name": "P", "actions": [{"handler": "h"}], "stages": [{"name": "S", "actions": [{"action_type": "after_approve"}]}]}]}`,
			[]flowtype.FieldError{
				fe("actions[0].action_type", "Invalid action_type: before_transition. Must be one of: after_approve, after_reject, after_resubmission, after_delegate, after_move_stage, after_move_pipeline, on_workflow_start, on_workflow_complete, after_withdraw"),
				fe("actions[1].action_type", "action_type is required"),
				fe("actions[1].handler", "handler is required"),
				fe("actions[1].parameters", "parameters must be a JSON object"),
				fe("pipelines[0].actions[0].action_type", "action_type is required"),
				fe("pipelines[0].stages[0].actions[0].handler", "handler is required"),
			}},
	})
}

func TestValidateTree(t *testing.T) {
	t.Parallel()
	runValidate(t, nil, []validateCase{
		{"orders unique within their parent (A10)", `{"name": "W", "pipelines": [
			{"name": "A", "order": 1, "stages": [{"name": "S", "order": 0}, {"name": "T", "order": 0}]},
			{"name": "B", "order": 1, "stages": [{"name": "S", "order": 0}]}]}`,
			[]flowtype.FieldError{
				fe("pipelines[0].stages[1].order", "order 0 is already used by pipelines[0].stages[0]"),
				fe("pipelines[1].order", "order 1 is already used by pipelines[0]"),
			}},
		{"negative orders", `{"name": "W", "pipelines": [{"name": "A", "order": -1, "stages": [{"name": "S", "order": -2}]}]}`,
			[]flowtype.FieldError{
				fe("pipelines[0].order", "order must be 0 or more"),
				fe("pipelines[0].stages[0].order", "order must be 0 or more"),
			}},
		{"names required", `{"name_en": "", "pipelines": [{"name": {}, "stages": [{"order": 0}]}]}`,
			[]flowtype.FieldError{
				fe("name", "name is required"),
				fe("pipelines[0].name", "name is required"),
				fe("pipelines[0].stages[0].name", "name is required"),
			}},
		{"any language names a node", `{"name": {"ar": "سير"}}`, nil},
		{"colors", `{"name": "W", "pipelines": [{"name": "A", "stages": [
			{"name": "S", "stage_info": {"color": "#abc"}}, {"name": "T", "stage_info": {"color": "#A1b2C3"}},
			{"name": "U", "stage_info": {"color": "blue"}}, {"name": "V", "stage_info": {"color": "#abcd"}}]}]}`,
			[]flowtype.FieldError{
				fe("pipelines[0].stages[2].stage_info.color", "Invalid color: blue. Must be #rgb or #rrggbb"),
				fe("pipelines[0].stages[3].stage_info.color", "Invalid color: #abcd. Must be #rgb or #rrggbb"),
			}},
		{"node ids unique across the workflow", `{"id": "w", "name": "W", "actions": [{"id": "a", "action_type": "after_approve", "handler": "h"}],
			"pipelines": [{"id": "p", "name": "A", "stages": [{"id": "p", "name": "S"}, {"id": "w", "name": "T",
			"actions": [{"id": "a", "action_type": "after_approve", "handler": "h"}]}]}]}`,
			[]flowtype.FieldError{
				fe("pipelines[0].stages[0].id", "id 'p' is already used by pipelines[0]"),
				fe("pipelines[0].stages[1].actions[0].id", "id 'a' is already used by actions[0]"),
			}},
		{"department without id", `{"name": "W", "pipelines": [{"name": "A", "department": {"type": "d"}}]}`,
			[]flowtype.FieldError{fe("pipelines[0].department.id", "department id is required")}},
		{"every problem at once", `{"strategy": 2, "pipelines": [{"name": "A", "stages": [{"name": "S", "stage_info":
			{"approvals": [{"approval_type": "x"}]}}]}], "actions": [{"handler": "h"}]}`,
			[]flowtype.FieldError{
				fe("name", "name is required"),
				fe("actions[0].action_type", "action_type is required"),
				fe("pipelines[0]", definition.MsgStrategy2Stages),
				fe("pipelines[0].pipeline_info", definition.MsgStrategy2Approvals),
				fe("pipelines[0].stages[0].stage_info.approvals[0].approval_type", "Invalid approval_type: x. Must be one of: user, role, self-approved (case-insensitive)"),
			}},
	})
}

func TestValidateHandBuilt(t *testing.T) {
	t.Parallel()
	requireErrors(t, definition.Validate(nil, nil), []flowtype.FieldError{fe("", "a workflow is required")})
	// Empty enumerations of a hand-built step read as their defaults.
	w := &definition.Workflow{Name: definition.Name{"en": "W"}, Strategy: definition.StrategyWorkflowOnly,
		Info: definition.Info{Approvals: []definition.Step{{ApprovalType: "role", UserRole: "r"}}}}
	requireErrors(t, definition.Validate(w, nil), nil)
	w.Actions = []definition.Action{{ActionType: "after_approve", Handler: "h", Parameters: []byte(`{"a":`)}}
	requireErrors(t, definition.Validate(w, nil), []flowtype.FieldError{fe("actions[0].parameters", "parameters must be a JSON object")})
}
