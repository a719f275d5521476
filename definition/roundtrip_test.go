package definition_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// TestRoundTripProperty: every valid definition, of every strategy, exports
// and imports back to an equal workflow in JSON and in YAML, and its export
// satisfies the JSON Schema.
func TestRoundTripProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		w := genWorkflow(t)
		if err := definition.Validate(w, nil); err != nil {
			t.Fatalf("generator made an invalid workflow: %v", err)
		}
		requireRoundTrip(t, w)
		doc, _ := definition.EncodeJSON(w)
		if err := schemaCheck(t, doc, "json"); err != nil {
			t.Fatalf("schema refuses the export: %v\n%s", err, doc)
		}
	})
}

// tricky strings are the ones YAML and JSON writers get wrong.
var tricky = []string{
	"yes", "no", "null", "~", "1", "1.0", "0x1F", "-", "", " lead", "trail ", "a: b", "# c", "'q'", `"dq"`,
	"<b>&amp;", "line\nbreak", "tab\tin", "موافقة", "日本語", "emoji 🎉", "back\\slash", "{x}", "[y]", "@at", "%p",
}

func genText(t *rapid.T, label string) string {
	return rapid.OneOf(rapid.SampledFrom(tricky), rapid.String()).Draw(t, label)
}

func genNonEmptyText(t *rapid.T, label string) string {
	return rapid.OneOf(rapid.SampledFrom(tricky), rapid.StringN(1, 12, -1)).
		Filter(func(s string) bool { return s != "" }).Draw(t, label)
}

func genName(t *rapid.T) definition.Name {
	tags := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"en", "ar", "fr", "fr-CA", "zh-Hant-TW", "de"}), 1, 3, rapid.ID[string]).Draw(t, "tags")
	n := definition.Name{}
	for _, tag := range tags {
		n[tag] = genNonEmptyText(t, "name."+tag)
	}
	return n
}

func genID(t *rapid.T, label string) string {
	return rapid.OneOf(rapid.StringMatching(`[a-z][a-z0-9-]{0,8}`), rapid.StringMatching(`[1-9][0-9]{0,6}`), rapid.StringN(1, 6, -1)).Draw(t, label)
}

// genValue makes a free JSON value in canonical form.
func genValue(t *rapid.T, depth int) any {
	kinds := []string{"null", "bool", "int", "string"}
	if depth < 2 {
		kinds = append(kinds, "list", "object")
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "bool":
		return rapid.Bool().Draw(t, "bool")
	case "int":
		return rapid.IntRange(-1e6, 1e6).Draw(t, "int")
	case "string":
		return genText(t, "string")
	case "list":
		n := rapid.IntRange(0, 3).Draw(t, "len")
		out := make([]any, n)
		for i := range out {
			out[i] = genValue(t, depth+1)
		}
		return out
	case "object":
		n := rapid.IntRange(0, 3).Draw(t, "len")
		out := map[string]any{}
		for range n {
			out[genText(t, "key")] = genValue(t, depth+1)
		}
		return out
	}
	return nil
}

// genRaw spells v as Decode keeps free values (canonical JSON) by going
// through a step's extra key.
func genRaw(t *rapid.T, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var s definition.Step
	doc := `{"approval_type": "user", "x": ` + string(b) + `}`
	if err := json.Unmarshal([]byte(doc), &s); err != nil {
		t.Fatal(err)
	}
	return s.Extra["x"]
}

func genExtra(t *rapid.T, reserved ...string) map[string]json.RawMessage {
	n := rapid.IntRange(0, 2).Draw(t, "extras")
	if n == 0 {
		return nil
	}
	out := map[string]json.RawMessage{}
	for range n {
		key := rapid.OneOf(rapid.SampledFrom(tricky), rapid.String()).
			Filter(func(k string) bool { return !slices.Contains(reserved, k) }).Draw(t, "extra key")
		out[key] = genRaw(t, genValue(t, 0))
	}
	return out
}

var stepFields = []string{
	"approval_type", "approval_user", "user_role", "role_selection_strategy", "quorum_count",
	"quorum_percent", "step_approval_type", "required_form", "condition",
}

func genStep(t *rapid.T) definition.Step {
	s := definition.Step{
		ApprovalType:     rapid.SampledFrom([]string{"user", "role", "self-approved"}).Draw(t, "approval_type"),
		StepApprovalType: rapid.SampledFrom([]string{"approve", "submit", "check_in_verify", "move"}).Draw(t, "step type"),
	}
	switch s.ApprovalType {
	case "user":
		s.ApprovalUser = genID(t, "approval_user")
	case "role":
		s.UserRole = genID(t, "user_role")
		s.RoleSelectionStrategy = rapid.SampledFrom([]string{"anyone", "consensus", "round_robin", "quorum"}).Draw(t, "strategy")
		if s.RoleSelectionStrategy == "quorum" {
			if rapid.Bool().Draw(t, "by count") {
				s.QuorumCount = ptr(rapid.IntRange(1, 50).Draw(t, "count"))
			} else {
				s.QuorumPercent = ptr(rapid.IntRange(1, 100).Draw(t, "percent"))
			}
		}
	}
	switch s.StepApprovalType {
	case "submit":
		s.RequiredForm = genID(t, "form")
	case "approve", "check_in_verify":
		if rapid.Bool().Draw(t, "has form") {
			s.RequiredForm = genID(t, "form")
		}
	}
	if rapid.Bool().Draw(t, "has condition") {
		s.Condition = rapid.SampledFrom([]string{"subject.amount > 10000", "metadata.priority == 'high'", "size(subject.items) < 3 && true"}).Draw(t, "condition")
	}
	s.Extra = genExtra(t, stepFields...)
	return s
}

func genSteps(t *rapid.T, min int) []definition.Step {
	n := rapid.IntRange(min, 3).Draw(t, "steps")
	if n == 0 {
		return nil
	}
	out := make([]definition.Step, n)
	for i := range out {
		out[i] = genStep(t)
	}
	return out
}

func genInfo(t *rapid.T, minSteps int, color bool) definition.Info {
	in := definition.Info{Approvals: genSteps(t, minSteps), Extra: genExtra(t, "approvals", "color")}
	if color {
		in.Color = rapid.SampledFrom([]string{definition.DefaultStageColor, "#fff", "#8E44AD", "#27ae60"}).Draw(t, "color")
	}
	return in
}

// ids hands out unique node ids, or none.
type ids struct{ n int }

func (g *ids) next(t *rapid.T) string {
	if rapid.Bool().Draw(t, "has id") {
		return ""
	}
	g.n++
	return fmt.Sprintf("node-%d", g.n)
}

func genActions(t *rapid.T, g *ids) []definition.Action {
	n := rapid.IntRange(0, 2).Draw(t, "actions")
	if n == 0 {
		return nil
	}
	out := make([]definition.Action, n)
	for i := range out {
		a := definition.Action{
			ID:         g.next(t),
			ActionType: string(rapid.SampledFrom(flowtype.ActionEvents).Draw(t, "action_type")),
			Handler:    rapid.StringMatching(`[a-z][a-z_.]{0,12}`).Draw(t, "handler"),
			Order:      rapid.IntRange(-3, 100).Draw(t, "order"),
			IsActive:   rapid.Bool().Draw(t, "is_active"),
		}
		if rapid.Bool().Draw(t, "has parameters") {
			params := map[string]any{}
			for range rapid.IntRange(0, 3).Draw(t, "params") {
				params[genText(t, "param")] = genValue(t, 1)
			}
			a.Parameters = genRaw(t, params)
		}
		out[i] = a
	}
	return out
}

func genOrders(t *rapid.T, n int) []int {
	return rapid.SliceOfNDistinct(rapid.IntRange(0, 1000), n, n, rapid.ID[int]).Draw(t, "orders")
}

func genWorkflow(t *rapid.T) *definition.Workflow {
	g := &ids{}
	w := &definition.Workflow{
		ID:                rapid.OneOf(rapid.Just(""), rapid.StringMatching(`wf-[0-9]{1,4}`)).Draw(t, "id"),
		Name:              genName(t),
		Description:       rapid.OneOf(rapid.Just(""), rapid.String()).Draw(t, "description"),
		Strategy:          definition.Strategy(rapid.IntRange(1, 3).Draw(t, "strategy")),
		IsActive:          rapid.Bool().Draw(t, "is_active"),
		AllowSelfApproval: rapid.Bool().Draw(t, "allow_self_approval"),
	}
	w.Actions = genActions(t, g)
	switch w.Strategy {
	case definition.StrategyWorkflowOnly:
		w.Info = genInfo(t, 1, false)
		return w
	default:
		w.Info = genInfo(t, 0, false)
	}
	n := rapid.IntRange(0, 3).Draw(t, "pipelines")
	for i, order := range genOrders(t, n) {
		p := definition.Pipeline{ID: g.next(t), Name: genName(t), Order: order, Actions: genActions(t, g)}
		if rapid.Bool().Draw(t, "has department") {
			p.Department = &definition.Department{
				Type: rapid.SampledFrom([]string{"", "department", "team"}).Draw(t, "department type"),
				ID:   genID(t, "department id"),
			}
		}
		if w.Strategy == definition.StrategyPipeline {
			p.Info = genInfo(t, 1, false)
		} else {
			p.Info = genInfo(t, 0, false)
			m := rapid.IntRange(0, 3).Draw(t, fmt.Sprintf("stages of %d", i))
			for _, so := range genOrders(t, m) {
				p.Stages = append(p.Stages, definition.Stage{
					ID: g.next(t), Name: genName(t), Order: so, IsActive: rapid.Bool().Draw(t, "stage active"),
					Info: genInfo(t, 0, true), Actions: genActions(t, g),
				})
			}
		}
		w.Pipelines = append(w.Pipelines, p)
	}
	return w
}
