package definition_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/flowgate/flowgate/definition"
)

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// definitionSchema compiles docs/definition.schema.json once.
func definitionSchema(t tb) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		path := filepath.Join("..", "docs", "definition.schema.json")
		var f *os.File
		if f, schemaErr = os.Open(path); schemaErr != nil {
			return
		}
		defer f.Close()
		var doc any
		if doc, schemaErr = jsonschema.UnmarshalJSON(f); schemaErr != nil {
			return
		}
		c := jsonschema.NewCompiler()
		if schemaErr = c.AddResource("definition.schema.json", doc); schemaErr != nil {
			return
		}
		schema, schemaErr = c.Compile("definition.schema.json")
	})
	if schemaErr != nil {
		t.Fatalf("schema: %v", schemaErr)
	}
	return schema
}

// schemaCheck validates a JSON or YAML document against the schema.
func schemaCheck(t tb, doc []byte, format string) error {
	t.Helper()
	if format == "yaml" || format == "yml" || (format == "" && !strings.HasPrefix(strings.TrimSpace(string(doc)), "{")) {
		var err error
		if doc, err = yaml.YAMLToJSON(doc); err != nil {
			t.Fatal(err)
		}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return definitionSchema(t).Validate(inst)
}

func TestSchemaAcceptsExamplesAndTheirExports(t *testing.T) {
	t.Parallel()
	for _, name := range exampleFiles(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data := readExample(t, name)
			if err := schemaCheck(t, data, formatOf(name)); err != nil {
				t.Errorf("example: %v", err)
			}
			w := mustDecode(t, string(data), formatOf(name))
			n := 0
			definition.AssignIDs(w, func(kind string) string { n++; return fmt.Sprintf("%s-%d", kind, n) })
			doc, err := definition.EncodeJSON(w)
			if err != nil {
				t.Fatal(err)
			}
			if err := schemaCheck(t, doc, "json"); err != nil {
				t.Errorf("export: %v\n%s", err, doc)
			}
		})
	}
}

func TestSchemaAcceptsWhatDecodeAccepts(t *testing.T) {
	t.Parallel()
	for _, tt := range acceptCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			format := tt.format
			if format == "sniff" {
				format = ""
			}
			if err := schemaCheck(t, []byte(tt.doc), format); err != nil {
				t.Errorf("%v", err)
			}
		})
	}
}

func TestSchemaRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc string }{
		{"unknown top-level field", `{"name": "W", "status": "x"}`},
		{"unknown pipeline field", `{"name": "W", "pipelines": [{"name": "P", "bogus": 1}]}`},
		{"unknown stage field", `{"name": "W", "pipelines": [{"name": "P", "stages": [{"name": "S", "form_info": []}]}]}`},
		{"unknown action field", `{"name": "W", "actions": [{"action_type": "after_approve", "handler": "h", "when": 1}]}`},
		{"action without handler", `{"name": "W", "actions": [{"action_type": "after_approve"}]}`},
		{"bad strategy", `{"name": "W", "strategy": 4}`},
		{"bad approval_type", stepDoc(`{"approval_type": "boss"}`)},
		{"bad step_approval_type", stepDoc(`{"approval_type": "user", "approval_user": 1, "step_approval_type": "invalid_type"}`)},
		{"bad role strategy", stepDoc(`{"approval_type": "role", "user_role": 1, "role_selection_strategy": "random"}`)},
		{"quorum percent 101", stepDoc(`{"approval_type": "role", "user_role": 1, "role_selection_strategy": "quorum", "quorum_percent": 101}`)},
		{"bad color", `{"name": "W", "pipelines": [{"name": "P", "stages": [{"name": "S", "stage_info": {"color": "blue"}}]}]}`},
		{"bad id", stepDoc(`{"approval_type": "user", "approval_user": [1]}`)},
		{"number_of_stages 0", `{"name": "W", "pipelines": [{"name": "P", "number_of_stages": 0}]}`},
		{"bad language tag", `{"name": {"e": "x"}}`},
		{"name of the wrong type", `{"name": 3}`},
		{"negative order", `{"name": "W", "pipelines": [{"name": "P", "order": -1}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := schemaCheck(t, []byte(tt.doc), "json"); err == nil {
				t.Errorf("schema accepted %s", tt.doc)
			}
		})
	}
}
