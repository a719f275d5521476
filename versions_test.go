package flowgate_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
)

// Editing a workflow that an instance pins creates version 2 derived from
// version 1, and leaves version 1 readable and byte-for-byte unchanged.
func TestEditPinnedWorkflowCreatesVersion(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("")
		v1Before := must(f.e.ExportWorkflow(f.ctx, acme, "P", 1, "json"))
		inst := f.attachP("P", "42")

		must(f.e.UpdateStage(f.ctx, acme, "BA", func(s *definition.Stage) error {
			s.Name = definition.Name{"en": "Budget Check"}
			return nil
		}, &flowgate.WriteOpts{Actor: "adm"}))

		versions := must(f.e.WorkflowVersions(f.ctx, acme, "P"))
		if len(versions) != 2 || versions[1].Version != 2 || versions[1].DerivedFrom != 1 || versions[1].CreatedBy != "adm" {
			t.Fatalf("versions: %+v", versions)
		}
		if diff := cmp.Diff(string(v1Before), string(must(f.e.ExportWorkflow(f.ctx, acme, "P", 1, "json")))); diff != "" {
			t.Fatalf("version 1 changed (-before +after):\n%s", diff)
		}
		cur := must(f.e.GetWorkflow(f.ctx, acme, "P"))
		if _, s := cur.Definition.FindStage("BA"); cur.Version != 2 || s.Name["en"] != "Budget Check" {
			t.Fatalf("current version %d shows BA as %v", cur.Version, s.Name)
		}
		// A second edit of version 2, which nothing pins, changes it in place.
		must(f.e.UpdateStage(f.ctx, acme, "BA", func(s *definition.Stage) error {
			s.Name = definition.Name{"en": "Budget Gate"}
			return nil
		}, nil))
		if n := len(must(f.e.WorkflowVersions(f.ctx, acme, "P"))); n != 2 {
			t.Fatalf("an unpinned version must be edited in place, got %d versions", n)
		}
		// The running instance still sees version 1's names.
		v := f.approve(inst, "r1")
		if v.Instance.WorkflowVersion != 1 || stageName(v) != "Budget Approval" {
			t.Fatalf("instance runs version %d at %q", v.Instance.WorkflowVersion, stageName(v))
		}
	})
}
