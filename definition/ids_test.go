package definition_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

const treeDoc = `{"id": "w1", "name": "W",
	"workflow_info": {"approvals": [{"approval_type": "user", "approval_user": "u2"}]},
	"actions": [{"action_type": "after_approve", "handler": "email"}],
	"pipelines": [
		{"id": "p-keep", "name": "A", "actions": [{"action_type": "after_reject", "handler": "webhook"}],
		 "stages": [{"name": "S", "stage_info": {"approvals": [{"approval_type": "role", "user_role": "finance", "required_form": "F"},
			{"approval_type": "user", "approval_user": "u1"}]},
			"actions": [{"id": "a-keep", "action_type": "after_approve", "handler": "email"}]}]},
		{"name": "B", "pipeline_info": {"approvals": [{"approval_type": "user", "approval_user": "u1"}]},
		 "stages": [{"name": "T", "actions": [{"action_type": "after_approve", "handler": "email"}]}]}]}`

func TestAssignIDsAndNodes(t *testing.T) {
	t.Parallel()
	w := mustDecode(t, treeDoc, "json")
	n := 0
	definition.AssignIDs(w, func(kind string) string {
		n++
		return fmt.Sprintf("%s-%d", kind, n)
	})
	want := []flowtype.Node{
		{ID: "action-1", Kind: "action", WorkflowID: "w1"},
		{ID: "p-keep", Kind: "pipeline", WorkflowID: "w1"},
		{ID: "action-2", Kind: "action", WorkflowID: "w1"},
		{ID: "stage-3", Kind: "stage", WorkflowID: "w1"},
		{ID: "a-keep", Kind: "action", WorkflowID: "w1"},
		{ID: "pipeline-4", Kind: "pipeline", WorkflowID: "w1"},
		{ID: "stage-5", Kind: "stage", WorkflowID: "w1"},
		{ID: "action-6", Kind: "action", WorkflowID: "w1"},
	}
	if diff := cmp.Diff(want, definition.Nodes(w)); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	// A second pass changes nothing: every node has an id.
	definition.AssignIDs(w, func(string) string { t.Fatal("newID called"); return "" })
	if err := definition.Validate(w, nil); err != nil {
		t.Errorf("assigned ids do not validate: %v", err)
	}
}

func TestNodesSkipsEmptyIDs(t *testing.T) {
	t.Parallel()
	if nodes := definition.Nodes(mustDecode(t, treeDoc, "json")); len(nodes) != 2 {
		t.Errorf("nodes = %v, want only p-keep and a-keep", nodes)
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	w := mustDecode(t, treeDoc, "json")
	n := 0
	definition.AssignIDs(w, func(kind string) string { n++; return fmt.Sprintf("%s-%d", kind, n) })
	if p := w.FindPipeline("p-keep"); p != &w.Pipelines[0] {
		t.Errorf("FindPipeline = %p", p)
	}
	if p := w.FindPipeline("nope"); p != nil {
		t.Errorf("FindPipeline(nope) = %v", p)
	}
	stageID := w.Pipelines[1].Stages[0].ID
	if p, s := w.FindStage(stageID); p != &w.Pipelines[1] || s != &w.Pipelines[1].Stages[0] {
		t.Errorf("FindStage = %p, %p", p, s)
	}
	if p, s := w.FindStage(""); p != nil || s != nil {
		t.Errorf("FindStage(empty) found something")
	}
	tests := []struct {
		id, scope, scopeID string
		want               *definition.Action
	}{
		{w.Actions[0].ID, definition.ScopeWorkflow, "w1", &w.Actions[0]},
		{w.Pipelines[0].Actions[0].ID, definition.ScopePipeline, "p-keep", &w.Pipelines[0].Actions[0]},
		{"a-keep", definition.ScopeStage, w.Pipelines[0].Stages[0].ID, &w.Pipelines[0].Stages[0].Actions[0]},
		{"nope", "", "", nil},
	}
	for _, tt := range tests {
		a, scope, scopeID := w.FindAction(tt.id)
		if a != tt.want || scope != tt.scope || scopeID != tt.scopeID {
			t.Errorf("FindAction(%q) = %p, %q, %q; want %p, %q, %q", tt.id, a, scope, scopeID, tt.want, tt.scope, tt.scopeID)
		}
	}
}

func TestRefs(t *testing.T) {
	t.Parallel()
	want := definition.References{
		Users: []string{"u1", "u2"}, Roles: []string{"finance"}, Forms: []string{"F"}, Handlers: []string{"email", "webhook"},
	}
	if diff := cmp.Diff(want, definition.Refs(mustDecode(t, treeDoc, "json"))); diff != "" {
		t.Errorf("refs (-want +got):\n%s", diff)
	}
}

func TestNodePathAndRelativeTo(t *testing.T) {
	t.Parallel()
	w := mustDecode(t, `{"name": "W", "actions": [{"id": "a0", "action_type": "after_approve", "handler": "h"}],
		"pipelines": [{"id": "p0", "name": "A", "actions": [{"id": "a1", "action_type": "after_approve", "handler": "h"}],
		"stages": [{"id": "s0", "name": "S", "actions": [{"id": "a2", "action_type": "after_approve", "handler": "h"}],
		"stage_info": {"approvals": [{"approval_type": "self-approved", "step_approval_type": "submit"}]}}]}]}`, "json")
	for id, want := range map[string]string{
		"a0": "actions[0]", "p0": "pipelines[0]", "a1": "pipelines[0].actions[0]",
		"s0": "pipelines[0].stages[0]", "a2": "pipelines[0].stages[0].actions[0]", "nope": "", "": "",
	} {
		if got := w.NodePath(id); got != want {
			t.Errorf("NodePath(%q) = %q, want %q", id, got, want)
		}
	}
	w.Pipelines[0].Order = -1
	err := definition.RelativeTo(definition.Validate(w, nil), w.NodePath("s0"))
	requireErrors(t, err, []flowtype.FieldError{
		fe("pipelines[0].order", "order must be 0 or more"),
		fe("stage_info.approvals[0].required_form", definition.MsgSubmitNeedsForm),
	})
	err = definition.RelativeTo(definition.Validate(w, nil), "pipelines[0].order")
	requireErrors(t, err, []flowtype.FieldError{
		fe("", "order must be 0 or more"),
		fe("pipelines[0].stages[0].stage_info.approvals[0].required_form", definition.MsgSubmitNeedsForm),
	})
	if err := definition.RelativeTo(nil, "x"); err != nil {
		t.Errorf("RelativeTo(nil) = %v", err)
	}
}
