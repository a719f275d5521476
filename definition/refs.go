package definition

import "slices"

// References are the directory entries a workflow names, each listed once
// and sorted, so that a caller can load them in one query per kind before
// calling [Validate] with a [Directory] over the result.
type References struct {
	Users    []string
	Roles    []string
	Forms    []string
	Handlers []string
}

// Refs collects the user, role and form ids of every approval step and the
// handler of every action in w.
func Refs(w *Workflow) References {
	var refs References
	steps := func(in Info) {
		for _, s := range in.Approvals {
			appendNonEmpty(&refs.Users, s.ApprovalUser)
			appendNonEmpty(&refs.Roles, s.UserRole)
			appendNonEmpty(&refs.Forms, s.RequiredForm)
		}
	}
	actions := func(as []Action) {
		for _, a := range as {
			appendNonEmpty(&refs.Handlers, a.Handler)
		}
	}
	steps(w.Info)
	actions(w.Actions)
	for _, p := range w.Pipelines {
		steps(p.Info)
		actions(p.Actions)
		for _, s := range p.Stages {
			steps(s.Info)
			actions(s.Actions)
		}
	}
	for _, list := range []*[]string{&refs.Users, &refs.Roles, &refs.Forms, &refs.Handlers} {
		slices.Sort(*list)
		*list = slices.Compact(*list)
	}
	return refs
}

func appendNonEmpty(list *[]string, v string) {
	if v != "" {
		*list = append(*list, v)
	}
}
