package cli

import (
	"fmt"
	"io"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// cleanupCmd is the original's cleanup_workflows. It works on every tenant
// of the database: an operator cleans a database, not a tenant (the API's
// POST /cleanup is the per-tenant form).
type cleanupCmd struct {
	Stats  bool     `help:"Print statistics and a recommendation; delete nothing."`
	Days   int      `help:"Keep instances finished in the last N days (0: delete every finished instance)." default:"30"`
	Status []string `help:"Only these finished statuses (completed, rejected, withdrawn)." enum:"completed,rejected,withdrawn"`
	DryRun bool     `help:"Count what would be deleted; delete nothing."`
}

func (c *cleanupCmd) Run(env *Env) error {
	e, done, err := env.openEngine()
	if err != nil {
		return err
	}
	defer done()
	tenants, err := e.Store().TenantList(env.Ctx)
	if err != nil {
		return err
	}
	if c.Stats {
		for _, t := range tenants {
			st, err := e.CleanupStats(env.Ctx, t.ID)
			if err != nil {
				return err
			}
			printStats(env.Out, t.ID, st)
		}
		return nil
	}
	p := &flowgate.CleanupParams{Days: c.Days, DryRun: c.DryRun}
	for _, s := range c.Status {
		p.Statuses = append(p.Statuses, flowtype.Status(s))
	}
	var total flowgate.CleanupCounts
	for _, t := range tenants {
		res, err := e.Cleanup(env.Ctx, t.ID, p)
		if err != nil {
			return fmt.Errorf("tenant %s: %w", t.ID, err)
		}
		total.Add(&res.Counts)
	}
	verb := "Deleted"
	if c.DryRun {
		verb = "Would delete (dry run)"
	}
	fmt.Fprintf(env.Out, "%s: %d instances finished more than %d days ago, with %d tasks, %d events, %d idempotency records, %d action runs\n",
		verb, total.Instances, c.Days, total.Tasks, total.Events, total.Idempotency, total.ActionRuns)
	return nil
}

func printStats(w io.Writer, tenant string, st *flowgate.CleanupStatistics) {
	fmt.Fprintf(w, "=== Workflow Cleanup Statistics (tenant %s) ===\n", tenant)
	fmt.Fprintln(w, "Workflow Instances:")
	fmt.Fprintf(w, "Total: %d\n", st.Total)
	for _, s := range st.ByStatus {
		fmt.Fprintf(w, "%s: %d (%.1f%%)\n", statusLabel(s.Status), s.Count, s.Percent)
	}
	fmt.Fprintln(w, "Finished by Age:")
	for _, a := range st.ByAge {
		fmt.Fprintf(w, "Older than %d days: %d (%.1f%%)\n", a.Days, a.Count, a.Percent)
	}
	fmt.Fprintln(w, "Recommendations:")
	fmt.Fprintf(w, "→ %s\n", st.Recommendation)
}

var statusLabels = map[flowtype.Status]string{
	flowtype.StatusCompleted: "Completed", flowtype.StatusRejected: "Rejected", flowtype.StatusWithdrawn: "Withdrawn",
	flowtype.StatusInProgress: "In Progress", flowtype.StatusAwaitingResubmission: "Awaiting Resubmission",
	flowtype.StatusNotStarted: "Not Started",
}

func statusLabel(s flowtype.Status) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}
