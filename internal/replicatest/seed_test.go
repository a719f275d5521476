package replicatest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/flowgate/flowgate/client"
	"github.com/flowgate/flowgate/flowtype"
)

const tenant = "acme"

// freshSchema creates an empty schema (no migration: the replicas apply
// them, racing) and returns the base URL with its search_path, and a
// connection pool on it for the checks. The schema is dropped when the
// test ends, after the replicas are stopped.
func freshSchema(t *testing.T, base string) (string, *sql.DB) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("FLOWGATE_TEST_POSTGRES is not a postgres:// URL: %v", err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "flowgate_test_replicas_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA "`+schema+`"`); err != nil {
		_ = admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA "`+schema+`" CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dsn := u.String()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return dsn, db
}

// The directory: a requester, a service user whose act_as key speaks for
// everybody, and four groups of approvers.
const directoryYAML = `
users:
  - {id: req, name: Rita Requester}
  - {id: svc, name: Load Service}
  - {id: r1, name: Reviewer One}
  - {id: r2, name: Reviewer Two}
  - {id: r3, name: Reviewer Three}
  - {id: m1, name: Manager One}
  - {id: m2, name: Manager Two}
  - {id: m3, name: Manager Three}
  - {id: cfo, name: Carla CFO}
  - {id: b1, name: Board One}
  - {id: b2, name: Board Two}
  - {id: b3, name: Board Three}
roles:
  - {id: reviewers, name: Reviewers, members: [r1, r2, r3]}
  - {id: managers, name: Managers, members: [m1, m2, m3]}
  - {id: board, name: Board, members: [b1, b2, b3]}
`

// workflowYAML has one stage per role strategy whose races matter:
// "anyone" (three approvers race, one wins), "consensus" (three race, all
// must win: a loser is judged again), a single user, and a quorum of two
// of three (the third is refused). A webhook action runs on every action
// event at workflow level; the Managers stage overrides after_approve with
// two ordered actions, so one event has several runs.
const workflowYAML = `
name: {en: Replica load}
strategy: 1
is_active: true
actions:
{{ACTIONS}}
pipelines:
  - name: {en: Review}
    order: 0
    stages:
      - name: {en: Triage}
        order: 0
        stage_info:
          approvals:
            - {approval_type: role, user_role: reviewers, role_selection_strategy: anyone}
      - name: {en: Managers}
        order: 1
        actions:
          - {action_type: after_approve, handler: webhook, order: 1, parameters: {url: "{{SINK}}", payload: {n: 1}}}
          - {action_type: after_approve, handler: webhook, order: 2, parameters: {url: "{{SINK}}", payload: {n: 2}}}
        stage_info:
          approvals:
            - {approval_type: role, user_role: managers, role_selection_strategy: consensus}
  - name: {en: Sign-off}
    order: 1
    stages:
      - name: {en: CFO}
        order: 0
        stage_info:
          approvals:
            - {approval_type: user, approval_user: cfo}
      - name: {en: Board}
        order: 1
        stage_info:
          approvals:
            - {approval_type: role, user_role: board, role_selection_strategy: quorum, quorum_count: 2}
`

// stage indexes, in workflow order.
const (
	stTriage = iota
	stManagers
	stCFO
	stBoard
	stageCount
)

// stageNames name the stages in messages.
var stageNames = [stageCount]string{"Triage", "Managers", "CFO", "Board"}

// approvalsNeeded is how many approvals settle each stage.
var approvalsNeeded = [stageCount]int{1, 3, 1, 2}

// seeded is what seeding produced.
type seeded struct {
	key        string // admin + act_as API key of user svc
	workflowID string
	stageIDs   [stageCount]string
	stageIndex map[string]int // stage id -> index
}

// seed creates the tenant, the directory, the workflow and the key with
// the CLI, as an operator would, while the replicas already run: they
// must find it all in the database.
func seed(t *testing.T, bin, dsn, sinkURL string) *seeded {
	t.Helper()
	dir := t.TempDir()
	var actions strings.Builder
	for _, ev := range flowtype.ActionEvents {
		fmt.Fprintf(&actions, "  - {action_type: %s, handler: webhook, parameters: {url: %q}}\n", ev, sinkURL)
	}
	wf := strings.ReplaceAll(workflowYAML, "{{ACTIONS}}", strings.TrimRight(actions.String(), "\n"))
	wf = strings.ReplaceAll(wf, "{{SINK}}", sinkURL)
	dirFile, wfFile := filepath.Join(dir, "directory.yaml"), filepath.Join(dir, "workflow.yaml")
	for name, content := range map[string]string{dirFile: directoryYAML, wfFile: wf} {
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	g := []string{"--db", dsn, "--tenant", tenant}
	runCLI(t, bin, append(g, "tenant", "create", tenant)...)
	runCLI(t, bin, append(g, "directory", "import", dirFile)...)
	s := &seeded{stageIndex: map[string]int{}}
	s.workflowID = strings.TrimSpace(runCLI(t, bin, append(g, "workflow", "import", wfFile)...))
	s.key = strings.TrimSpace(runCLI(t, bin, append(g, "key", "create", "--user", "svc", "--admin", "--act-as", "--name", "replica load")...))
	if s.workflowID == "" || !strings.HasPrefix(s.key, "fg_") {
		t.Fatalf("seeding printed workflow %q, key %q", s.workflowID, s.key)
	}
	return s
}

// readStages reads the stage ids through the API.
func (s *seeded) readStages(t *testing.T, base string) {
	t.Helper()
	w, err := client.New(base, s.key).GetWorkflow(t.Context(), s.workflowID, 0)
	if err != nil {
		t.Fatalf("read workflow %s: %v", s.workflowID, err)
	}
	i := 0
	for _, p := range w.Pipelines {
		for _, st := range p.Stages {
			if i >= stageCount {
				t.Fatalf("workflow %s has more than %d stages", s.workflowID, stageCount)
			}
			s.stageIDs[i], s.stageIndex[st.ID] = st.ID, i
			i++
		}
	}
	if i != stageCount || !w.IsActive {
		t.Fatalf("workflow %s: %d stages, active %v: want %d, true (%s)", s.workflowID, i, w.IsActive, stageCount, w.CompletenessMessage)
	}
}
