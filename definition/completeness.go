package definition

import "fmt"

// Completeness answers the original's validate_completeness: whether a
// workflow has what its strategy needs to run, with the message the API
// and the attach refusal show. A workflow that is not complete may be
// saved but cannot be attached, and reads inactive.
//
// It assumes w passed [Validate]; it looks only at structure. Unlike the
// original, a stage without approvals is complete (it is one self-approved
// step), and an inactive stage is skipped rather than making the workflow
// incomplete, unless no stage at all is active.
func Completeness(w *Workflow) (valid bool, message string) {
	if w == nil {
		return false, "a workflow is required"
	}
	switch w.Strategy {
	case StrategyPipelineStage:
		return completeStages(w)
	case StrategyPipeline:
		return completePipelines(w)
	case StrategyWorkflowOnly:
		if len(w.Info.Approvals) == 0 {
			return false, "Strategy 3 workflow must have approvals in workflow_info"
		}
		if len(w.Pipelines) > 0 {
			return false, "Strategy 3 workflow cannot have pipelines (approvals are at workflow level only)"
		}
		return true, "Strategy 3 workflow is complete and valid"
	}
	return false, fmt.Sprintf("Unknown strategy: %d", w.Strategy)
}

func completeStages(w *Workflow) (bool, string) {
	pipelines := w.SortedPipelines()
	if len(pipelines) == 0 {
		return false, "Strategy 1 workflow must have at least one pipeline"
	}
	active := false
	for _, p := range pipelines {
		if len(p.Stages) == 0 {
			return false, fmt.Sprintf("Pipeline '%s' must have at least one stage", p.Name.Default())
		}
		for i := range p.Stages {
			active = active || p.Stages[i].IsActive
		}
	}
	if !active {
		return false, "Strategy 1 workflow must have at least one active stage"
	}
	return true, "Strategy 1 workflow is complete and valid"
}

func completePipelines(w *Workflow) (bool, string) {
	pipelines := w.SortedPipelines()
	if len(pipelines) == 0 {
		return false, "Strategy 2 workflow must have at least one pipeline"
	}
	for _, p := range pipelines {
		if len(p.Info.Approvals) == 0 {
			return false, fmt.Sprintf("Strategy 2 pipeline '%s' must have approvals in pipeline_info", p.Name.Default())
		}
		if len(p.Stages) > 0 {
			return false, fmt.Sprintf("Strategy 2 pipeline '%s' cannot have stages (approvals are at pipeline level)", p.Name.Default())
		}
	}
	return true, "Strategy 2 workflow is complete and valid"
}
