package api

import (
	"encoding/json"

	"github.com/danielgtaylor/huma/v2"
)

// The request bodies of definition routes are read by package definition
// (strictly, with the original's compatibility fields and every problem at
// its path). These types document them in the OpenAPI document.

// localizedName is a name: a string (English) or a map of language tag to
// text.
type localizedName struct{}

// Schema documents both spellings.
func (localizedName) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{
		Description: `A string (English) or {"en": …, "ar": …}; the original's name_en / name_ar are accepted too.`,
		OneOf: []*huma.Schema{
			{Type: "string"},
			{Type: "object", AdditionalProperties: &huma.Schema{Type: "string"}},
		},
	}
}

// WorkflowRequest is the body of POST /workflows (the original's
// WorkFlowSerializer payload) and, partially, of PATCH /workflows/{id}.
type WorkflowRequest struct {
	ID                string            `json:"id,omitempty" doc:"Optional: generated when absent."`
	Name              *localizedName    `json:"name,omitempty"`
	NameEn            string            `json:"name_en,omitempty"`
	NameAr            string            `json:"name_ar,omitempty"`
	Description       string            `json:"description,omitempty"`
	Strategy          int               `json:"strategy,omitempty" enum:"1,2,3" doc:"1 workflow→pipeline→stage (default), 2 workflow→pipeline, 3 workflow only."`
	IsActive          *bool             `json:"is_active,omitempty"`
	AllowSelfApproval bool              `json:"allow_self_approval,omitempty"`
	WorkflowInfo      *InfoRequest      `json:"workflow_info,omitempty"`
	Pipelines         []PipelineRequest `json:"pipelines,omitempty"`
	Actions           []ActionRequest   `json:"actions,omitempty"`
	Company           *FlexID           `json:"company,omitempty" doc:"The original's company: must name the key's tenant, or be omitted."`
}

// PipelineRequest is a pipeline payload.
type PipelineRequest struct {
	ID             string          `json:"id,omitempty"`
	Name           *localizedName  `json:"name,omitempty"`
	NameEn         string          `json:"name_en,omitempty"`
	NameAr         string          `json:"name_ar,omitempty"`
	Order          *int            `json:"order,omitempty" doc:"Default: after its siblings (0, 1, 2… when no sibling gives one)."`
	Department     *DepartmentRef  `json:"department,omitempty"`
	DepartmentID   *FlexID         `json:"department_id,omitempty" doc:"The original's department id."`
	PipelineInfo   *InfoRequest    `json:"pipeline_info,omitempty"`
	Stages         []StageRequest  `json:"stages,omitempty"`
	NumberOfStages int             `json:"number_of_stages,omitempty" minimum:"1" maximum:"100" doc:"Creates that many stages named \"Stage k\" (the original's)."`
	Actions        []ActionRequest `json:"actions,omitempty"`
	IsActive       *bool           `json:"is_active,omitempty" doc:"Accepted for compatibility; only true."`
}

// DepartmentRef links a pipeline to a department of the host application.
type DepartmentRef struct {
	Type string `json:"type,omitempty"`
	ID   FlexID `json:"id"`
}

// StageRequest is a stage payload (and the original's partial
// StageSerializer update).
type StageRequest struct {
	ID         string          `json:"id,omitempty"`
	Name       *localizedName  `json:"name,omitempty"`
	NameEn     string          `json:"name_en,omitempty"`
	NameAr     string          `json:"name_ar,omitempty"`
	Order      *int            `json:"order,omitempty"`
	IsActive   *bool           `json:"is_active,omitempty"`
	StageInfo  *InfoRequest    `json:"stage_info,omitempty"`
	Actions    []ActionRequest `json:"actions,omitempty"`
	PipelineID *FlexID         `json:"pipeline_id,omitempty" doc:"The original's: must be the stage's pipeline."`
}

// InfoRequest is a workflow_info, pipeline_info or stage_info document;
// keys other than these are kept as given.
type InfoRequest struct {
	_         struct{}      `additionalProperties:"true"`
	Approvals []StepRequest `json:"approvals,omitempty"`
	Color     string        `json:"color,omitempty" doc:"Stages: default #3498db."`
}

// StepRequest is an approval step; values are case-insensitive.
type StepRequest struct {
	_                     struct{} `additionalProperties:"true"`
	ApprovalType          string   `json:"approval_type" doc:"user, role or self-approved (case-insensitive)."`
	ApprovalUser          *FlexID  `json:"approval_user,omitempty"`
	UserRole              *FlexID  `json:"user_role,omitempty"`
	RoleSelectionStrategy string   `json:"role_selection_strategy,omitempty" doc:"anyone (default), consensus, round_robin, quorum."`
	QuorumCount           *int     `json:"quorum_count,omitempty"`
	QuorumPercent         *int     `json:"quorum_percent,omitempty"`
	StepApprovalType      string   `json:"step_approval_type,omitempty" doc:"approve (default), submit, check_in_verify, move."`
	RequiredForm          *FlexID  `json:"required_form,omitempty"`
	Condition             string   `json:"condition,omitempty" doc:"A CEL expression over subject and metadata."`
}

// ActionRequest is an action nested in a definition.
type ActionRequest struct {
	ID           string          `json:"id,omitempty"`
	ActionType   string          `json:"action_type"`
	Handler      string          `json:"handler,omitempty"`
	FunctionPath string          `json:"function_path,omitempty" doc:"The original's name for handler."`
	Parameters   json.RawMessage `json:"parameters,omitempty"`
	Order        *int            `json:"order,omitempty"`
	IsActive     *bool           `json:"is_active,omitempty"`
}
