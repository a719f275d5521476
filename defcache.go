package flowgate

import (
	"context"
	"fmt"
	"sync"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/store"
)

// compiledWorkflow is a pinned definition version prepared for the hot
// path: its run order and indexes from ids to positions.
type compiledWorkflow struct {
	version int
	def     *definition.Workflow
	units   []definition.Unit
	// unitByStage maps an active stage id to its unit index (strategy 1).
	unitByStage map[string]int
	// unitByPipeline maps a pipeline id to its first unit index.
	unitByPipeline map[string]int
}

func compileWorkflow(def *definition.Workflow, version int) *compiledWorkflow {
	cw := &compiledWorkflow{
		version:        version,
		def:            def,
		units:          def.Units(),
		unitByStage:    map[string]int{},
		unitByPipeline: map[string]int{},
	}
	for i, u := range cw.units {
		if u.Stage != nil {
			cw.unitByStage[u.Stage.ID] = i
		}
		if u.Pipeline != nil {
			if _, seen := cw.unitByPipeline[u.Pipeline.ID]; !seen {
				cw.unitByPipeline[u.Pipeline.ID] = i
			}
		}
	}
	return cw
}

// unitOf returns the unit index an instance position names, or -1.
func (cw *compiledWorkflow) unitOf(pipelineID, stageID string) int {
	switch cw.def.Strategy {
	case definition.StrategyWorkflowOnly:
		return 0
	case definition.StrategyPipeline:
		if i, ok := cw.unitByPipeline[pipelineID]; ok {
			return i
		}
	default:
		if i, ok := cw.unitByStage[stageID]; ok {
			return i
		}
	}
	return -1
}

// defCache holds pinned definition versions. A version is cached only once
// an instance pins it: from then on it never changes (an edit creates a
// new version), so entries never go stale.
type defCache struct {
	mu sync.RWMutex
	m  map[string]*compiledWorkflow
}

func newDefCache() *defCache { return &defCache{m: map[string]*compiledWorkflow{}} }

func defKey(tenantID, workflowID string, version int) string {
	return fmt.Sprintf("%s\x00%s\x00%d", tenantID, workflowID, version)
}

// get returns a cached version (one an instance pinned), if any.
func (c *defCache) get(tenantID, workflowID string, version int) (*compiledWorkflow, bool) {
	c.mu.RLock()
	cw, ok := c.m[defKey(tenantID, workflowID, version)]
	c.mu.RUnlock()
	return cw, ok
}

// put caches a version an instance pinned in a committed transaction.
func (c *defCache) put(tenantID, workflowID string, cw *compiledWorkflow) {
	c.mu.Lock()
	if _, ok := c.m[defKey(tenantID, workflowID, cw.version)]; !ok {
		c.m[defKey(tenantID, workflowID, cw.version)] = cw
	}
	c.mu.Unlock()
}

// pinned returns the compiled version, reading it through x on a miss. Call
// it only for a version an instance pins (or is pinning in x's transaction).
func (c *defCache) pinned(ctx context.Context, x store.Executor, tenantID, workflowID string, version int) (*compiledWorkflow, error) {
	key := defKey(tenantID, workflowID, version)
	c.mu.RLock()
	cw, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return cw, nil
	}
	v, err := x.WorkflowVersionGet(ctx, tenantID, workflowID, version)
	if err != nil {
		return nil, fmt.Errorf("flowgate: read workflow %s version %d: %w", workflowID, version, err)
	}
	def, err := definition.DecodeJSON(v.Definition)
	if err != nil {
		return nil, fmt.Errorf("flowgate: decode workflow %s version %d: %w", workflowID, version, err)
	}
	def.ID = workflowID
	cw = compileWorkflow(def, version)
	c.mu.Lock()
	c.m[key] = cw
	c.mu.Unlock()
	return cw, nil
}
