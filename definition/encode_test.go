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

func TestPlainJSONUnmarshalNodes(t *testing.T) {
	t.Parallel()
	var doc struct {
		Pipeline definition.Pipeline `json:"pipeline"`
		Stage    definition.Stage    `json:"stage"`
		Action   definition.Action   `json:"action"`
		Info     definition.Info     `json:"info"`
	}
	err := json.Unmarshal([]byte(`{"pipeline": {"name_en": "P", "number_of_stages": 1}, "stage": {"name": "S"},
		"action": {"action_type": "after_approve", "function_path": "h"}, "info": {"k": [1]}}`), &doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Pipeline.Stages) != 1 || doc.Stage.Info.Color != "#3498db" || doc.Action.Handler != "h" || string(doc.Info.Extra["k"]) != "[1]" {
		t.Errorf("decoded %+v", doc)
	}
	for _, tt := range []struct {
		v    any
		doc  string
		want []flowtype.FieldError
	}{
		{&definition.Pipeline{}, `{"x": 1}`, []flowtype.FieldError{fe("x", "unknown field")}},
		{&definition.Stage{}, `{"order": "1"}`, []flowtype.FieldError{fe("order", "must be an integer")}},
		{&definition.Action{}, `{"order": true}`, []flowtype.FieldError{fe("order", "must be an integer")}},
		{&definition.Info{}, `{"approvals": {}}`, []flowtype.FieldError{fe("approvals", "must be a list")}},
		{&definition.Workflow{}, `{"x": 1}`, []flowtype.FieldError{fe("x", "unknown field")}},
	} {
		requireErrors(t, json.Unmarshal([]byte(tt.doc), tt.v), tt.want)
	}
}

// TestEncodeYAMLKeepsMeaning: keys the YAML writer would leave plain but a
// reader would take for YAML syntax still read back as plain keys.
func TestEncodeYAMLKeepsMeaning(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"<<", "=", "~", "? x", "- y", "yes", "1"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			w := &definition.Workflow{
				Name: definition.Name{"en": "W"}, Strategy: 1, IsActive: true,
				Info: definition.Info{Extra: map[string]json.RawMessage{key: json.RawMessage(`null`), "k": json.RawMessage(`{"` + key + `":1}`)}},
			}
			requireRoundTrip(t, w)
		})
	}
}
