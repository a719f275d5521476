package definition

import (
	"cmp"
	"slices"
)

// Unit is one level an instance runs through: a stage (strategy 1), a
// pipeline (strategy 2) or the workflow itself (strategy 3).
type Unit struct {
	// Index is the unit's 0-based position in the run order.
	Index int
	// Pipeline is nil for strategy 3.
	Pipeline *Pipeline
	// Stage is nil for strategies 2 and 3.
	Stage *Stage
	// Approvals are the unit's steps with the defaults written out
	// (step_approval_type approve, role_selection_strategy anyone for role
	// steps). A stage with no approvals has one self-approved step.
	Approvals []Step
}

// Units lists the levels an instance runs through, in run order: strategy 1
// the active stages, pipelines by order and stages by order within each;
// strategy 2 the pipelines by order; strategy 3 one unit for the workflow.
// An unknown strategy has none.
//
// Pipeline and Stage point into w, so w must not be changed while the units
// are in use; Approvals are copies. w's own lists keep their order.
func (w *Workflow) Units() []Unit {
	var units []Unit
	add := func(p *Pipeline, s *Stage, steps []Step) {
		units = append(units, Unit{Index: len(units), Pipeline: p, Stage: s, Approvals: steps})
	}
	switch w.Strategy {
	case StrategyPipelineStage:
		for _, p := range w.SortedPipelines() {
			for _, s := range p.SortedStages() {
				if !s.IsActive {
					continue
				}
				steps := runSteps(s.Info.Approvals)
				if len(steps) == 0 {
					steps = []Step{{ApprovalType: ApprovalSelfApproved, StepApprovalType: StepApprove}}
				}
				add(p, s, steps)
			}
		}
	case StrategyPipeline:
		for _, p := range w.SortedPipelines() {
			add(p, nil, runSteps(p.Info.Approvals))
		}
	case StrategyWorkflowOnly:
		add(nil, nil, runSteps(w.Info.Approvals))
	}
	return units
}

// runSteps copies steps with their defaults written out, so that the engine
// never has to know which empty value means what.
func runSteps(steps []Step) []Step {
	if len(steps) == 0 {
		return nil
	}
	out := make([]Step, len(steps))
	for i, s := range steps {
		if s.StepApprovalType == "" {
			s.StepApprovalType = StepApprove
		}
		if s.ApprovalType == ApprovalRole && s.RoleSelectionStrategy == "" {
			s.RoleSelectionStrategy = RoleAnyone
		}
		out[i] = s
	}
	return out
}

// SortedPipelines returns pointers to w's pipelines ordered by order, ties
// kept in list order. w.Pipelines itself is not reordered.
func (w *Workflow) SortedPipelines() []*Pipeline {
	out := make([]*Pipeline, len(w.Pipelines))
	for i := range w.Pipelines {
		out[i] = &w.Pipelines[i]
	}
	slices.SortStableFunc(out, func(a, b *Pipeline) int { return cmp.Compare(a.Order, b.Order) })
	return out
}

// SortedStages returns pointers to p's stages ordered by order, ties kept
// in list order. p.Stages itself is not reordered.
func (p *Pipeline) SortedStages() []*Stage {
	out := make([]*Stage, len(p.Stages))
	for i := range p.Stages {
		out[i] = &p.Stages[i]
	}
	slices.SortStableFunc(out, func(a, b *Stage) int { return cmp.Compare(a.Order, b.Order) })
	return out
}
