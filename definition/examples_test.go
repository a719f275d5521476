package definition_test

import (
	"testing"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

func TestExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file       string
		wantErrs   []flowtype.FieldError
		wantValid  bool
		wantMsg    string
		wantUnits  int
		wantStages []string // names of the units' stages (or pipelines), in run order
	}{
		{file: "strategy1.yaml", wantValid: true, wantMsg: "Strategy 1 workflow is complete and valid", wantStages: []string{"Review"}},
		{file: "strategy2.yaml", wantValid: true, wantMsg: "Strategy 2 workflow is complete and valid", wantStages: []string{"HR"}},
		{file: "strategy3.yaml", wantValid: true, wantMsg: "Strategy 3 workflow is complete and valid", wantStages: []string{""}},
		{file: "purchase-request.yaml", wantValid: true, wantMsg: "Strategy 1 workflow is complete and valid",
			wantStages: []string{"Initial Review", "Budget Approval", "Final Finance Sign-off", "Executive Approval"}},
		{file: "purchase-request-original.json", wantValid: true, wantMsg: "Strategy 1 workflow is complete and valid",
			wantStages: []string{"Stage 1", "Stage 2", "Stage 3", "Stage 1"}},
		{file: "contract-review.yaml", wantValid: true, wantMsg: "Strategy 1 workflow is complete and valid",
			wantStages: []string{"Clause Check", "Archive", "Budget Check"}},
		{file: "invalid/strategy2-with-stages.yaml",
			wantErrs:   []flowtype.FieldError{fe("pipelines[0]", "Strategy 2 (Workflow→Pipeline) cannot have stages.")},
			wantMsg:    "Strategy 2 pipeline 'HR Processing' cannot have stages (approvals are at pipeline level)",
			wantStages: []string{"HR Processing"}},
		{file: "invalid/strategy3-with-pipeline.yaml",
			wantErrs:   []flowtype.FieldError{fe("pipelines", "Cannot create pipelines for Strategy 3 (Workflow Only) workflows.")},
			wantMsg:    "Strategy 3 workflow cannot have pipelines (approvals are at workflow level only)",
			wantStages: []string{""}},
		{file: "invalid/strategy1-no-pipeline.yaml", wantMsg: "Strategy 1 workflow must have at least one pipeline"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			w := mustDecode(t, string(readExample(t, tt.file)), formatOf(tt.file))
			requireErrors(t, definition.Validate(w, nil), tt.wantErrs)
			valid, msg := definition.Completeness(w)
			if valid != tt.wantValid || msg != tt.wantMsg {
				t.Errorf("Completeness = %v, %q; want %v, %q", valid, msg, tt.wantValid, tt.wantMsg)
			}
			var names []string
			for _, u := range w.Units() {
				switch {
				case u.Stage != nil:
					names = append(names, u.Stage.Name.Default())
				case u.Pipeline != nil:
					names = append(names, u.Pipeline.Name.Default())
				default:
					names = append(names, "")
				}
			}
			if len(names) != len(tt.wantStages) {
				t.Fatalf("units = %q, want %q", names, tt.wantStages)
			}
			for i := range names {
				if names[i] != tt.wantStages[i] {
					t.Errorf("units = %q, want %q", names, tt.wantStages)
				}
			}
		})
	}
}

// TestExamplesCoverEveryFile keeps the table above in step with the folder.
func TestExamplesCoverEveryFile(t *testing.T) {
	t.Parallel()
	if n := len(exampleFiles(t)); n != 9 {
		t.Errorf("examples/ has %d files; add the new ones to TestExamples", n)
	}
}

func TestExamplePurchaseRequestOriginal(t *testing.T) {
	t.Parallel()
	w := mustDecode(t, string(readExample(t, "purchase-request-original.json")), "json")
	if w.Name["ar"] != "موافقة طلب الشراء" || w.Pipelines[0].Department.ID != "1" || w.Pipelines[1].Order != 2 {
		t.Errorf("decoded %+v", w)
	}
	s := w.Pipelines[0].Stages[2]
	if s.Name["ar"] != "المرحلة 3" || s.Order != 2 || !s.IsActive || s.Info.Color != "#3498db" {
		t.Errorf("third generated stage = %+v", s)
	}
}
