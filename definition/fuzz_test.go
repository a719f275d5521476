package definition_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// fuzzSeeds are small documents reaching the corners of the decoder.
var fuzzSeeds = []string{
	`{}`, `null`, `[]`, `{"name": "W", "name_en": "W", "name_fr-CA": "V"}`,
	`{"name": "W", "pipelines": [{"name": "A", "number_of_stages": 3, "department_id": {"val": 7}}]}`,
	`{"name": "W", "strategy": 3, "workflow_info": {"approvals": [{"approval_type": "ROLE", "user_role": 1,
		"role_selection_strategy": "quorum", "quorum_percent": 60, "x": {"y": [1, 2.5e3, "<"]}}]}}`,
	`{"name": "W", "actions": [{"action_type": "after_approve", "function_path": "a", "parameters": {"k": null}}]}`,
	`{"name": {"en": "\u007f\u2028"}, "description": {"ar": "و"}, "workflow_info": {"\u0085": "\ufeff"}}`,
	`{"name": "W", "pipelines": [{"name": "A", "order": 1e3, "stages": [{"name": "S", "order": 2.0, "pipeline_id": -1}]}]}`,
}

func FuzzDecodeJSON(f *testing.F) {
	for _, name := range exampleFiles(f) {
		data := readExample(f, name)
		if formatOf(name) != "json" {
			var err error
			if data, err = yaml.YAMLToJSON(data); err != nil {
				f.Fatal(err)
			}
		}
		f.Add(data)
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data, "json")
	})
}

func FuzzDecodeYAML(f *testing.F) {
	for _, name := range exampleFiles(f) {
		f.Add(readExample(f, name))
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("name: &a W\npipelines: [{name: *a, order: 0x1F}]\n"))
	f.Add([]byte("name_en: yes\nstrategy: 1.0\nworkflow_info: {approvals: [{approval_type: user, approval_user: 12345678901234567890}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data, "yaml")
	})
}

// checkDecode: decoding never panics and fails only with a
// ValidationError; what decodes runs through every helper and exports and
// imports back to the same workflow.
func checkDecode(t *testing.T, data []byte, format string) {
	w, err := definition.Decode(data, format)
	if err != nil {
		var ve *flowtype.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) == 0 {
			t.Fatalf("error %v (%T) is not a ValidationError with problems", err, err)
		}
		return
	}
	if err := definition.Validate(w, fakeDirectory{}); err != nil {
		var ve *flowtype.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Validate error %T", err)
		}
	}
	definition.Completeness(w)
	w.Units()
	definition.Refs(w)
	definition.Nodes(w)

	encode, decode := definition.EncodeJSON, definition.DecodeJSON
	if format == "yaml" {
		encode, decode = definition.EncodeYAML, definition.DecodeYAML
	}
	doc, err := encode(w)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	back, err := decode(doc)
	if err != nil {
		t.Fatalf("decode of the export: %v\n%s", err, doc)
	}
	if diff := cmp.Diff(w, back); diff != "" {
		t.Fatalf("round trip (-before +after):\n%s\n%s", diff, doc)
	}
}
