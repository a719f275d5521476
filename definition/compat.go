package definition

// Compat holds what a payload said through the original's compatibility
// fields that the definition does not keep, so that the caller can check
// them against the request's context.
type Compat struct {
	// Company is the original's company id ("" when absent); the API
	// refuses a payload whose company does not name the caller's tenant.
	Company string
	// PipelineID is a stage payload's pipeline_id ("" when absent); the
	// API checks that it names the stage's pipeline. Stages nested in a
	// workflow or pipeline payload may carry it too; there it is ignored.
	PipelineID string
	// OrderGiven reports whether a single pipeline or stage payload gave
	// its order, so that the caller can append the node after its siblings
	// when it did not.
	OrderGiven bool
}
