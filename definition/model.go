package definition

import "encoding/json"

// Strategy is a workflow's hierarchy: where its approvals live.
type Strategy int

// The three strategies of the original.
const (
	// StrategyPipelineStage is workflow → pipelines → stages; approvals in
	// each stage's stage_info.
	StrategyPipelineStage Strategy = 1
	// StrategyPipeline is workflow → pipelines; approvals in each
	// pipeline's pipeline_info.
	StrategyPipeline Strategy = 2
	// StrategyWorkflowOnly has approvals in workflow_info only.
	StrategyWorkflowOnly Strategy = 3
)

// Name is a localized name keyed by language tag ("en", "ar", "fr-CA", …).
type Name map[string]string

// Default returns the English name, else any name in a stable order.
func (n Name) Default() string {
	if v := n["en"]; v != "" {
		return v
	}
	best := ""
	bestTag := ""
	for tag, v := range n {
		if v != "" && (bestTag == "" || tag < bestTag) {
			best, bestTag = v, tag
		}
	}
	return best
}

// Workflow is a whole definition: the unit that is versioned, imported and
// exported.
type Workflow struct {
	ID          string   `json:"id,omitempty"`
	Name        Name     `json:"name"`
	Description string   `json:"description,omitempty"`
	Strategy    Strategy `json:"strategy"`
	// IsActive is the designer's switch; an incomplete workflow also reads
	// inactive (see Completeness).
	IsActive          bool       `json:"is_active"`
	AllowSelfApproval bool       `json:"allow_self_approval,omitempty"`
	Info              Info       `json:"workflow_info"`
	Pipelines         []Pipeline `json:"pipelines,omitempty"`
	Actions           []Action   `json:"actions,omitempty"`
}

// Pipeline is a department or phase of a workflow.
type Pipeline struct {
	ID         string      `json:"id,omitempty"`
	Name       Name        `json:"name"`
	Order      int         `json:"order"`
	Department *Department `json:"department,omitempty"`
	Info       Info        `json:"pipeline_info"`
	Stages     []Stage     `json:"stages,omitempty"`
	Actions    []Action    `json:"actions,omitempty"`
}

// Stage is one group of approval steps inside a pipeline.
type Stage struct {
	ID       string   `json:"id,omitempty"`
	Name     Name     `json:"name"`
	Order    int      `json:"order"`
	IsActive bool     `json:"is_active"`
	Info     Info     `json:"stage_info"`
	Actions  []Action `json:"actions,omitempty"`
}

// DefaultStageColor is a stage's color when none is given.
const DefaultStageColor = "#3498db"

// Info is a workflow_info, pipeline_info or stage_info document: the
// approvals list, the stage color, and any other keys, kept as given.
type Info struct {
	Approvals []Step `json:"approvals,omitempty"`
	// Color is used by stages only.
	Color string `json:"color,omitempty"`
	// Extra holds every other key verbatim.
	Extra map[string]json.RawMessage `json:"-"`
}

// Department links a pipeline to a department of the host application.
type Department struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Approval step values, stored lower-case.
const (
	ApprovalUser         = "user"
	ApprovalRole         = "role"
	ApprovalSelfApproved = "self-approved"

	RoleAnyone     = "anyone"
	RoleConsensus  = "consensus"
	RoleRoundRobin = "round_robin"
	RoleQuorum     = "quorum"

	StepApprove       = "approve"
	StepSubmit        = "submit"
	StepCheckInVerify = "check_in_verify"
	StepMove          = "move"
)

// Step is one approval step: who must act and how.
type Step struct {
	ApprovalType          string `json:"approval_type"`
	ApprovalUser          string `json:"approval_user,omitempty"`
	UserRole              string `json:"user_role,omitempty"`
	RoleSelectionStrategy string `json:"role_selection_strategy,omitempty"`
	QuorumCount           *int   `json:"quorum_count,omitempty"`
	QuorumPercent         *int   `json:"quorum_percent,omitempty"`
	StepApprovalType      string `json:"step_approval_type,omitempty"`
	RequiredForm          string `json:"required_form,omitempty"`
	// Condition is a CEL expression over subject and metadata; the step
	// applies only when it is true.
	Condition string `json:"condition,omitempty"`
	// Extra holds any other key verbatim.
	Extra map[string]json.RawMessage `json:"-"`
}

// Action scopes.
const (
	ScopeWorkflow = "workflow"
	ScopePipeline = "pipeline"
	ScopeStage    = "stage"
)

// Action is what runs on an event at the scope that holds it.
type Action struct {
	ID         string          `json:"id,omitempty"`
	ActionType string          `json:"action_type"`
	Handler    string          `json:"handler"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	Order      int             `json:"order"`
	IsActive   bool            `json:"is_active"`
}
