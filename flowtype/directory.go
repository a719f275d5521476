package flowtype

import (
	"encoding/json"
	"time"
)

// Tenant is the original's "company": every row belongs to exactly one.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a person who starts instances and decides on tasks. IDs are the
// host application's own user ids.
type User struct {
	TenantID  string    `json:"-"`
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email,omitempty"`
	Locale    string    `json:"locale,omitempty"`
	IsActive  bool      `json:"is_active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Role groups users that approval steps can name.
type Role struct {
	TenantID  string    `json:"-"`
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// RoleMember is one member of a role, with whether the user is active.
type RoleMember struct {
	UserID   string `json:"user_id"`
	IsActive bool   `json:"is_active"`
}

// Form is a JSON Schema document that approval steps reference as
// required_form.
type Form struct {
	TenantID  string          `json:"-"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Schema    json.RawMessage `json:"schema"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// SubjectType is the original's registered model plus its
// WorkflowConfiguration.
type SubjectType struct {
	TenantID string `json:"-"`
	Type     string `json:"type"`
	// StatusField names the subject status updated on completion and
	// rejection; empty means no update.
	StatusField           string `json:"status_field"`
	CompletionStatusValue string `json:"completion_status_value"`
	RejectionStatusValue  string `json:"rejection_status_value"`
	// Workflows lists the workflow ids allowed for this type; empty allows
	// every active workflow.
	Workflows []string       `json:"workflows"`
	AutoStart *AutoStartRule `json:"auto_start,omitempty"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// AutoStartRule picks the workflow an attach without workflow_id uses.
// Conditions is either a CEL expression (a JSON string) or the original's
// Django-style lookups (a JSON object such as {"amount__gte": 1000}).
type AutoStartRule struct {
	WorkflowID string          `json:"workflow_id"`
	Conditions json.RawMessage `json:"conditions,omitempty"`
}

// Subject is a business object an instance runs on.
type Subject struct {
	TenantID  string            `json:"-"`
	Type      string            `json:"type"`
	ID        string            `json:"id"`
	Data      json.RawMessage   `json:"data"`
	Status    map[string]string `json:"status"`
	CreatedBy string            `json:"created_by,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}
