package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/internal/cli"
)

// run runs the flowgate command line and returns its exit code and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "flowgate.db")
	code, out, errs := run(t, "--db", db, "workflow", "import",
		"--directory", "../../examples/directory/purchase-request.yaml", "../../examples/purchase-request.yaml")
	if code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	id := strings.TrimSpace(out)
	if id == "" || strings.Contains(id, "\n") {
		t.Fatalf("import must print the id alone, got %q", out)
	}
	if !strings.Contains(errs, "version 1 (complete)") {
		t.Fatalf("import summary: %q", errs)
	}

	code, yamlOut, errs := run(t, "--db", db, "workflow", "export", id)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	exported, err := definition.DecodeYAML([]byte(yamlOut))
	if err != nil {
		t.Fatalf("exported YAML does not decode: %v", err)
	}
	if exported.ID != id || exported.Name["ar"] != "موافقة طلب الشراء" || len(exported.Units()) != 4 {
		t.Fatalf("exported definition: id %q name %v units %d", exported.ID, exported.Name, len(exported.Units()))
	}

	// Re-importing the export updates the same workflow in place (nothing
	// pins version 1), and exporting again gives the same document.
	file := filepath.Join(t.TempDir(), "export.yaml")
	if code, _, errs := run(t, "--db", db, "workflow", "export", id, "-o", file); code != 0 {
		t.Fatalf("export -o: %s", errs)
	}
	code, out, errs = run(t, "--db", db, "workflow", "import", file)
	if code != 0 || strings.TrimSpace(out) != id {
		t.Fatalf("re-import: exit %d, out %q, err %s", code, out, errs)
	}
	_, again, _ := run(t, "--db", db, "workflow", "export", id)
	if diff := cmp.Diff(yamlOut, again); diff != "" {
		t.Fatalf("export changed after re-import (-first +second):\n%s", diff)
	}

	code, jsonOut, _ := run(t, "--db", db, "workflow", "export", "--format", "json", id)
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(jsonOut), "{") {
		t.Fatalf("json export: exit %d %q", code, jsonOut)
	}
	_, list, _ := run(t, "--db", db, "workflow", "list")
	if !strings.Contains(list, id) || !strings.Contains(list, "active") {
		t.Fatalf("list: %q", list)
	}
}

func TestImportNeedsTheDirectory(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "flowgate.db")
	code, _, errs := run(t, "--db", db, "workflow", "import", "../../examples/purchase-request.yaml")
	if code != 1 {
		t.Fatalf("want exit 1 for unknown approvers, got %d", code)
	}
	for _, want := range []string{"flowgate: invalid:", "stage_info.approvals[0].user_role", "stage_info.approvals[0].required_form"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		code int
		want string
	}{
		{"../../examples/purchase-request.yaml", 0, "purchase-request.yaml: valid"},
		{"../../examples/strategy2.yaml", 0, "strategy2.yaml: valid"},
		{"../../examples/invalid/strategy2-with-stages.yaml", 1, "pipelines[0]: Strategy 2 (Workflow→Pipeline) cannot have stages."},
		{"../../examples/invalid/strategy3-with-pipeline.yaml", 1, "Cannot create pipelines for Strategy 3 (Workflow Only) workflows."},
		{"../../examples/invalid/strategy1-no-pipeline.yaml", 1, "incomplete: Strategy 1 workflow must have at least one pipeline"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			t.Parallel()
			code, out, _ := run(t, "workflow", "validate", tt.file)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d (want %d), output:\n%s\nwant it to contain %q", code, tt.code, out, tt.want)
			}
		})
	}
}

func TestMigrateCommands(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "flowgate.db")
	code, out, errs := run(t, "--db", db, "migrate", "status")
	if code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("status on a new database: exit %d %q %s", code, out, errs)
	}
	if code, out, _ = run(t, "--db", db, "migrate"); code != 0 || !strings.Contains(out, "applied 00001") {
		t.Fatalf("migrate: exit %d %q", code, out)
	}
	if code, out, _ = run(t, "--db", db, "migrate", "up"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate up again: exit %d %q", code, out)
	}
	if _, out, _ = run(t, "--db", db, "migrate", "status"); strings.Contains(out, "pending") {
		t.Fatalf("status after up: %q", out)
	}
	if code, out, _ = run(t, "--db", db, "migrate", "down"); code != 0 || !strings.Contains(out, "reverted 0000") {
		t.Fatalf("migrate down: exit %d %q", code, out)
	}
	if _, out, _ = run(t, "--db", db, "migrate", "status"); !strings.Contains(out, "pending") {
		t.Fatalf("status after down: %q", out)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	if code, _, _ := run(t, "frobnicate"); code == 0 {
		t.Fatal("an unknown command must fail")
	}
	if code, out, _ := run(t, "version"); code != 0 || !strings.HasPrefix(out, "flowgate ") {
		t.Fatalf("version: %d %q", code, out)
	}
}

func TestCleanupCommand(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "flowgate.db")
	if code, _, errs := run(t, "--db", db, "tenant", "create", "acme"); code != 0 {
		t.Fatalf("tenant create: %s", errs)
	}
	code, out, errs := run(t, "--db", db, "cleanup", "--stats")
	if code != 0 || !strings.Contains(out, "=== Workflow Cleanup Statistics (tenant acme) ===") ||
		!strings.Contains(out, "Total: 0") || !strings.Contains(out, "→ No finished instances") {
		t.Fatalf("stats: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = run(t, "--db", db, "cleanup", "--days", "0", "--dry-run", "--status", "rejected")
	if code != 0 || !strings.HasPrefix(out, "Would delete (dry run): 0 instances finished more than 0 days ago") {
		t.Fatalf("dry run: exit %d %q", code, out)
	}
	if code, _, _ = run(t, "--db", db, "cleanup", "--status", "in_progress"); code == 0 {
		t.Fatal("cleaning running instances must be refused")
	}
}
