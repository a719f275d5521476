package flowgate

import (
	"context"
	"math"

	"github.com/flowgate/flowgate/definition"
)

// The original's reporting functions (get_workflow_pipeline_structure,
// get_workflow_approval_summary, get_workflow_statistics), computed from a
// workflow's current version, with the original's keys. Approvals held by
// pipelines (strategy 2) and by the workflow (strategy 3) are counted with
// the stages' ones.

// Names is a node's localized name with the original's name_en and name_ar.
type Names struct {
	Name   definition.Name `json:"name"`
	NameEn string          `json:"name_en,omitempty"`
	NameAr string          `json:"name_ar,omitempty"`
}

// NamesOf spells a localized name the three ways.
func NamesOf(n definition.Name) Names {
	if n == nil {
		n = definition.Name{}
	}
	return Names{Name: n, NameEn: n["en"], NameAr: n["ar"]}
}

// WorkflowStructure is get_workflow_pipeline_structure: the tree for
// drawing.
type WorkflowStructure struct {
	WorkflowID     string              `json:"workflow_id"`
	WorkflowName   string              `json:"workflow_name"`
	Strategy       int                 `json:"strategy"`
	Pipelines      []StructurePipeline `json:"pipelines"`
	TotalPipelines int                 `json:"total_pipelines"`
	TotalStages    int                 `json:"total_stages"`
}

// StructurePipeline is one pipeline of a WorkflowStructure.
type StructurePipeline struct {
	ID string `json:"id"`
	Names
	Order          int                    `json:"order"`
	Department     *definition.Department `json:"department"`
	ApprovalsCount int                    `json:"approvals_count"`
	Stages         []StructureStage       `json:"stages"`
	StagesCount    int                    `json:"stages_count"`
}

// StructureStage is one stage of a StructurePipeline.
type StructureStage struct {
	ID string `json:"id"`
	Names
	Order          int            `json:"order"`
	IsActive       bool           `json:"is_active"`
	ApprovalsCount int            `json:"approvals_count"`
	ApprovalTypes  map[string]int `json:"approval_types"`
	Color          string         `json:"color"`
	HasForms       bool           `json:"has_forms"`
}

// StructureOf computes a workflow's structure.
func StructureOf(w *definition.Workflow) *WorkflowStructure {
	out := &WorkflowStructure{
		WorkflowID: w.ID, WorkflowName: w.Name.Default(), Strategy: int(w.Strategy),
		Pipelines: []StructurePipeline{},
	}
	for _, p := range w.SortedPipelines() {
		sp := StructurePipeline{
			ID: p.ID, Names: NamesOf(p.Name), Order: p.Order, Department: p.Department,
			ApprovalsCount: len(p.Info.Approvals), Stages: []StructureStage{},
		}
		for _, s := range p.SortedStages() {
			types := map[string]int{definition.ApprovalRole: 0, definition.ApprovalUser: 0, definition.ApprovalSelfApproved: 0}
			for _, a := range s.Info.Approvals {
				if _, ok := types[a.ApprovalType]; ok {
					types[a.ApprovalType]++
				}
			}
			sp.Stages = append(sp.Stages, StructureStage{
				ID: s.ID, Names: NamesOf(s.Name), Order: s.Order, IsActive: s.IsActive,
				ApprovalsCount: len(s.Info.Approvals), ApprovalTypes: types,
				Color: stageColor(s), HasForms: hasForms(s.Info.Approvals),
			})
		}
		sp.StagesCount = len(sp.Stages)
		out.TotalStages += sp.StagesCount
		out.Pipelines = append(out.Pipelines, sp)
	}
	out.TotalPipelines = len(out.Pipelines)
	return out
}

func stageColor(s *definition.Stage) string {
	if s.Info.Color == "" {
		return definition.DefaultStageColor
	}
	return s.Info.Color
}

func hasForms(steps []definition.Step) bool {
	for _, a := range steps {
		if a.RequiredForm != "" {
			return true
		}
	}
	return false
}

// ApprovalSummary is get_workflow_approval_summary.
type ApprovalSummary struct {
	WorkflowID string `json:"workflow_id"`
	// TotalApprovals counts every approval step of every level.
	TotalApprovals int `json:"total_approvals"`
	// WorkflowApprovals counts workflow_info's steps (strategy 3).
	WorkflowApprovals int            `json:"workflow_approvals"`
	ByType            map[string]int `json:"by_type"`
	// ByStrategy counts role steps by role_selection_strategy.
	ByStrategy        map[string]int            `json:"by_strategy"`
	StagesWithForms   int                       `json:"stages_with_forms"`
	PipelineBreakdown []ApprovalSummaryPipeline `json:"pipeline_breakdown"`
}

// ApprovalSummaryPipeline is one pipeline of an ApprovalSummary.
type ApprovalSummaryPipeline struct {
	PipelineID    string `json:"pipeline_id"`
	PipelineName  string `json:"pipeline_name"`
	PipelineOrder int    `json:"pipeline_order"`
	// PipelineApprovals counts pipeline_info's steps (strategy 2).
	PipelineApprovals int                    `json:"pipeline_approvals"`
	Stages            []ApprovalSummaryStage `json:"stages"`
	TotalApprovals    int                    `json:"total_approvals"`
}

// ApprovalSummaryStage is one stage of an ApprovalSummaryPipeline.
type ApprovalSummaryStage struct {
	StageID        string `json:"stage_id"`
	StageName      string `json:"stage_name"`
	StageOrder     int    `json:"stage_order"`
	ApprovalsCount int    `json:"approvals_count"`
	HasForms       bool   `json:"has_forms"`
}

// ApprovalSummaryOf computes a workflow's approval summary.
func ApprovalSummaryOf(w *definition.Workflow) *ApprovalSummary {
	out := &ApprovalSummary{
		WorkflowID:        w.ID,
		ByType:            map[string]int{definition.ApprovalRole: 0, definition.ApprovalUser: 0, definition.ApprovalSelfApproved: 0},
		ByStrategy:        map[string]int{definition.RoleAnyone: 0, definition.RoleConsensus: 0, definition.RoleRoundRobin: 0, definition.RoleQuorum: 0},
		PipelineBreakdown: []ApprovalSummaryPipeline{},
	}
	count := func(steps []definition.Step) {
		out.TotalApprovals += len(steps)
		for _, a := range steps {
			if _, ok := out.ByType[a.ApprovalType]; ok {
				out.ByType[a.ApprovalType]++
			}
			if a.ApprovalType == definition.ApprovalRole {
				if _, ok := out.ByStrategy[a.RoleSelectionStrategy]; ok {
					out.ByStrategy[a.RoleSelectionStrategy]++
				}
			}
		}
	}
	count(w.Info.Approvals)
	out.WorkflowApprovals = len(w.Info.Approvals)
	for _, p := range w.SortedPipelines() {
		pb := ApprovalSummaryPipeline{
			PipelineID: p.ID, PipelineName: p.Name.Default(), PipelineOrder: p.Order,
			PipelineApprovals: len(p.Info.Approvals), TotalApprovals: len(p.Info.Approvals),
			Stages: []ApprovalSummaryStage{},
		}
		count(p.Info.Approvals)
		for _, s := range p.SortedStages() {
			count(s.Info.Approvals)
			forms := hasForms(s.Info.Approvals)
			if forms {
				out.StagesWithForms++
			}
			pb.TotalApprovals += len(s.Info.Approvals)
			pb.Stages = append(pb.Stages, ApprovalSummaryStage{
				StageID: s.ID, StageName: s.Name.Default(), StageOrder: s.Order,
				ApprovalsCount: len(s.Info.Approvals), HasForms: forms,
			})
		}
		out.PipelineBreakdown = append(out.PipelineBreakdown, pb)
	}
	return out
}

// WorkflowStatistics is get_workflow_statistics for one tenant.
type WorkflowStatistics struct {
	Overview StatisticsOverview `json:"overview"`
	// ByCompany has one entry, keyed by the tenant's name (its id when
	// unnamed), as the original keys by company.
	ByCompany map[string]CompanyStatistics `json:"by_company"`
}

// StatisticsOverview is the overview of WorkflowStatistics.
type StatisticsOverview struct {
	TotalWorkflows          int     `json:"total_workflows"`
	ActiveWorkflows         int     `json:"active_workflows"`
	InactiveWorkflows       int     `json:"inactive_workflows"`
	TotalPipelines          int     `json:"total_pipelines"`
	TotalStages             int     `json:"total_stages"`
	TotalApprovals          int     `json:"total_approvals"`
	AvgPipelinesPerWorkflow float64 `json:"avg_pipelines_per_workflow"`
	AvgStagesPerWorkflow    float64 `json:"avg_stages_per_workflow"`
}

// CompanyStatistics is one company's counts.
type CompanyStatistics struct {
	Workflows int `json:"workflows"`
	Pipelines int `json:"pipelines"`
	Stages    int `json:"stages"`
	Approvals int `json:"approvals"`
}

// Statistics computes get_workflow_statistics over every workflow of the
// tenant (each at its current version). A workflow is active when it can
// be attached: switched on and complete.
func (e *Engine) Statistics(ctx context.Context, tenantID string) (*WorkflowStatistics, error) {
	t, err := e.store.TenantGet(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	var o StatisticsOverview
	after := ""
	for {
		page, err := e.ListWorkflows(ctx, tenantID, &ListWorkflowsParams{AfterID: after, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, d := range page {
			o.TotalWorkflows++
			if d.IsActive() {
				o.ActiveWorkflows++
			}
			s := ApprovalSummaryOf(d.Definition)
			o.TotalPipelines += len(d.Definition.Pipelines)
			for _, p := range d.Definition.Pipelines {
				o.TotalStages += len(p.Stages)
			}
			o.TotalApprovals += s.TotalApprovals
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].Definition.ID
	}
	o.InactiveWorkflows = o.TotalWorkflows - o.ActiveWorkflows
	if o.TotalWorkflows > 0 {
		o.AvgPipelinesPerWorkflow = round2(float64(o.TotalPipelines) / float64(o.TotalWorkflows))
		o.AvgStagesPerWorkflow = round2(float64(o.TotalStages) / float64(o.TotalWorkflows))
	}
	name := t.Name
	if name == "" {
		name = t.ID
	}
	by := map[string]CompanyStatistics{}
	if o.TotalWorkflows > 0 {
		by[name] = CompanyStatistics{Workflows: o.TotalWorkflows, Pipelines: o.TotalPipelines, Stages: o.TotalStages, Approvals: o.TotalApprovals}
	}
	return &WorkflowStatistics{Overview: o, ByCompany: by}, nil
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
