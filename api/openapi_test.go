package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/internal/dbtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestOpenAPIGolden pins the OpenAPI document: a change of the contract
// shows as a diff of testdata/openapi.golden.json (regenerate with
// go test ./api -run TestOpenAPIGolden -update, and say why in
// docs/decisions.md when API.md's shapes change).
func TestOpenAPIGolden(t *testing.T) {
	t.Parallel()
	ev := newEnv(t, dbtest.Open(t, dbtest.SQLite), "acme", nil)
	r, err := ev.admin.Do(t.Context(), "GET", "/openapi.json", nil, nil)
	requireOK(t, err, "GET /openapi.json")
	var doc any
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var got bytes.Buffer
	enc := json.NewEncoder(&got)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "openapi.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Fatalf("the OpenAPI document changed (-golden +served); rerun with -update if intended:\n%s", diff)
	}
}
