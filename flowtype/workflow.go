package flowtype

import (
	"encoding/json"
	"time"
)

// WorkflowRow is what the store keeps about a workflow besides its
// versions: enough to list and filter without decoding a definition.
type WorkflowRow struct {
	TenantID       string            `json:"-"`
	ID             string            `json:"id"`
	Name           map[string]string `json:"name"`
	Strategy       int               `json:"strategy"`
	IsActive       bool              `json:"is_active"`
	CurrentVersion int               `json:"current_version"`
	CreatedBy      string            `json:"created_by,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

// WorkflowVersion is an immutable snapshot of a workflow definition, kept
// as the JSON document package definition exports. DerivedFrom is the
// version it was edited from (0 for the first).
type WorkflowVersion struct {
	TenantID    string          `json:"-"`
	WorkflowID  string          `json:"workflow_id"`
	Version     int             `json:"version"`
	DerivedFrom int             `json:"derived_from,omitempty"`
	Definition  json.RawMessage `json:"definition"`
	CreatedBy   string          `json:"created_by,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
}

// NodeKind is the kind of a definition node with its own id.
type NodeKind string

// Node kinds.
const (
	NodePipeline NodeKind = "pipeline"
	NodeStage    NodeKind = "stage"
	NodeAction   NodeKind = "action"
)

// Node maps the id of a pipeline, stage or action to its workflow, so that
// routes such as PATCH /stages/{id} find the workflow to edit.
type Node struct {
	ID         string   `json:"id"`
	Kind       NodeKind `json:"kind"`
	WorkflowID string   `json:"workflow_id"`
}
