package definition_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestEncodeGolden pins the canonical document, so that a change of the
// export format is a visible diff.
func TestEncodeGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"purchase-request-original.json", "contract-review.yaml"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := mustDecode(t, string(readExample(t, name)), formatOf(name))
			got, err := definition.EncodeJSON(w)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(name, filepath.Ext(name))+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestEncodeGolden -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("export (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncodeRoundTripsExamples(t *testing.T) {
	t.Parallel()
	for _, name := range exampleFiles(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := mustDecode(t, string(readExample(t, name)), formatOf(name))
			requireRoundTrip(t, w)
		})
	}
}

// requireRoundTrip checks that w survives export and import in both
// formats, and that exporting is deterministic.
func requireRoundTrip(t tb, w *definition.Workflow) {
	t.Helper()
	doc, err := definition.EncodeJSON(w)
	if err != nil {
		t.Fatalf("EncodeJSON: %v", err)
	}
	back, err := definition.DecodeJSON(doc)
	if err != nil {
		t.Fatalf("DecodeJSON of the export: %v\n%s", err, doc)
	}
	if diff := cmp.Diff(w, back); diff != "" {
		t.Fatalf("JSON round trip (-before +after):\n%s\n%s", diff, doc)
	}
	again, _ := definition.EncodeJSON(back)
	if string(again) != string(doc) {
		t.Fatalf("export is not stable:\n%s\n%s", doc, again)
	}
	ydoc, err := definition.EncodeYAML(w)
	if err != nil {
		t.Fatalf("EncodeYAML: %v", err)
	}
	yback, err := definition.DecodeYAML(ydoc)
	if err != nil {
		t.Fatalf("DecodeYAML of the export: %v\n%s", err, ydoc)
	}
	if diff := cmp.Diff(w, yback); diff != "" {
		t.Fatalf("YAML round trip (-before +after):\n%s\n%s", diff, ydoc)
	}
}

func TestEncodeKeepsTextReadable(t *testing.T) {
	t.Parallel()
	w := mustDecode(t, stepDoc(`{"approval_type": "self-approved", "condition": "subject.a < 3 && subject.b > 1", "note": "<b>"}`), "json")
	doc, err := definition.EncodeJSON(w)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"condition": "subject.a < 3 && subject.b > 1"`, `"note": "<b>"`} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("export lacks %s:\n%s", want, doc)
		}
	}
}

func TestEncodeRefusesExtraShadowingAField(t *testing.T) {
	t.Parallel()
	for _, w := range []*definition.Workflow{
		{Info: definition.Info{Extra: map[string]json.RawMessage{"approvals": json.RawMessage(`[]`)}}},
		{Info: definition.Info{Approvals: []definition.Step{{ApprovalType: "user", Extra: map[string]json.RawMessage{"condition": json.RawMessage(`"x"`)}}}}},
		{Info: definition.Info{Extra: map[string]json.RawMessage{"x": json.RawMessage(`{`)}}},
	} {
		if _, err := definition.EncodeJSON(w); err == nil {
			t.Errorf("EncodeJSON(%+v) succeeded", w.Info)
		}
	}
}

// TestPlainJSONUnmarshal checks that encoding/json alone reads the canonical
// document, info extras and step defaults included.
func TestPlainJSONUnmarshal(t *testing.T) {
	t.Parallel()
	w := mustDecode(t, string(readExample(t, "contract-review.yaml")), "yaml")
	doc, err := definition.EncodeJSON(w)
	if err != nil {
		t.Fatal(err)
	}
	var plain definition.Workflow
	if err := json.Unmarshal(doc, &plain); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w, &plain); diff != "" {
		t.Errorf("json.Unmarshal (-decoded +plain):\n%s", diff)
	}
	var s definition.Step
	err = json.Unmarshal([]byte(`{"approval_type": 3}`), &s)
	requireErrors(t, err, []flowtype.FieldError{fe("approval_type", "must be a string")})
}
