package definition

import "github.com/flowgate/flowgate/flowtype"

// AssignIDs gives every pipeline, stage and action of w that has no id one
// from newID, called with the node's kind ("pipeline", "stage" or
// "action") in document order. Ids already set are kept. newID must
// return ids unique across the workflow.
func AssignIDs(w *Workflow, newID func(kind string) string) {
	assignActions(w.Actions, newID)
	for i := range w.Pipelines {
		p := &w.Pipelines[i]
		if p.ID == "" {
			p.ID = newID(string(flowtype.NodePipeline))
		}
		assignActions(p.Actions, newID)
		for j := range p.Stages {
			s := &p.Stages[j]
			if s.ID == "" {
				s.ID = newID(string(flowtype.NodeStage))
			}
			assignActions(s.Actions, newID)
		}
	}
}

func assignActions(actions []Action, newID func(kind string) string) {
	for k := range actions {
		if actions[k].ID == "" {
			actions[k].ID = newID(string(flowtype.NodeAction))
		}
	}
}

// Nodes lists the pipelines, stages and actions of w that have an id, in
// document order, each with w.ID as its workflow: the rows the store keeps
// to find a workflow from a node id.
func Nodes(w *Workflow) []flowtype.Node {
	var nodes []flowtype.Node
	add := func(id string, kind flowtype.NodeKind) {
		if id != "" {
			nodes = append(nodes, flowtype.Node{ID: id, Kind: kind, WorkflowID: w.ID})
		}
	}
	addActions := func(actions []Action) {
		for _, a := range actions {
			add(a.ID, flowtype.NodeAction)
		}
	}
	addActions(w.Actions)
	for _, p := range w.Pipelines {
		add(p.ID, flowtype.NodePipeline)
		addActions(p.Actions)
		for _, s := range p.Stages {
			add(s.ID, flowtype.NodeStage)
			addActions(s.Actions)
		}
	}
	return nodes
}
