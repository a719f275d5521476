package flowtype

import (
	"encoding/json"
	"time"
)

// Status is an instance's state.
type Status string

// Instance statuses. The last three are finished.
const (
	StatusNotStarted           Status = "not_started"
	StatusInProgress           Status = "in_progress"
	StatusAwaitingResubmission Status = "awaiting_resubmission"
	StatusCompleted            Status = "completed"
	StatusRejected             Status = "rejected"
	StatusWithdrawn            Status = "withdrawn"
)

// Finished reports whether the status accepts no more commands.
func (s Status) Finished() bool {
	return s == StatusCompleted || s == StatusRejected || s == StatusWithdrawn
}

// Instance is one workflow version running on one subject (the original's
// WorkflowAttachment).
type Instance struct {
	TenantID        string `json:"-"`
	ID              string `json:"id"`
	SubjectType     string `json:"subject_type"`
	SubjectID       string `json:"subject_id"`
	WorkflowID      string `json:"workflow_id"`
	WorkflowVersion int    `json:"workflow_version"`
	Status          Status `json:"status"`
	// CurrentPipelineID and CurrentStageID name the current unit; empty when
	// the strategy has no such level or the instance is not positioned.
	CurrentPipelineID string          `json:"current_pipeline_id,omitempty"`
	CurrentStageID    string          `json:"current_stage_id,omitempty"`
	StartedBy         string          `json:"started_by"`
	StartedAt         *time.Time      `json:"started_at,omitempty"`
	CompletedAt       *time.Time      `json:"completed_at,omitempty"`
	Metadata          json.RawMessage `json:"metadata,omitempty"`
	// Version grows by one with every committed change.
	Version int `json:"version"`
	// LastDecisionVersion is the Version written by the latest decision
	// (not by a directory change); tasks closed at that version make a late
	// decision a conflict rather than not_assignee.
	LastDecisionVersion int `json:"-"`
	// NextSeq is the seq the next event gets.
	NextSeq   int       `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TaskStatus is a task's state.
type TaskStatus string

// Task statuses. Pending and current are open.
const (
	TaskPending   TaskStatus = "pending"
	TaskCurrent   TaskStatus = "current"
	TaskApproved  TaskStatus = "approved"
	TaskRejected  TaskStatus = "rejected"
	TaskSentBack  TaskStatus = "sent_back"
	TaskDelegated TaskStatus = "delegated"
	TaskCancelled TaskStatus = "cancelled"
)

// Open reports whether the task still waits for someone.
func (s TaskStatus) Open() bool { return s == TaskPending || s == TaskCurrent }

// Task is one approval step occurrence.
type Task struct {
	TenantID   string `json:"-"`
	ID         string `json:"id"`
	InstanceID string `json:"instance_id"`
	// PipelineID and StageID name the level the task belongs to (empty
	// where the strategy has no such level).
	PipelineID string `json:"pipeline_id,omitempty"`
	StageID    string `json:"stage_id,omitempty"`
	// Round counts how many times the level was entered; tasks of earlier
	// rounds are history.
	Round int `json:"round"`
	// Step is the index of the approval step in the level's approvals list.
	Step     int    `json:"step"`
	Assignee string `json:"assignee,omitempty"`
	RoleID   string `json:"role_id,omitempty"`
	// ViaRole is true when the assignee holds the task as a role member
	// (directory changes touch only these).
	ViaRole         bool            `json:"via_role,omitempty"`
	Status          TaskStatus      `json:"status"`
	ActedBy         string          `json:"acted_by,omitempty"`
	ActedAt         *time.Time      `json:"acted_at,omitempty"`
	FormData        json.RawMessage `json:"form_data,omitempty"`
	Reason          string          `json:"reason,omitempty"`
	DelegatedFrom   string          `json:"delegated_from,omitempty"`
	DelegatedTo     string          `json:"delegated_to,omitempty"`
	DelegationChain []string        `json:"delegation_chain,omitempty"`
	CheckedInBy     string          `json:"checked_in_by,omitempty"`
	CheckedInAt     *time.Time      `json:"checked_in_at,omitempty"`
	// ClosedVersion is the instance version whose change closed the task.
	ClosedVersion int       `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
}

// EventType names a history event. Action events resolve actions; the
// history-only ones (task_approved, checked_in, resubmitted) never do.
type EventType string

// Event types.
const (
	EventWorkflowStart     EventType = "on_workflow_start"
	EventWorkflowComplete  EventType = "on_workflow_complete"
	EventAfterApprove      EventType = "after_approve"
	EventAfterReject       EventType = "after_reject"
	EventAfterResubmission EventType = "after_resubmission"
	EventAfterDelegate     EventType = "after_delegate"
	EventAfterMoveStage    EventType = "after_move_stage"
	EventAfterMovePipeline EventType = "after_move_pipeline"
	EventAfterWithdraw     EventType = "after_withdraw"
	EventTaskApproved      EventType = "task_approved"
	EventCheckedIn         EventType = "checked_in"
	EventResubmitted       EventType = "resubmitted"
	EventMembershipChange  EventType = "membership_changed"
)

// ActionEvents lists the event types that resolve actions, in the
// original's order.
var ActionEvents = []EventType{
	EventAfterApprove, EventAfterReject, EventAfterResubmission, EventAfterDelegate,
	EventAfterMoveStage, EventAfterMovePipeline, EventWorkflowStart, EventWorkflowComplete,
	EventAfterWithdraw,
}

// IsActionEvent reports whether actions run on events of this type.
func (t EventType) IsActionEvent() bool {
	for _, e := range ActionEvents {
		if e == t {
			return true
		}
	}
	return false
}

// Event is an immutable history row, written in the transaction of the
// change it records.
type Event struct {
	TenantID   string          `json:"-"`
	InstanceID string          `json:"instance_id"`
	Seq        int             `json:"seq"`
	Type       EventType       `json:"type"`
	Actor      string          `json:"actor"`
	At         time.Time       `json:"at"`
	PipelineID string          `json:"pipeline_id,omitempty"`
	StageID    string          `json:"stage_id,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
}

// IdempotencyRecord remembers the first answer to a keyed command.
type IdempotencyRecord struct {
	TenantID    string    `json:"-"`
	UserID      string    `json:"user_id"`
	Key         string    `json:"key"`
	RequestHash string    `json:"request_hash"`
	InstanceID  string    `json:"instance_id,omitempty"`
	Response    []byte    `json:"response"`
	CreatedAt   time.Time `json:"created_at"`
}

// InboxItem is an open task with what an approver needs to decide.
type InboxItem struct {
	Task            *Task           `json:"task"`
	WorkflowID      string          `json:"workflow_id"`
	WorkflowVersion int             `json:"workflow_version"`
	InstanceStatus  Status          `json:"instance_status"`
	InstanceVersion int             `json:"instance_version"`
	SubjectType     string          `json:"subject_type"`
	SubjectID       string          `json:"subject_id"`
	SubjectData     json.RawMessage `json:"subject_data"`
}
