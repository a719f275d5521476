package definition_test

import (
	"testing"

	"github.com/flowgate/flowgate/definition"
)

func TestCompleteness(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		doc       string
		wantValid bool
		wantMsg   string
	}{
		{"strategy 1 without pipelines (A01)", `{"name": "Empty"}`, false, "Strategy 1 workflow must have at least one pipeline"},
		{"strategy 1 pipeline without stages (A02)", `{"name": "W", "pipelines": [{"name": "A", "order": 0, "stages": [{"name": "S"}]},
			{"name": {"ar": "م", "en": "Finance"}, "order": 1}]}`, false, "Pipeline 'Finance' must have at least one stage"},
		{"strategy 1 pipelines checked in run order", `{"name": "W", "pipelines": [{"name": "Late", "order": 5},
			{"name": "Early", "order": 1}]}`, false, "Pipeline 'Early' must have at least one stage"},
		{"strategy 1 with every stage inactive", `{"name": "W", "pipelines": [{"name": "A", "stages": [{"name": "S", "is_active": false}]}]}`,
			false, "Strategy 1 workflow must have at least one active stage"},
		{"strategy 1 complete; empty approvals are self-approval", `{"name": "W", "pipelines": [{"name": "A", "stages": [{"name": "S"},
			{"name": "T", "is_active": false}]}]}`, true, "Strategy 1 workflow is complete and valid"},
		{"strategy 2 without pipelines", `{"name": "W", "strategy": 2}`, false, "Strategy 2 workflow must have at least one pipeline"},
		{"strategy 2 pipeline without approvals", `{"name": "W", "strategy": 2, "pipelines": [{"name": "HR"}]}`,
			false, "Strategy 2 pipeline 'HR' must have approvals in pipeline_info"},
		{"strategy 2 pipeline with stages", `{"name": "W", "strategy": 2, "pipelines": [{"name": "HR",
			"pipeline_info": {"approvals": [{"approval_type": "self-approved"}]}, "stages": [{"name": "S"}]}]}`,
			false, "Strategy 2 pipeline 'HR' cannot have stages (approvals are at pipeline level)"},
		{"strategy 2 complete", `{"name": "W", "strategy": 2, "pipelines": [{"name": "HR",
			"pipeline_info": {"approvals": [{"approval_type": "self-approved"}]}}]}`, true, "Strategy 2 workflow is complete and valid"},
		{"strategy 3 without approvals", `{"name": "W", "strategy": 3}`, false, "Strategy 3 workflow must have approvals in workflow_info"},
		{"strategy 3 with pipelines", `{"name": "W", "strategy": 3, "workflow_info": {"approvals": [{"approval_type": "self-approved"}]},
			"pipelines": [{"name": "P"}]}`, false, "Strategy 3 workflow cannot have pipelines (approvals are at workflow level only)"},
		{"strategy 3 complete", `{"name": "W", "strategy": 3, "workflow_info": {"approvals": [{"approval_type": "self-approved"}]}}`,
			true, "Strategy 3 workflow is complete and valid"},
		{"unknown strategy", `{"name": "W", "strategy": 4}`, false, "Unknown strategy: 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			valid, msg := definition.Completeness(mustDecode(t, tt.doc, "json"))
			if valid != tt.wantValid || msg != tt.wantMsg {
				t.Errorf("Completeness = %v, %q; want %v, %q", valid, msg, tt.wantValid, tt.wantMsg)
			}
		})
	}
	if valid, msg := definition.Completeness(nil); valid || msg != "a workflow is required" {
		t.Errorf("Completeness(nil) = %v, %q", valid, msg)
	}
}
