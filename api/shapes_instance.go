package api

import (
	"encoding/json"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// NodeRef names a pipeline or stage in a read: the localized name plus the
// original's name_en and name_ar.
type NodeRef struct {
	ID     string          `json:"id"`
	Name   definition.Name `json:"name"`
	NameEn string          `json:"name_en,omitempty"`
	NameAr string          `json:"name_ar,omitempty"`
	Order  int             `json:"order"`
}

func nodeRef(n *flowgate.NodeRef) *NodeRef {
	if n == nil {
		return nil
	}
	name := n.Name
	if name == nil {
		name = definition.Name{}
	}
	return &NodeRef{ID: n.ID, Name: name, NameEn: name["en"], NameAr: name["ar"], Order: n.Order}
}

// Subject is the business object an instance runs on.
type Subject struct {
	Type      string            `json:"type"`
	ID        string            `json:"id"`
	Data      json.RawMessage   `json:"data" doc:"The subject's document (conditions read it)."`
	Status    map[string]string `json:"status" doc:"Status values by field name."`
	CreatedBy *string           `json:"created_by"`
	CreatedAt *time.Time        `json:"created_at,omitempty"`
	UpdatedAt *time.Time        `json:"updated_at,omitempty"`
}

func subjectOf(s *flowtype.Subject, typ, id string) Subject {
	if s == nil {
		return Subject{Type: typ, ID: id, Data: json.RawMessage("{}"), Status: map[string]string{}}
	}
	out := Subject{
		Type: s.Type, ID: s.ID, Data: objectOr(s.Data), Status: s.Status, CreatedBy: opt(s.CreatedBy),
		CreatedAt: optTime(&s.CreatedAt), UpdatedAt: optTime(&s.UpdatedAt),
	}
	if out.Status == nil {
		out.Status = map[string]string{}
	}
	return out
}

// Task is one approval step occurrence, open or closed.
type Task struct {
	ID              string          `json:"id"`
	Step            int             `json:"step" doc:"Index of the step in its level's approvals."`
	Round           int             `json:"round" doc:"Which entry of the level the task belongs to (a send-back starts a new round)."`
	StageID         *string         `json:"stage_id"`
	PipelineID      *string         `json:"pipeline_id"`
	Assignee        *string         `json:"assignee"`
	RoleID          *string         `json:"role_id"`
	Status          string          `json:"status" enum:"pending,current,approved,rejected,sent_back,delegated,cancelled"`
	ActedBy         *string         `json:"acted_by"`
	ActedAt         *time.Time      `json:"acted_at"`
	FormData        json.RawMessage `json:"form_data"`
	Reason          *string         `json:"reason"`
	DelegatedFrom   *string         `json:"delegated_from"`
	DelegatedTo     *string         `json:"delegated_to"`
	DelegationChain []string        `json:"delegation_chain"`
	CheckedInBy     *string         `json:"checked_in_by"`
	CheckedInAt     *time.Time      `json:"checked_in_at"`
	CreatedAt       time.Time       `json:"created_at"`
}

func taskOf(t *flowtype.Task) Task {
	chain := t.DelegationChain
	if chain == nil {
		chain = []string{}
	}
	return Task{
		ID: t.ID, Step: t.Step, Round: t.Round, StageID: opt(t.StageID), PipelineID: opt(t.PipelineID),
		Assignee: opt(t.Assignee), RoleID: opt(t.RoleID), Status: string(t.Status),
		ActedBy: opt(t.ActedBy), ActedAt: optTime(t.ActedAt), FormData: nullIfEmpty(t.FormData),
		Reason: opt(t.Reason), DelegatedFrom: opt(t.DelegatedFrom), DelegatedTo: opt(t.DelegatedTo),
		DelegationChain: chain, CheckedInBy: opt(t.CheckedInBy), CheckedInAt: optTime(t.CheckedInAt),
		CreatedAt: micro(t.CreatedAt),
	}
}

// Event is a history row.
type Event struct {
	InstanceID string          `json:"instance_id"`
	Seq        int             `json:"seq"`
	Type       string          `json:"type"`
	Actor      string          `json:"actor"`
	At         time.Time       `json:"at"`
	StageID    *string         `json:"stage_id"`
	PipelineID *string         `json:"pipeline_id"`
	Data       json.RawMessage `json:"data"`
}

func eventOf(e *flowtype.Event) Event {
	return Event{
		InstanceID: e.InstanceID, Seq: e.Seq, Type: string(e.Type), Actor: e.Actor, At: micro(e.At),
		StageID: opt(e.StageID), PipelineID: opt(e.PipelineID), Data: objectOr(e.Data),
	}
}

// Instance is a workflow instance with its tasks and position.
type Instance struct {
	ID                 string          `json:"id"`
	Status             string          `json:"status" enum:"not_started,in_progress,awaiting_resubmission,completed,rejected,withdrawn"`
	Version            int             `json:"version" doc:"Row version: the ETag, and If-Match on decisions."`
	WorkflowID         string          `json:"workflow_id"`
	WorkflowVersion    int             `json:"workflow_version"`
	WorkflowName       definition.Name `json:"workflow_name"`
	Strategy           int             `json:"strategy"`
	Subject            Subject         `json:"subject"`
	CurrentPipeline    *NodeRef        `json:"current_pipeline"`
	CurrentStage       *NodeRef        `json:"current_stage"`
	NextStage          *NodeRef        `json:"next_stage"`
	NextPipeline       *NodeRef        `json:"next_pipeline"`
	ProgressPercentage int             `json:"progress_percentage"`
	StartedBy          string          `json:"started_by"`
	StartedAt          *time.Time      `json:"started_at"`
	CompletedAt        *time.Time      `json:"completed_at"`
	Metadata           json.RawMessage `json:"metadata"`
	Tasks              []Task          `json:"tasks" doc:"Every task, open and closed, oldest first."`
	CreatedAt          time.Time       `json:"created_at"`
	UpdatedAt          time.Time       `json:"updated_at"`
	// Events lists what the command that returned the instance wrote.
	Events []Event `json:"events,omitempty" doc:"On command responses: the events the command wrote."`
}

func instanceOf(v *flowgate.InstanceView) *Instance {
	in := v.Instance
	out := &Instance{
		ID: in.ID, Status: string(in.Status), Version: in.Version, WorkflowID: in.WorkflowID,
		WorkflowVersion: in.WorkflowVersion, WorkflowName: v.WorkflowName, Strategy: int(v.Strategy),
		Subject:         subjectOf(v.Subject, in.SubjectType, in.SubjectID),
		CurrentPipeline: nodeRef(v.CurrentPipeline), CurrentStage: nodeRef(v.CurrentStage),
		NextStage: nodeRef(v.NextStage), NextPipeline: nodeRef(v.NextPipeline),
		ProgressPercentage: v.ProgressPercentage, StartedBy: in.StartedBy,
		StartedAt: optTime(in.StartedAt), CompletedAt: optTime(in.CompletedAt), Metadata: objectOr(in.Metadata),
		Tasks: make([]Task, 0, len(v.Tasks)), CreatedAt: micro(in.CreatedAt), UpdatedAt: micro(in.UpdatedAt),
	}
	if out.WorkflowName == nil {
		out.WorkflowName = definition.Name{}
	}
	for _, t := range v.Tasks {
		out.Tasks = append(out.Tasks, taskOf(t))
	}
	for _, e := range v.Events {
		out.Events = append(out.Events, eventOf(e))
	}
	return out
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// micro rounds a time to what the database keeps, so that a command's
// answer and a later read agree.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func optTime(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	m := micro(*t)
	return &m
}

func objectOr(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}")
	}
	return raw
}

func nullIfEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	return raw
}
