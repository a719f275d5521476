package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/internal/cli"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// serveOutput is an output stream a running serve writes while the test
// goes on.
type serveOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *serveOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *serveOutput) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serve --cleanup-schedule deletes old finished instances while it runs,
// keeps running and recent ones, and stops on cancellation.
func TestServeRunsScheduledCleanup(t *testing.T) {
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
	ids := seedFinished(t, db, strings.TrimSpace(out))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr serveOutput
	exited := make(chan int, 1)
	go func() {
		exited <- cli.Run(ctx, []string{"--db", db, "serve", "--addr", "127.0.0.1:0", "--no-workers",
			"--cleanup-schedule", "50ms", "--cleanup-days", "30"}, &stdout, &stderr)
	}()

	e := maintenanceEngine(t, db, nil)
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := e.GetInstance(context.Background(), "acme", ids["old"])
		if flowgate.IsNotFound(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the instance withdrawn 40 days ago is still there (%v); serve said:\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, k := range []string{"recent", "running"} {
		if _, err := e.GetInstance(context.Background(), "acme", ids[k]); err != nil {
			t.Fatalf("%s instance: %v", k, err)
		}
	}
	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("serve: exit %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if logs := stderr.String(); !strings.Contains(logs, "maintenance: pass done") || !strings.Contains(logs, "job=cleanup") {
		t.Fatalf("no cleanup pass logged:\n%s", logs)
	}
}

// maintenanceEngine opens an engine on db, closed when the test ends; now, when
// set, is its clock.
func maintenanceEngine(t *testing.T, db string, now func() time.Time) *flowgate.Engine {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), db, &sqlstore.Options{NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	off := false
	e, err := flowgate.New(context.Background(), s, &flowgate.Config{ActionsEnabled: &off, Test: flowgate.TestConfig{Now: now}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// seedFinished starts three instances of workflow wf: "old" withdrawn 40
// days ago, "recent" withdrawn now, "running" still in progress. Actions
// are off: a pending action run would keep an instance from cleanup.
func seedFinished(t *testing.T, db, wf string) map[string]string {
	t.Helper()
	ctx := context.Background()
	var clock time.Time
	e := maintenanceEngine(t, db, func() time.Time { return clock })
	ids := map[string]string{}
	for _, s := range []struct {
		name     string
		age      time.Duration
		withdraw bool
	}{{"old", 40 * 24 * time.Hour, true}, {"recent", 0, true}, {"running", 0, false}} {
		clock = time.Now().Add(-s.age)
		v, err := e.Attach(ctx, "acme", &flowgate.AttachParams{Actor: "500", WorkflowID: wf,
			Subject: flowgate.SubjectInput{Type: "purchase_request", ID: s.name}})
		if err != nil {
			t.Fatalf("attach %s: %v", s.name, err)
		}
		if s.withdraw {
			if _, err := e.Withdraw(ctx, "acme", v.Instance.ID, "500", nil); err != nil {
				t.Fatalf("withdraw %s: %v", s.name, err)
			}
		}
		ids[s.name] = v.Instance.ID
	}
	return ids
}

// The cleanup settings follow flag > env > file > default, lists included.
// Not parallel: it sets environment variables.
func TestConfigCleanupPrecedence(t *testing.T) {
	file := writeConfig(t, "cleanup: {schedule: 12h, days: 7, statuses: [rejected]}\nauto_cleanup_completed: true\n")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string // schedule days statuses auto
	}{
		{"defaults", nil, nil, "'' 30 [completed rejected withdrawn] false"},
		{"file", nil, []string{"--config", file}, "12h 7 [rejected] true"},
		{"env over file", map[string]string{"FLOWGATE_CLEANUP_STATUSES": "withdrawn,completed", "FLOWGATE_CLEANUP_DAYS": "9"},
			[]string{"--config", file}, "12h 9 [withdrawn completed] true"},
		{"flag over env", map[string]string{"FLOWGATE_CLEANUP_SCHEDULE": "1h"},
			[]string{"--config", file, "--cleanup-schedule", "30m", "--cleanup-statuses", "completed"}, "30m 7 [completed] true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			m := effectiveConfig(t, tc.args...)
			schedule := lookup(m, "cleanup.schedule")
			if schedule == "" {
				schedule = "''"
			}
			got := strings.Join([]string{
				fmt.Sprint(schedule), fmt.Sprint(lookup(m, "cleanup.days")),
				fmt.Sprint(lookup(m, "cleanup.statuses")), fmt.Sprint(lookup(m, "auto_cleanup_completed")),
			}, " ")
			if got != tc.want {
				t.Fatalf("cleanup settings = %s, want %s", got, tc.want)
			}
		})
	}
}
