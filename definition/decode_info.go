package definition

import (
	"encoding/json"
	"strings"
)

func (r *reader) info(path string, raw json.RawMessage) Info {
	var in Info
	what := path[strings.LastIndex(path, ".")+1:]
	fields, _ := r.object(path, raw, what)
	for _, f := range fields {
		p := join(path, f.key)
		switch f.key {
		case "approvals":
			items, _ := r.list(p, f.val)
			for j, item := range items {
				in.Approvals = append(in.Approvals, r.step(index(p, j), item))
			}
		case "color":
			in.Color = r.str(p, f.val)
		default:
			if in.Extra == nil {
				in.Extra = map[string]json.RawMessage{}
			}
			in.Extra[f.key] = r.free(p, f.val)
		}
	}
	return in
}

func (r *reader) step(path string, raw json.RawMessage) Step {
	var s Step
	fields, _ := r.object(path, raw, "an approval step")
	for _, f := range fields {
		p := join(path, f.key)
		switch f.key {
		case "approval_type":
			s.ApprovalType = strings.ToLower(r.str(p, f.val))
		case "approval_user":
			s.ApprovalUser = r.id(p, f.val)
		case "user_role":
			s.UserRole = r.id(p, f.val)
		case "role_selection_strategy":
			s.RoleSelectionStrategy = strings.ToLower(r.str(p, f.val))
		case "quorum_count":
			s.QuorumCount = r.optionalInt(p, f.val)
		case "quorum_percent":
			s.QuorumPercent = r.optionalInt(p, f.val)
		case "step_approval_type":
			s.StepApprovalType = strings.ToLower(r.str(p, f.val))
		case "required_form":
			s.RequiredForm = r.id(p, f.val)
		case "condition":
			s.Condition = r.str(p, f.val)
		default:
			if s.Extra == nil {
				s.Extra = map[string]json.RawMessage{}
			}
			s.Extra[f.key] = r.free(p, f.val)
		}
	}
	if s.ApprovalType == ApprovalRole && s.RoleSelectionStrategy == "" {
		s.RoleSelectionStrategy = RoleAnyone
	}
	if s.StepApprovalType == "" {
		s.StepApprovalType = StepApprove
	}
	return s
}

func (r *reader) optionalInt(path string, raw json.RawMessage) *int {
	n, ok := r.integer(path, raw)
	if !ok {
		return nil
	}
	return &n
}

func (r *reader) actions(path string, raw json.RawMessage) []Action {
	items, _ := r.list(path, raw)
	var out []Action
	for k, item := range items {
		out = append(out, r.action(index(path, k), item))
	}
	return out
}

func (r *reader) action(path string, raw json.RawMessage) Action {
	a := Action{Order: 1, IsActive: true}
	fields, _ := r.object(path, raw, "an action")
	var functionPath string
	for _, f := range fields {
		p := join(path, f.key)
		switch f.key {
		case "id":
			a.ID = r.id(p, f.val)
		case "action_type":
			a.ActionType = strings.ToLower(r.str(p, f.val))
		case "handler":
			a.Handler = r.str(p, f.val)
		case "function_path":
			functionPath = r.str(p, f.val)
		case "parameters":
			if !isNull(f.val) {
				a.Parameters = r.free(p, f.val)
			}
		case "order":
			if n, ok := r.integer(p, f.val); ok {
				a.Order = n
			}
		case "is_active":
			if v, ok := r.boolean(p, f.val); ok {
				a.IsActive = v
			}
		default:
			r.fail(p, "unknown field")
		}
	}
	switch {
	case functionPath == "":
	case a.Handler == "":
		a.Handler = functionPath
	case a.Handler != functionPath:
		r.fail(join(path, "function_path"), "conflicts with handler")
	}
	return a
}
