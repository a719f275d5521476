package definition

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/flowgate/flowgate/flowtype"
)

// Directory answers whether the things a definition names exist in the
// tenant it is saved for. Validate calls it once per reference; callers
// with a database usually load the ids listed by [References] first.
type Directory interface {
	UserExists(id string) bool
	RoleExists(id string) bool
	FormExists(id string) bool
	HandlerExists(name string) bool
}

// Structure messages, as the original words them.
const (
	MsgStrategy2Stages    = "Strategy 2 (Workflow→Pipeline) cannot have stages."
	MsgStrategy2Approvals = "Strategy 2 pipeline must have approvals in pipeline_info."
	MsgStrategy3Pipelines = "Cannot create pipelines for Strategy 3 (Workflow Only) workflows."
	MsgStrategy3Approvals = "Strategy 3 (Workflow Only) requires approvals in workflow_info."
	msgStrategyRange      = "strategy must be 1, 2 or 3"
	msgNameRequired       = "name is required"
	msgOrderNegative      = "order must be 0 or more"
	msgParametersObject   = "parameters must be a JSON object"
)

var colorPattern = regexp.MustCompile(`^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$`)

// Validate checks a workflow against the rules of SEMANTICS §1–§2: the
// structure its strategy allows, every approval step, every action, unique
// orders among siblings, unique node ids and present names. It returns nil
// or a *flowtype.ValidationError listing every problem, in document order.
//
// With a nil dir, the ids of users, roles and forms and the action handler
// names are not looked up; everything else is still checked.
//
// Validate does not require a workflow to be complete (a strategy-1
// workflow without pipelines may be saved and built up later); see
// [Completeness] for that. Approvals in workflow_info or pipeline_info of
// a strategy that does not run them are kept and checked but never run,
// as in the original.
func Validate(w *Workflow, dir Directory) error {
	if w == nil {
		return flowtype.NewValidationError("", "a workflow is required")
	}
	v := &validator{dir: dir, ids: map[string]string{}}
	v.workflow(w)
	return v.errs.Err()
}

type validator struct {
	dir  Directory
	errs flowtype.ValidationError
	ids  map[string]string // node id → path of the node that has it
}

func (v *validator) fail(path, msg string) { v.errs.Add(path, msg) }

func (v *validator) workflow(w *Workflow) {
	switch w.Strategy {
	case StrategyPipelineStage, StrategyPipeline, StrategyWorkflowOnly:
	default:
		v.fail("strategy", msgStrategyRange)
	}
	v.name("", w.Name)
	if w.Strategy == StrategyWorkflowOnly && len(w.Info.Approvals) == 0 {
		v.fail("workflow_info", MsgStrategy3Approvals)
	}
	v.info("workflow_info", w.Info)
	v.actions("actions", w.Actions)
	if w.Strategy == StrategyWorkflowOnly && len(w.Pipelines) > 0 {
		v.fail("pipelines", MsgStrategy3Pipelines)
	}
	orders := map[int]string{}
	for i := range w.Pipelines {
		v.pipeline(index("pipelines", i), &w.Pipelines[i], w.Strategy, orders)
	}
}

func (v *validator) pipeline(path string, p *Pipeline, strategy Strategy, siblings map[int]string) {
	if strategy == StrategyPipeline {
		if len(p.Stages) > 0 {
			v.fail(path, MsgStrategy2Stages)
		}
		if len(p.Info.Approvals) == 0 {
			v.fail(join(path, "pipeline_info"), MsgStrategy2Approvals)
		}
	}
	v.nodeID(path, p.ID)
	v.name(path, p.Name)
	v.order(path, p.Order, siblings)
	if p.Department != nil && p.Department.ID == "" {
		v.fail(join(path, "department.id"), "department id is required")
	}
	v.info(join(path, "pipeline_info"), p.Info)
	v.actions(join(path, "actions"), p.Actions)
	orders := map[int]string{}
	for j := range p.Stages {
		v.stage(index(join(path, "stages"), j), &p.Stages[j], orders)
	}
}

func (v *validator) stage(path string, s *Stage, siblings map[int]string) {
	v.nodeID(path, s.ID)
	v.name(path, s.Name)
	v.order(path, s.Order, siblings)
	v.info(join(path, "stage_info"), s.Info)
	v.actions(join(path, "actions"), s.Actions)
}

func (v *validator) info(path string, in Info) {
	if in.Color != "" && !colorPattern.MatchString(in.Color) {
		v.fail(join(path, "color"), fmt.Sprintf("Invalid color: %s. Must be #rgb or #rrggbb", in.Color))
	}
	for j := range in.Approvals {
		v.step(index(join(path, "approvals"), j), &in.Approvals[j])
	}
}

func (v *validator) name(path string, n Name) {
	if n.Default() == "" {
		v.fail(join(path, "name"), msgNameRequired)
	}
}

func (v *validator) order(path string, order int, siblings map[int]string) {
	p := join(path, "order")
	if order < 0 {
		v.fail(p, msgOrderNegative)
		return
	}
	if prev, ok := siblings[order]; ok {
		v.fail(p, fmt.Sprintf("order %d is already used by %s", order, prev))
		return
	}
	siblings[order] = path
}

// nodeID keeps ids unique across the whole workflow because routes such as
// PATCH /stages/{id} find a node by its id alone.
func (v *validator) nodeID(path, id string) {
	if id == "" {
		return
	}
	if prev, ok := v.ids[id]; ok {
		v.fail(join(path, "id"), fmt.Sprintf("id '%s' is already used by %s", id, prev))
		return
	}
	v.ids[id] = path
}

func (v *validator) actions(path string, actions []Action) {
	for k := range actions {
		a := &actions[k]
		p := index(path, k)
		v.nodeID(p, a.ID)
		switch {
		case a.ActionType == "":
			v.fail(join(p, "action_type"), "action_type is required")
		case !IsActionType(a.ActionType):
			v.fail(join(p, "action_type"), fmt.Sprintf("Invalid action_type: %s. Must be one of: %s", a.ActionType, actionTypeList()))
		}
		switch {
		case a.Handler == "":
			v.fail(join(p, "handler"), "handler is required")
		case v.dir != nil && !v.dir.HandlerExists(a.Handler):
			v.fail(join(p, "handler"), fmt.Sprintf("Handler '%s' is not registered", a.Handler))
		}
		if len(a.Parameters) > 0 && (!json.Valid(a.Parameters) || bytes.TrimSpace(a.Parameters)[0] != '{') {
			v.fail(join(p, "parameters"), msgParametersObject)
		}
	}
}

// RelativeTo rewrites the problems of err that lie at or under prefix (a
// [Workflow.NodePath]) to paths relative to it, so that a request that
// created or changed one node hears about "stage_info.approvals[0]…"
// rather than "pipelines[1].stages[0].stage_info…". Problems elsewhere
// keep their full path; an err that is not a *flowtype.ValidationError,
// or an empty prefix, is returned as is.
func RelativeTo(err error, prefix string) error {
	var ve *flowtype.ValidationError
	if prefix == "" || !errors.As(err, &ve) {
		return err
	}
	out := &flowtype.ValidationError{}
	for _, e := range ve.Errors {
		switch {
		case e.Path == prefix:
			e.Path = ""
		case strings.HasPrefix(e.Path, prefix+"."):
			e.Path = e.Path[len(prefix)+1:]
		}
		out.Errors = append(out.Errors, e)
	}
	return out
}
