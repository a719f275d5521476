package definition

// FindPipeline returns the pipeline with id, or nil.
func (w *Workflow) FindPipeline(id string) *Pipeline {
	if id == "" {
		return nil
	}
	for i := range w.Pipelines {
		if w.Pipelines[i].ID == id {
			return &w.Pipelines[i]
		}
	}
	return nil
}

// FindStage returns the stage with id and its pipeline, or nil, nil.
func (w *Workflow) FindStage(id string) (*Pipeline, *Stage) {
	if id == "" {
		return nil, nil
	}
	for i := range w.Pipelines {
		p := &w.Pipelines[i]
		for j := range p.Stages {
			if p.Stages[j].ID == id {
				return p, &p.Stages[j]
			}
		}
	}
	return nil, nil
}

// FindAction returns the action with id with its scope (ScopeWorkflow,
// ScopePipeline or ScopeStage) and the id of the node that holds it (the
// workflow's own id for ScopeWorkflow), or nil when there is none.
func (w *Workflow) FindAction(id string) (a *Action, scope, scopeID string) {
	if id == "" {
		return nil, "", ""
	}
	if a := findAction(w.Actions, id); a != nil {
		return a, ScopeWorkflow, w.ID
	}
	for i := range w.Pipelines {
		p := &w.Pipelines[i]
		if a := findAction(p.Actions, id); a != nil {
			return a, ScopePipeline, p.ID
		}
		for j := range p.Stages {
			if a := findAction(p.Stages[j].Actions, id); a != nil {
				return a, ScopeStage, p.Stages[j].ID
			}
		}
	}
	return nil, "", ""
}

func findAction(actions []Action, id string) *Action {
	if k := actionIndex(actions, id); k >= 0 {
		return &actions[k]
	}
	return nil
}

// NodePath returns the document path of the pipeline, stage or action with
// id ("pipelines[1]", "pipelines[1].stages[0]", "actions[2]" …), or "" when
// there is none. With [RelativeTo] it turns the errors of a whole-workflow
// Validate into errors about the one node a request changed.
func (w *Workflow) NodePath(id string) string {
	if id == "" {
		return ""
	}
	if k := actionIndex(w.Actions, id); k >= 0 {
		return index("actions", k)
	}
	for i := range w.Pipelines {
		p := &w.Pipelines[i]
		pp := index("pipelines", i)
		if p.ID == id {
			return pp
		}
		if k := actionIndex(p.Actions, id); k >= 0 {
			return index(pp+".actions", k)
		}
		for j := range p.Stages {
			sp := index(pp+".stages", j)
			if p.Stages[j].ID == id {
				return sp
			}
			if k := actionIndex(p.Stages[j].Actions, id); k >= 0 {
				return index(sp+".actions", k)
			}
		}
	}
	return ""
}

func actionIndex(actions []Action, id string) int {
	for k := range actions {
		if actions[k].ID == id {
			return k
		}
	}
	return -1
}
