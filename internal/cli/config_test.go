package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/internal/cli"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// writeConfig writes a configuration file and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "flowgate.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// effectiveConfig runs config check and decodes the configuration printed.
func effectiveConfig(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errs := run(t, append([]string{"config", "check"}, args...)...)
	if code != 0 {
		t.Fatalf("config check: exit %d: %s", code, errs)
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("config check printed no YAML: %v\n%s", err, out)
	}
	return m
}

func lookup(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		if l, ok := v.([]any); ok { // a list element: its index
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(l) {
				return nil
			}
			v = l[i]
			continue
		}
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// Not parallel: it sets environment variables.
func TestConfigPrecedence(t *testing.T) {
	file := writeConfig(t, `
database: /from/file.db
server: {listen: "10.0.0.1:1", shutdown_timeout: 5s}
log: {level: warn}
email: {disabled: true, smtp: {port: 2525}}
rate_limit: {per_second: 3}
`)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		key  string
		want any
	}{
		{"default without file", nil, nil, "log.level", "info"},
		{"file over default", nil, []string{"--config", file}, "log.level", "warn"},
		{"env over file", map[string]string{"FLOWGATE_LOG_LEVEL": "error"}, []string{"--config", file}, "log.level", "error"},
		{"flag over env and file", map[string]string{"FLOWGATE_LOG_LEVEL": "error"}, []string{"--config", file, "--log-level", "debug"}, "log.level", "debug"},
		{"file via FLOWGATE_CONFIG", map[string]string{"FLOWGATE_CONFIG": file}, nil, "server.listen", "10.0.0.1:1"},
		{"flag --addr over file", nil, []string{"--config=" + file, "--addr", "127.0.0.1:9"}, "server.listen", "127.0.0.1:9"},
		{"global db from file", nil, []string{"--config", file}, "database", "/from/file.db"},
		{"global db env over file", map[string]string{"FLOWGATE_DB": "/from/env.db"}, []string{"--config", file}, "database", "/from/env.db"},
		{"global db flag over env", map[string]string{"FLOWGATE_DB": "/from/env.db"}, []string{"--config", file, "--db", "/from/flag.db"}, "database", "/from/flag.db"},
		{"bool from file", nil, []string{"--config", file}, "email.disabled", true},
		{"bool env over file", map[string]string{"FLOWGATE_DISABLE_EMAILS": "false"}, []string{"--config", file}, "email.disabled", false},
		{"int from file", nil, []string{"--config", file}, "email.smtp.port", float64(2525)},
		{"float from file", nil, []string{"--config", file}, "rate_limit.per_second", float64(3)},
		{"duration from file", nil, []string{"--config", file}, "server.shutdown_timeout", "5s"},
		{"otlp endpoint from env", map[string]string{"FLOWGATE_OTLP_ENDPOINT": "http://otel:4318"}, []string{"--config", file}, "telemetry.otlp_endpoint", "http://otel:4318"},
		{"otlp endpoint flag over env", map[string]string{"FLOWGATE_OTLP_ENDPOINT": "http://otel:4318"}, []string{"--otlp-endpoint", "https://other:4318"}, "telemetry.otlp_endpoint", "https://other:4318"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			got := lookup(effectiveConfig(t, tc.args...), tc.key)
			if got != tc.want {
				t.Fatalf("%s = %v (%T), want %v", tc.key, got, got, tc.want)
			}
		})
	}
}

func TestConfigCheckRejectsBadFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		file string
		args []string
		want []string // each problem line, "path: reason" (a prefix of the reason)
	}{
		{"unknown keys", `
databse: x.db
server: {listen: "127.0.0.1:1", port: 80}
tenants: {acme: {subject_types: {po: {workflow: [a]}}}}
`, nil, []string{
			"databse: unknown key",
			"server.port: unknown key",
			"tenants.acme.subject_types.po.workflow: unknown key",
		}},
		{"bad types", `
server: {max_body_bytes: lots}
email: {disabled: maybe, smtp: {port: "x"}}
rate_limit: [1]
`, nil, []string{
			"email.disabled: want true or false",
			"email.smtp.port: want an integer",
			"rate_limit: want a mapping",
			"server.max_body_bytes: want an integer",
		}},
		{"bad values", `
server: {listen: "nowhere", shutdown_timeout: soon}
log: {level: loud, format: xml}
email: {smtp: {tls: always, port: 70000}}
rate_limit: {per_second: -1}
oidc: {issuer: not-a-url}
`, nil, []string{
			"server.listen: want host:port",
			"server.shutdown_timeout: want a duration such as 30s",
			"rate_limit.per_second: must not be negative",
			"oidc.issuer: want an absolute URL",
			"oidc.audience: is required when oidc.issuer is set",
			`log.level: "loud" is not one of debug, info, warn, error`,
			`log.format: "xml" is not one of text, json`,
			`email.smtp.tls: "always" is not one of mandatory, opportunistic, none, tls`,
			"email.smtp.port: want 0 to 65535",
		}},
		{"bad conditions and handlers", `
actions:
  po:
    - {action_type: after_approve, handler: sms}
    - {action_type: after_lunch, handler: log}
    - {action_type: after_reject}
tenants:
  acme:
    subject_types:
      po:
        workflows: [""]
        auto_start: {workflow_id: po, conditions: {amount__between: 3}}
      deal:
        auto_start: {conditions: "subject.amount >"}
`, nil, []string{
			`actions.po[0].handler: unknown handler "sms"`,
			`actions.po[1].action_type: unknown action type "after_lunch"`,
			"actions.po[2].handler: is required",
			"tenants.acme.subject_types.deal.auto_start.workflow_id: is required",
			"tenants.acme.subject_types.deal.auto_start.conditions: invalid CEL",
			"tenants.acme.subject_types.po.workflows[0]: must not be empty",
			"tenants.acme.subject_types.po.auto_start.conditions: ",
		}},
		{"bad cleanup settings", `
cleanup: {schedule: daily, days: 0, statuses: [completed, in_progress, archived]}
`, nil, []string{
			"cleanup.schedule: want a positive duration such as 24h",
			"cleanup.days: must be 1 or more",
			`cleanup.statuses[1]: "in_progress" is not a finished status`,
			`cleanup.statuses[2]: "archived" is not a finished status`,
		}},
		{"bad cleanup types", "cleanup: {schedule: 5, days: soon, statuses: completed}\n", nil, []string{
			"cleanup.schedule: want a positive duration such as 24h",
			"cleanup.days: want an integer",
			"cleanup.statuses: want a list",
		}},
		{"bad cleanup flags", "", []string{"--cleanup-schedule=0s", "--cleanup-days=-1", "--cleanup-statuses=completed,running"}, []string{
			"cleanup.schedule: want a positive duration such as 24h",
			"cleanup.days: must be 1 or more",
			`cleanup.statuses[1]: "running" is not a finished status`,
		}},
		{"bad worker settings", "workers: {timeout: 30s, lease: 10s, poll_interval: soon}\n", nil, []string{
			"workers.poll_interval: want a duration such as 30s",
			"workers.lease: must exceed workers.timeout (30s)",
		}},
		{"lease within the default timeout", "", []string{"--worker-lease=45s"}, []string{
			"workers.lease: must exceed workers.timeout (1m0s)",
		}},
		{"bad telemetry endpoint", "telemetry: {otlp_endpoint: \"collector:4318\"}\n", nil, []string{
			"telemetry.otlp_endpoint: want an http:// or https:// URL",
		}},
		{"bad telemetry endpoint flag", "", []string{"--otlp-endpoint=http://"}, []string{"telemetry.otlp_endpoint: want a host"}},
		{"bad permission grants", `
permissions:
  require_permission_to_approve: true
  grants:
    approve: [finance]
    approve_workflow: ["", "user:", "role:", finance]
    start_workflow: finance
tenants:
  acme:
    permissions:
      grant: {}
      grants: {reject: [a], delegate_workflow: [" "]}
`, nil, []string{
			"permissions.grants.start_workflow: want a list",
			"tenants.acme.permissions.grant: unknown key",
			`permissions.grants.approve: unknown permission "approve" (want one of start_workflow, approve_workflow, reject_workflow, delegate_workflow)`,
			"permissions.grants.approve_workflow[0]: must not be empty",
			`permissions.grants.approve_workflow[1]: "user:" names no user`,
			`permissions.grants.approve_workflow[2]: "role:" names no role`,
			`tenants.acme.permissions.grants.reject: unknown permission "reject"`,
			"tenants.acme.permissions.grants.delegate_workflow[0]: must not be empty",
			"permissions.require_permission_to_approve: no grant for reject_workflow",
		}},
		{"required permission without a grant", "", []string{"--require-permission-to-start"}, []string{
			"permissions.require_permission_to_start: no grant for start_workflow",
		}},
		{"not YAML", "server: [unclosed\n", nil, []string{"not valid YAML"}},
		{"bad flag value, no file", "", []string{"--log-format", "xml"}, []string{`log.format: "xml" is not one of text, json`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"config", "check"}, tc.args...)
			if tc.file != "" {
				args = append(args, "--config", writeConfig(t, tc.file))
			}
			code, out, errs := run(t, args...)
			if code != 1 || out != "" {
				t.Fatalf("exit %d, stdout %q; want exit 1 and nothing printed", code, out)
			}
			var lines []string
			for _, l := range strings.Split(errs, "\n") {
				if p, ok := strings.CutPrefix(l, "  - "); ok {
					lines = append(lines, p)
				}
			}
			if len(lines) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(lines), len(tc.want), errs)
			}
			for _, w := range tc.want {
				found := false
				for _, l := range lines {
					found = found || strings.HasPrefix(l, w)
				}
				if !found {
					t.Errorf("missing problem %q in:\n%s", w, errs)
				}
			}
		})
	}
}

func TestConfigCheckMasksSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, key, want, secret string
		args                          []string
	}{
		{"smtp password", "email: {smtp: {host: h, password: s3cret-smtp}}", "email.smtp.password", "***", "s3cret-smtp", nil},
		{"database URL password", "database: postgres://fg:s3cret-db@db.example.com:5432/fg?sslmode=require", "database",
			"postgres://fg:***@db.example.com:5432/fg?sslmode=require", "s3cret-db", nil},
		{"webhook secret", "webhook: {secret: s3cret-hook}", "webhook.secret", "***", "s3cret-hook", nil},
		{"webhook secret given as a flag", "", "webhook.secret", "***", "s3cret-hook-flag", []string{"--webhook-secret", "s3cret-hook-flag"}},
		{"password given as a flag", "", "email.smtp.password", "***", "s3cret-flag", []string{"--smtp-password", "s3cret-flag"}},
		{"otlp endpoint password", "telemetry: {otlp_endpoint: \"https://fg:s3cret-otel@otel.example.com\"}", "telemetry.otlp_endpoint",
			"https://fg:***@otel.example.com", "s3cret-otel", nil},
		{"no password, nothing to mask", "email: {smtp: {host: h}}", "email.smtp.password", "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"config", "check"}, tc.args...)
			if tc.file != "" {
				args = append(args, "--config", writeConfig(t, tc.file))
			}
			code, out, errs := run(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if tc.secret != "" && strings.Contains(out+errs, tc.secret) {
				t.Fatalf("the secret is printed:\n%s", out)
			}
			var m map[string]any
			if err := yaml.Unmarshal([]byte(out), &m); err != nil {
				t.Fatal(err)
			}
			if got := lookup(m, tc.key); got != tc.want {
				t.Fatalf("%s = %v, want %q", tc.key, got, tc.want)
			}
		})
	}
}

// The documented example passes config check and sets what it says.
func TestConfigExampleFile(t *testing.T) {
	t.Parallel()
	m := effectiveConfig(t, "--config", "../../examples/config/flowgate.yaml")
	for key, want := range map[string]any{
		"tenant":                  "acme",
		"log.format":              "json",
		"email.smtp.host":         "smtp.example.com",
		"email.smtp.password":     "***",
		"cleanup.schedule":        "24h",
		"telemetry.otlp_endpoint": "",
		"tenants.acme.subject_types.purchase_request.auto_start.workflow_id": "purchase-request",
		"department_link_type":                                "hr.department",
		"permissions.require_permission_to_start":             false,
		"permissions.grants.start_workflow.0":                 "*",
		"permissions.grants.delegate_workflow.1":              "user:123",
		"tenants.acme.permissions.grants.delegate_workflow.0": "3",
	} {
		if got := lookup(m, key); got != want {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	if lookup(m, "actions.purchase_request") == nil {
		t.Errorf("actions.purchase_request missing")
	}
}

// A bad file stops every command, not only config check.
func TestConfigBadFileStopsCommands(t *testing.T) {
	t.Parallel()
	code, _, errs := run(t, "--config", writeConfig(t, "lisen: x\n"), "version")
	if code != 1 || !strings.Contains(errs, "lisen: unknown key") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestServeNoMigrate(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "flowgate.db")
	code, _, errs := run(t, "--db", db, "serve", "--no-migrate", "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errs, "pending migration") || !strings.Contains(errs, "flowgate migrate up") {
		t.Fatalf("serve --no-migrate on a fresh database: exit %d: %s", code, errs)
	}
	if code, _, errs := run(t, "--db", db, "migrate", "up"); code != 0 {
		t.Fatalf("migrate up: exit %d: %s", code, errs)
	}
	// Migrated: it starts, and stops at once on a cancelled context.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelOnWrite{cancel: cancel}
	var errb bytes.Buffer
	if code := cli.Run(ctx, []string{"--db", db, "serve", "--no-migrate", "--addr", "127.0.0.1:0", "--no-workers"}, out, &errb); code != 0 {
		t.Fatalf("serve --no-migrate on a migrated database: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "Flowgate is serving") {
		t.Fatalf("serve did not start: %s", out.String())
	}
}

// cancelOnWrite cancels a context once serve has said it is serving.
type cancelOnWrite struct {
	bytes.Buffer
	cancel func()
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Contains(w.String(), "Flowgate is serving") {
		w.cancel()
	}
	return n, err
}

// serve saves the file's subject types into their tenant at start-up.
func TestServeAppliesSubjectTypes(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "flowgate.db")
	if code, _, errs := run(t, "--db", db, "tenant", "create", "acme"); code != 0 {
		t.Fatalf("tenant create: %s", errs)
	}
	code, out, errs := run(t, "--db", db, "--tenant", "acme", "workflow", "import",
		"--directory", "../../examples/directory/purchase-request.yaml", "../../examples/purchase-request.yaml")
	if code != 0 {
		t.Fatalf("import: %s", errs)
	}
	wf := strings.TrimSpace(out)
	file := writeConfig(t, `
tenants:
  acme:
    subject_types:
      purchase_request:
        workflows: [`+wf+`]
        auto_start: {workflow_id: `+wf+`, conditions: {amount__gte: 1000}}
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errb bytes.Buffer
	if code := cli.Run(ctx, []string{"--config", file, "--db", db, "serve", "--addr", "127.0.0.1:0", "--no-workers"}, &cancelOnWrite{cancel: cancel}, &errb); code != 0 {
		t.Fatalf("serve: exit %d: %s", code, errb.String())
	}
	s, err := sqlstore.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, err := flowgate.New(context.Background(), s, &flowgate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.GetSubjectType(context.Background(), "acme", "purchase_request")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Workflows) != 1 || st.Workflows[0] != wf || st.AutoStart == nil || st.AutoStart.WorkflowID != wf {
		t.Fatalf("subject type not applied: %+v", st)
	}
}
