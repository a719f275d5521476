package api

import (
	"context"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
)

// Workflow is the detailed shape of a workflow (the original's
// get_detailed_workflow_data) at one version.
type Workflow struct {
	ID string `json:"id"`
	flowgate.Names
	Description         string          `json:"description"`
	Company             string          `json:"company" doc:"The tenant (the original's company)."`
	CompanyName         string          `json:"company_name"`
	Strategy            int             `json:"strategy" enum:"1,2,3"`
	IsActive            bool            `json:"is_active" doc:"Attachable: switched on and complete."`
	AllowSelfApproval   bool            `json:"allow_self_approval"`
	Version             int             `json:"version" doc:"The version shown."`
	CurrentVersion      int             `json:"current_version"`
	IsComplete          bool            `json:"is_complete"`
	CompletenessMessage string          `json:"completeness_message"`
	WorkflowInfo        definition.Info `json:"workflow_info"`
	Actions             []Action        `json:"actions"`
	Pipelines           []Pipeline      `json:"pipelines"`
	PipelinesCount      int             `json:"pipelines_count"`
	TotalStagesCount    int             `json:"total_stages_count"`
	WorkflowSummary     WorkflowSummary `json:"workflow_summary"`
	CreatedBy           *string         `json:"created_by"`
	CreatedAt           time.Time       `json:"created_at"`
	ModifiedAt          time.Time       `json:"modified_at"`
}

// WorkflowSummary counts a workflow's parts.
type WorkflowSummary struct {
	TotalPipelines    int               `json:"total_pipelines"`
	TotalStages       int               `json:"total_stages"`
	TotalApprovals    int               `json:"total_approvals"`
	PipelineBreakdown []PipelineSummary `json:"pipeline_breakdown"`
}

// PipelineSummary is one pipeline of a WorkflowSummary.
type PipelineSummary struct {
	PipelineID     string `json:"pipeline_id"`
	PipelineName   string `json:"pipeline_name"`
	PipelineOrder  int    `json:"pipeline_order"`
	StagesCount    int    `json:"stages_count"`
	ApprovalsCount int    `json:"approvals_count"`
}

// Pipeline is a pipeline in the detailed shape.
type Pipeline struct {
	ID string `json:"id"`
	flowgate.Names
	WorkflowID            string                 `json:"workflow_id"`
	Order                 int                    `json:"order"`
	Department            *definition.Department `json:"department"`
	DepartmentID          *string                `json:"department_id"`
	PipelineInfo          definition.Info        `json:"pipeline_info"`
	ApprovalsCount        int                    `json:"approvals_count" doc:"Steps in pipeline_info (strategy 2)."`
	ApprovalConfiguration ApprovalConfiguration  `json:"approval_configuration"`
	Actions               []Action               `json:"actions"`
	Stages                []Stage                `json:"stages"`
	StagesCount           int                    `json:"stages_count"`
}

// Stage is a stage in the detailed shape.
type Stage struct {
	ID string `json:"id"`
	flowgate.Names
	PipelineID            string                `json:"pipeline_id"`
	Order                 int                   `json:"order"`
	IsActive              bool                  `json:"is_active"`
	StageInfo             definition.Info       `json:"stage_info"`
	ApprovalsCount        int                   `json:"approvals_count"`
	HasApprovals          bool                  `json:"has_approvals"`
	ApprovalConfiguration ApprovalConfiguration `json:"approval_configuration"`
	Actions               []Action              `json:"actions"`
}

// ApprovalConfiguration lists a level's steps with display names.
type ApprovalConfiguration struct {
	Approvals      []Approval `json:"approvals"`
	Color          string     `json:"color,omitempty"`
	TotalApprovals int        `json:"total_approvals"`
}

// Approval is an approval step with display names.
type Approval struct {
	ApprovalType          string  `json:"approval_type"`
	ApprovalTypeDisplay   string  `json:"approval_type_display"`
	ApprovalUser          *string `json:"approval_user,omitempty"`
	ApprovalUserName      *string `json:"approval_user_name,omitempty"`
	UserRole              *string `json:"user_role,omitempty"`
	UserRoleName          *string `json:"user_role_name,omitempty"`
	RoleSelectionStrategy *string `json:"role_selection_strategy,omitempty"`
	StrategyDisplay       *string `json:"strategy_display,omitempty"`
	QuorumCount           *int    `json:"quorum_count,omitempty"`
	QuorumPercent         *int    `json:"quorum_percent,omitempty"`
	StepApprovalType      string  `json:"step_approval_type"`
	RequiredForm          *string `json:"required_form,omitempty"`
	RequiredFormName      *string `json:"required_form_name,omitempty"`
	Condition             *string `json:"condition,omitempty"`
}

var approvalTypeDisplay = map[string]string{
	definition.ApprovalRole:         "Role-based Approval",
	definition.ApprovalUser:         "User-specific Approval",
	definition.ApprovalSelfApproved: "Self Approval",
}

var strategyDisplay = map[string]string{
	definition.RoleAnyone:     "Any user with role can approve",
	definition.RoleConsensus:  "All users with role must approve",
	definition.RoleRoundRobin: "Rotate approval among role users",
	definition.RoleQuorum:     "A quorum of users with role must approve",
}

// namer resolves the display names of users, roles and forms, once each.
type namer struct {
	ctx    context.Context
	e      *flowgate.Engine
	tenant string
	cache  map[string]*string
}

func (n *namer) name(kind, id string) *string {
	if id == "" {
		return nil
	}
	key := kind + "\x00" + id
	if v, ok := n.cache[key]; ok {
		return v
	}
	var name string
	switch kind {
	case "user":
		if u, err := n.e.GetUser(n.ctx, n.tenant, id); err == nil {
			name = u.Name
		}
	case "role":
		if r, err := n.e.GetRole(n.ctx, n.tenant, id); err == nil {
			name = r.Name
		}
	case "form":
		if f, err := n.e.GetForm(n.ctx, n.tenant, id); err == nil {
			name = f.Name
		}
	}
	n.cache[key] = opt(name)
	return n.cache[key]
}

func (n *namer) approvals(steps []definition.Step, color string) ApprovalConfiguration {
	out := ApprovalConfiguration{Approvals: []Approval{}, Color: color, TotalApprovals: len(steps)}
	for _, s := range steps {
		a := Approval{
			ApprovalType: s.ApprovalType, ApprovalTypeDisplay: approvalTypeDisplay[s.ApprovalType],
			ApprovalUser: opt(s.ApprovalUser), ApprovalUserName: n.name("user", s.ApprovalUser),
			UserRole: opt(s.UserRole), UserRoleName: n.name("role", s.UserRole),
			QuorumCount: s.QuorumCount, QuorumPercent: s.QuorumPercent,
			StepApprovalType: s.StepApprovalType, RequiredForm: opt(s.RequiredForm),
			RequiredFormName: n.name("form", s.RequiredForm), Condition: opt(s.Condition),
		}
		if a.ApprovalTypeDisplay == "" {
			a.ApprovalTypeDisplay = s.ApprovalType
		}
		if s.ApprovalType == definition.ApprovalRole {
			a.RoleSelectionStrategy = opt(s.RoleSelectionStrategy)
			a.StrategyDisplay = opt(strategyDisplay[s.RoleSelectionStrategy])
		}
		out.Approvals = append(out.Approvals, a)
	}
	return out
}

func (s *Server) newNamer(ctx context.Context, tenant string) *namer {
	return &namer{ctx: ctx, e: s.e, tenant: tenant, cache: map[string]*string{}}
}

// workflowOf builds the detailed shape of d.
func (s *Server) workflowOf(ctx context.Context, tenant string, d *flowgate.WorkflowDetail) *Workflow {
	def := d.Definition
	n := s.newNamer(ctx, tenant)
	company := tenant
	if t, err := s.e.GetTenant(ctx, tenant); err == nil && t.Name != "" {
		company = t.Name
	}
	out := &Workflow{
		ID: def.ID, Names: flowgate.NamesOf(def.Name), Description: def.Description,
		Company: tenant, CompanyName: company, Strategy: int(def.Strategy), IsActive: d.IsActive(),
		AllowSelfApproval: def.AllowSelfApproval, Version: d.Version, CurrentVersion: d.CurrentVersion,
		IsComplete: d.Complete, CompletenessMessage: d.CompletenessMessage, WorkflowInfo: def.Info,
		Actions: actionsOf(def.ID, definition.ScopeWorkflow, def.ID, def.Actions), Pipelines: []Pipeline{},
		CreatedBy: opt(d.CreatedBy), CreatedAt: micro(d.CreatedAt), ModifiedAt: micro(d.UpdatedAt),
	}
	total := len(def.Info.Approvals)
	out.WorkflowSummary.PipelineBreakdown = []PipelineSummary{}
	for _, p := range def.SortedPipelines() {
		po := s.pipelineOf(n, def.ID, p)
		approvals := po.ApprovalsCount
		for _, st := range po.Stages {
			approvals += st.ApprovalsCount
		}
		total += approvals
		out.TotalStagesCount += po.StagesCount
		out.Pipelines = append(out.Pipelines, po)
		out.WorkflowSummary.PipelineBreakdown = append(out.WorkflowSummary.PipelineBreakdown, PipelineSummary{
			PipelineID: p.ID, PipelineName: p.Name.Default(), PipelineOrder: p.Order,
			StagesCount: po.StagesCount, ApprovalsCount: approvals,
		})
	}
	out.PipelinesCount = len(out.Pipelines)
	out.WorkflowSummary.TotalPipelines = out.PipelinesCount
	out.WorkflowSummary.TotalStages = out.TotalStagesCount
	out.WorkflowSummary.TotalApprovals = total
	return out
}

func (s *Server) pipelineOf(n *namer, workflowID string, p *definition.Pipeline) Pipeline {
	out := Pipeline{
		ID: p.ID, Names: flowgate.NamesOf(p.Name), WorkflowID: workflowID, Order: p.Order,
		Department: p.Department, PipelineInfo: p.Info, ApprovalsCount: len(p.Info.Approvals),
		ApprovalConfiguration: n.approvals(p.Info.Approvals, ""),
		Actions:               actionsOf(workflowID, definition.ScopePipeline, p.ID, p.Actions), Stages: []Stage{},
	}
	if p.Department != nil {
		out.DepartmentID = opt(p.Department.ID)
	}
	for _, st := range p.SortedStages() {
		out.Stages = append(out.Stages, stageOf(n, workflowID, p.ID, st))
	}
	out.StagesCount = len(out.Stages)
	return out
}

func stageOf(n *namer, workflowID, pipelineID string, st *definition.Stage) Stage {
	color := st.Info.Color
	if color == "" {
		color = definition.DefaultStageColor
	}
	return Stage{
		ID: st.ID, Names: flowgate.NamesOf(st.Name), PipelineID: pipelineID, Order: st.Order,
		IsActive: st.IsActive, StageInfo: st.Info, ApprovalsCount: len(st.Info.Approvals),
		HasApprovals: len(st.Info.Approvals) > 0, ApprovalConfiguration: n.approvals(st.Info.Approvals, color),
		Actions: actionsOf(workflowID, definition.ScopeStage, st.ID, st.Actions),
	}
}

// WorkflowListItem is a workflow in a list (the original's summary).
type WorkflowListItem struct {
	ID string `json:"id"`
	flowgate.Names
	Description      string    `json:"description"`
	Company          string    `json:"company"`
	Strategy         int       `json:"strategy"`
	IsActive         bool      `json:"is_active"`
	IsComplete       bool      `json:"is_complete"`
	CurrentVersion   int       `json:"current_version"`
	PipelinesCount   int       `json:"pipelines_count"`
	TotalStagesCount int       `json:"total_stages_count"`
	CreatedAt        time.Time `json:"created_at"`
	ModifiedAt       time.Time `json:"modified_at"`
}

func workflowListItemOf(tenant string, d *flowgate.WorkflowDetail) WorkflowListItem {
	def := d.Definition
	out := WorkflowListItem{
		ID: def.ID, Names: flowgate.NamesOf(def.Name), Description: def.Description, Company: tenant,
		Strategy: int(def.Strategy), IsActive: d.IsActive(), IsComplete: d.Complete,
		CurrentVersion: d.CurrentVersion, PipelinesCount: len(def.Pipelines),
		CreatedAt: micro(d.CreatedAt), ModifiedAt: micro(d.UpdatedAt),
	}
	for _, p := range def.Pipelines {
		out.TotalStagesCount += len(p.Stages)
	}
	return out
}
