package flowgate

import (
	"encoding/json"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Runtime types, re-exported.
type (
	Instance   = flowtype.Instance
	Task       = flowtype.Task
	Event      = flowtype.Event
	Subject    = flowtype.Subject
	Status     = flowtype.Status
	TaskStatus = flowtype.TaskStatus
	EventType  = flowtype.EventType
	InboxItem  = flowtype.InboxItem
)

// NodeRef names a pipeline or stage in a read.
type NodeRef struct {
	ID    string          `json:"id"`
	Name  definition.Name `json:"name"`
	Order int             `json:"order"`
}

// InstanceView is an instance with everything a reader needs: its tasks
// (oldest first), its subject, its position and progress. Commands return
// the view of the state they committed, with the events they wrote.
type InstanceView struct {
	Instance           *flowtype.Instance  `json:"instance"`
	Subject            *flowtype.Subject   `json:"subject"`
	Tasks              []*flowtype.Task    `json:"tasks"`
	WorkflowName       definition.Name     `json:"workflow_name"`
	Strategy           definition.Strategy `json:"strategy"`
	CurrentPipeline    *NodeRef            `json:"current_pipeline"`
	CurrentStage       *NodeRef            `json:"current_stage"`
	NextPipeline       *NodeRef            `json:"next_pipeline"`
	NextStage          *NodeRef            `json:"next_stage"`
	ProgressPercentage int                 `json:"progress_percentage"`
	// IsLastUnit is true while the current unit is the last one (the
	// original's "Workflow Complete" as next stage).
	IsLastUnit bool `json:"is_last_unit"`
	// Events lists the events the returning command wrote (empty on reads).
	Events []*flowtype.Event `json:"events,omitempty"`
}

// OpenTasks returns the tasks still pending or current.
func (v *InstanceView) OpenTasks() []*flowtype.Task {
	var out []*flowtype.Task
	for _, t := range v.Tasks {
		if t.Status.Open() {
			out = append(out, t)
		}
	}
	return out
}

// CurrentTasks returns the tasks someone may act on now.
func (v *InstanceView) CurrentTasks() []*flowtype.Task {
	var out []*flowtype.Task
	for _, t := range v.Tasks {
		if t.Status == flowtype.TaskCurrent {
			out = append(out, t)
		}
	}
	return out
}

// EventTypes lists the types of Events in order.
func (v *InstanceView) EventTypes() []flowtype.EventType {
	out := make([]flowtype.EventType, len(v.Events))
	for i, ev := range v.Events {
		out[i] = ev.Type
	}
	return out
}

func pipelineRef(p *definition.Pipeline) *NodeRef {
	if p == nil {
		return nil
	}
	return &NodeRef{ID: p.ID, Name: p.Name, Order: p.Order}
}

func stageRef(s *definition.Stage) *NodeRef {
	if s == nil {
		return nil
	}
	return &NodeRef{ID: s.ID, Name: s.Name, Order: s.Order}
}

// buildView computes position, next unit and progress (SEMANTICS §3.7).
func buildView(inst *flowtype.Instance, cw *compiledWorkflow, tasks []*flowtype.Task, subj *flowtype.Subject) *InstanceView {
	v := &InstanceView{
		Instance: inst, Subject: subj, Tasks: tasks,
		WorkflowName: cw.def.Name, Strategy: cw.def.Strategy,
	}
	if v.Tasks == nil {
		v.Tasks = []*flowtype.Task{}
	}
	n := len(cw.units)
	if p := cw.def.FindPipeline(inst.CurrentPipelineID); p != nil {
		v.CurrentPipeline = pipelineRef(p)
	}
	if _, s := cw.def.FindStage(inst.CurrentStageID); s != nil {
		v.CurrentStage = stageRef(s)
	}
	next := -1
	switch inst.Status {
	case flowtype.StatusNotStarted:
		next = 0
	case flowtype.StatusInProgress, flowtype.StatusAwaitingResubmission:
		cur := cw.unitOf(inst.CurrentPipelineID, inst.CurrentStageID)
		if cur >= 0 {
			if n > 0 {
				v.ProgressPercentage = 100 * cur / n
			}
			next = cur + 1
			v.IsLastUnit = cur == n-1
		}
	case flowtype.StatusCompleted:
		v.ProgressPercentage = 100
	}
	if cw.def.Strategy != definition.StrategyWorkflowOnly && next >= 0 && next < n {
		u := cw.units[next]
		v.NextPipeline = pipelineRef(u.Pipeline)
		v.NextStage = stageRef(u.Stage)
	}
	return v
}

func rawOrEmptyObject(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	return raw
}
