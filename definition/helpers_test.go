package definition_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// tb is what the helpers need of a test, so that they also run inside a
// rapid property (whose *rapid.T is not a testing.TB).
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// fe is a short way to write an expected field error.
func fe(path, message string) flowtype.FieldError {
	return flowtype.FieldError{Path: path, Message: message}
}

// fieldErrors returns the problems carried by err, failing the test when
// err is not a *flowtype.ValidationError.
func fieldErrors(t *testing.T, err error) []flowtype.FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *flowtype.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *flowtype.ValidationError", err, err)
	}
	return ve.Errors
}

func requireErrors(t *testing.T, err error, want []flowtype.FieldError) {
	t.Helper()
	if diff := cmp.Diff(want, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func mustDecode(t *testing.T, doc, format string) *definition.Workflow {
	t.Helper()
	w, err := definition.Decode([]byte(doc), format)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return w
}

// stepDoc is a strategy-1 workflow whose only stage has the given JSON
// approvals; its errors are at stepPath.
func stepDoc(approvals ...string) string {
	return `{"name": "W", "pipelines": [{"name": "P", "stages": [{"name": "S",
		"stage_info": {"approvals": [` + strings.Join(approvals, ",") + `]}}]}]}`
}

const stepPath = "pipelines[0].stages[0].stage_info.approvals[0]"

// fakeDirectory knows a fixed set of ids.
type fakeDirectory struct {
	users, roles, forms, handlers []string
}

func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (d fakeDirectory) UserExists(id string) bool      { return has(d.users, id) }
func (d fakeDirectory) RoleExists(id string) bool      { return has(d.roles, id) }
func (d fakeDirectory) FormExists(id string) bool      { return has(d.forms, id) }
func (d fakeDirectory) HandlerExists(name string) bool { return has(d.handlers, name) }
func ptr(n int) *int                                   { return &n }
func readExample(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// exampleFiles lists every example document, invalid ones included.
func exampleFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*.yaml", "*.json", "invalid/*.yaml", "invalid/*.json"} {
		m, err := filepath.Glob(filepath.Join("..", "examples", pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			rel, _ := filepath.Rel(filepath.Join("..", "examples"), f)
			files = append(files, filepath.ToSlash(rel))
		}
	}
	if len(files) == 0 {
		t.Fatal("no example files found")
	}
	return files
}

func formatOf(name string) string {
	return strings.TrimPrefix(filepath.Ext(name), ".")
}
