package flowgate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// resolutionDef is a strategy-1 workflow with one pipeline "P" holding
// stages "S" and "T", actions given per test.
func resolutionDef(stage, pipeline, workflow []definition.Action) *definition.Workflow {
	return &definition.Workflow{
		ID: "W", Strategy: 1, Actions: workflow,
		Pipelines: []definition.Pipeline{{ID: "P", Actions: pipeline, Stages: []definition.Stage{
			{ID: "S", IsActive: true, Actions: stage},
			{ID: "T", IsActive: true},
		}}},
	}
}

// act is an action of type typ with a tag parameter.
func act(id, typ, tag string, order int, active bool) definition.Action {
	return definition.Action{ID: id, ActionType: typ, Handler: "record", Order: order, IsActive: active,
		Parameters: json.RawMessage(`{"tag":"` + tag + `"}`)}
}

func tagsOf(rs []resolvedAction) string {
	var out []string
	for _, r := range rs {
		var p struct{ Tag, Template string }
		_ = json.Unmarshal(r.action.Parameters, &p)
		tag := p.Tag
		if tag == "" {
			tag = p.Template
		}
		out = append(out, fmt.Sprintf("%s/%s:%s", r.tier, r.level, tag))
	}
	return strings.Join(out, " ")
}

func TestResolveActions(t *testing.T) {
	t.Parallel()
	const approve, reject = "after_approve", "after_reject"
	stageActs := []definition.Action{act("s2", approve, "s2", 2, true), act("s1", approve, "s1", 1, true)}
	pipeActs := []definition.Action{act("p1", approve, "p", 1, true)}
	wfActs := []definition.Action{act("w1", approve, "w", 1, true)}
	cfg := SettingsForAll(act("", approve, "cfg2", 2, true), act("", approve, "cfg1", 1, true), act("", reject, "cfgr", 1, true))
	byType := ActionSettings{"purchase_request": {act("", approve, "pr", 1, true)}, "default": {act("", approve, "dflt", 1, true)}}
	atS := &flowtype.Event{Type: approve, PipelineID: "P", StageID: "S"}
	atT := &flowtype.Event{Type: approve, PipelineID: "P", StageID: "T"}

	tests := []struct {
		name     string
		def      *definition.Workflow
		settings ActionSettings
		subject  string
		ev       *flowtype.Event
		want     string
	}{
		{"stage level wins alone, by order", resolutionDef(stageActs, pipeActs, wfActs), cfg, "x", atS,
			"database/stage:s1 database/stage:s2"},
		{"pipeline level when the stage has none", resolutionDef(nil, pipeActs, wfActs), cfg, "x", atS,
			"database/pipeline:p"},
		{"a stage without actions falls to its pipeline", resolutionDef(stageActs, pipeActs, wfActs), cfg, "x", atT,
			"database/pipeline:p"},
		{"workflow level last", resolutionDef(nil, nil, wfActs), cfg, "x", atS, "database/workflow:w"},
		{"inactive stage actions do not count", resolutionDef(
			[]definition.Action{act("s1", approve, "s1", 1, false)}, pipeActs, wfActs), cfg, "x", atS, "database/pipeline:p"},
		{"inactive actions are skipped within the winning level", resolutionDef(
			[]definition.Action{act("s1", approve, "s1", 1, false), act("s2", approve, "s2", 1, true)}, nil, nil), nil, "x", atS,
			"database/stage:s2"},
		{"other event types do not count", resolutionDef(
			[]definition.Action{act("s1", reject, "s1", 1, true)}, nil, wfActs), cfg, "x", atS, "database/workflow:w"},
		{"equal order sorts by id", resolutionDef(
			[]definition.Action{act("b", approve, "b", 1, true), act("a", approve, "a", 1, true), act("c", approve, "c", 0, true)}, nil, nil),
			nil, "x", atS, "database/stage:c database/stage:a database/stage:b"},
		{"settings when no database action, by order", resolutionDef(nil, nil, nil), cfg, "x", atS,
			"settings/:cfg1 settings/:cfg2"},
		{"settings by subject type", resolutionDef(nil, nil, nil), byType, "purchase_request", atS, "settings/:pr"},
		{"settings default entry for other types", resolutionDef(nil, nil, nil), byType, "ticket", atS, "settings/:dflt"},
		{"empty settings list means no actions", resolutionDef(nil, nil, nil), SettingsForAll(), "x", atS, ""},
		{"empty list for the subject type means no actions", resolutionDef(nil, nil, nil),
			ActionSettings{"purchase_request": {}, "default": {act("", approve, "dflt", 1, true)}}, "purchase_request", atS, ""},
		{"settings of other types only: defaults", resolutionDef(nil, nil, nil),
			SettingsForAll(act("", reject, "r", 1, true)), "x", atS, "default/:workflow_approved"},
		{"no settings: defaults", resolutionDef(nil, nil, nil), nil, "x", atS, "default/:workflow_approved"},
		{"no settings for the type and no default entry: defaults", resolutionDef(nil, nil, nil),
			ActionSettings{"ticket": {act("", approve, "t", 1, true)}}, "x", atS, "default/:workflow_approved"},
		{"database beats settings and defaults", resolutionDef(nil, nil, wfActs), nil, "x", atS, "database/workflow:w"},
		{"no default for on_workflow_start", resolutionDef(nil, nil, nil), nil, "x",
			&flowtype.Event{Type: "on_workflow_start", PipelineID: "P", StageID: "S"}, ""},
		{"default for after_delegate", resolutionDef(nil, nil, nil), nil, "x",
			&flowtype.Event{Type: "after_delegate", PipelineID: "P", StageID: "S"}, "default/:workflow_delegated"},
		{"history-only events never resolve", resolutionDef(
			[]definition.Action{act("s1", "task_approved", "s1", 1, true)}, nil, nil), cfg, "x",
			&flowtype.Event{Type: "task_approved", PipelineID: "P", StageID: "S"}, ""},
		{"checked_in never resolves", resolutionDef(nil, nil, nil), nil, "x",
			&flowtype.Event{Type: "checked_in", PipelineID: "P", StageID: "S"}, ""},
		{"resubmitted never resolves", resolutionDef(nil, nil, nil), nil, "x",
			&flowtype.Event{Type: "resubmitted", PipelineID: "P", StageID: "S"}, ""},
		{"strategy 3: workflow level only", &definition.Workflow{ID: "X", Strategy: 3, Actions: wfActs}, nil, "x",
			&flowtype.Event{Type: approve}, "database/workflow:w"},
		{"a stage missing from the definition falls through", resolutionDef(stageActs, nil, nil), nil, "x",
			&flowtype.Event{Type: approve, PipelineID: "gone", StageID: "gone"}, "default/:workflow_approved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := resolveActions(tt.def, tt.settings, tt.subject, tt.ev)
			if s := tagsOf(got); s != tt.want {
				t.Fatalf("got %q, want %q", s, tt.want)
			}
			tiers := map[flowtype.Tier]bool{}
			for _, r := range got {
				tiers[r.tier] = true
				if r.action.ID != "" && r.tier != flowtype.TierDatabase {
					t.Fatalf("a %s action carries an id", r.tier)
				}
			}
			if len(tiers) > 1 {
				t.Fatalf("more than one tier ran: %v", tiers)
			}
		})
	}
}

func TestDefaultActions(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"after_approve":      `{"recipients":["creator"],"subject":"Workflow Approved","template":"workflow_approved"}`,
		"after_reject":       `{"recipients":["creator"],"subject":"Workflow Rejected","template":"workflow_rejected"}`,
		"after_resubmission": `{"recipients":["creator","current_approver"],"subject":"Resubmission Required","template":"workflow_resubmission_required"}`,
		"after_delegate":     `{"recipients":["delegated_to","creator"],"subject":"Workflow Delegated","template":"workflow_delegated"}`,
		"after_move_stage":   `{"recipients":["creator"],"subject":"Workflow Progressed to Next Stage","template":"workflow_action_required"}`,
	}
	got := DefaultActions()
	if len(got) != len(want) {
		t.Fatalf("%d default actions, want %d", len(got), len(want))
	}
	for _, a := range got {
		if a.Handler != HandlerEmail || !a.IsActive || string(a.Parameters) != want[a.ActionType] {
			t.Fatalf("default %s: %+v %s", a.ActionType, a, a.Parameters)
		}
	}
}

func TestActionSettingsDecode(t *testing.T) {
	t.Parallel()
	var flat ActionSettings
	if err := json.Unmarshal([]byte(`[{"action_type": "after_approve", "function_path": "crm.notify", "order": 2,
		"parameters": {"recipients": ["creator"]}}]`), &flat); err != nil {
		t.Fatal(err)
	}
	if l := flat["default"]; len(l) != 1 || l[0].Handler != "crm.notify" || l[0].Order != 2 {
		t.Fatalf("flat list: %+v", flat)
	}
	var byType ActionSettings
	if err := json.Unmarshal([]byte(`{"default": [], "crm.Opportunity": [{"action_type": "after_reject", "handler": "log"}]}`), &byType); err != nil {
		t.Fatal(err)
	}
	if l, ok := byType["default"]; !ok || len(l) != 0 || byType["crm.Opportunity"][0].Order != 1 {
		t.Fatalf("by type: %+v", byType)
	}
	cfg := Config{Actions: SettingsForAll(definition.Action{ActionType: "task_approved", Handler: "x"})}
	if err := cfg.validateActions(); err == nil {
		t.Fatal("a settings action on a history-only event must be refused")
	}
}
