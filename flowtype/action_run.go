package flowtype

import (
	"encoding/json"
	"time"
)

// RunStatus is an action run's state.
type RunStatus string

// Action run statuses. Pending, failed (waiting for its next attempt) and
// running (leased by a dispatcher) are open; succeeded and dead are final.
const (
	RunPending   RunStatus = "pending"
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
	RunDead      RunStatus = "dead"
)

// Open reports whether the run may still be attempted without a manual
// retry.
func (s RunStatus) Open() bool { return s == RunPending || s == RunRunning || s == RunFailed }

// Tier is where a resolved action came from (SEMANTICS §5).
type Tier string

// The three tiers, in priority order.
const (
	TierDatabase Tier = "database"
	TierSettings Tier = "settings"
	TierDefault  Tier = "default"
)

// Level is the scope a database action was found at; empty for the
// settings and default tiers.
type Level string

// Database levels, nearest first.
const (
	LevelStage    Level = "stage"
	LevelPipeline Level = "pipeline"
	LevelWorkflow Level = "workflow"
)

// ActionRun is one execution of one resolved action for one event: at once
// a job of the transactional outbox and its visible record. It is written
// in the transaction of the command that wrote the event.
type ActionRun struct {
	TenantID   string `json:"-"`
	ID         string `json:"id"`
	InstanceID string `json:"instance_id"`
	EventSeq   int    `json:"event_seq"`
	// Event is the type of the event the action ran for.
	Event EventType `json:"event"`
	// Ordinal is the run's place in its event's resolved list: the runs of
	// one event run one after the other, each once those before it are
	// final (succeeded or dead).
	Ordinal int `json:"ordinal"`
	// ActionID is the database action's id; empty for the settings and
	// default tiers.
	ActionID   string          `json:"action_id,omitempty"`
	Handler    string          `json:"handler"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	// State is the instance as the event's command committed it (status,
	// position, current approvers), a JSON document the engine writes and
	// resolves recipients against when it executes the run. It is dropped
	// (nil) once the run succeeded: a succeeded run is never executed
	// again; a failed or dead one keeps it for a retry.
	State  json.RawMessage `json:"state,omitempty"`
	Tier   Tier            `json:"tier"`
	Level  Level           `json:"level,omitempty"`
	Status RunStatus       `json:"status"`
	// Attempts counts the attempts started (a claim starts one).
	Attempts    int `json:"attempts"`
	MaxAttempts int `json:"max_attempts"`
	// NextRunAt is when a pending or failed run is due; while running, when
	// its lease expires (it is then due again).
	NextRunAt  time.Time  `json:"next_run_at"`
	LeaseOwner string     `json:"lease_owner,omitempty"`
	LeaseUntil *time.Time `json:"lease_until,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	// DurationMS is the duration of the latest finished attempt.
	DurationMS int64 `json:"duration_ms"`
	// Result is what the handler reported on success (counts, ids).
	Result json.RawMessage `json:"result,omitempty"`
	// RunKey is stable across attempts and processes: handlers use it to
	// deduplicate their side effects. It is "instanceID:eventSeq:ordinal",
	// derived by the store from the three fields that identify the run
	// (unique together), not stored; the store sets it on insert.
	RunKey    string    `json:"run_key"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}
