// Package flowgatetest helps applications test code that uses Flowgate: an
// engine on a fresh, migrated SQLite file per test, and assertions on
// instances that print what was found when they fail.
package flowgatetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// NewTestEngine returns an engine on a new SQLite database in t.TempDir(),
// with tenant "test" created. The database is closed when the test ends.
func NewTestEngine(t testing.TB) *flowgate.Engine {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "flowgate.db"), &sqlstore.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatalf("flowgatetest: open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	e, err := flowgate.New(ctx, s, &flowgate.Config{})
	if err != nil {
		t.Fatalf("flowgatetest: new engine: %v", err)
	}
	if _, err := e.CreateTenant(ctx, "test", "Test"); err != nil {
		t.Fatalf("flowgatetest: create tenant: %v", err)
	}
	return e
}

// RequireStage fails the test unless the instance's current stage has the
// given id or English name.
func RequireStage(t testing.TB, v *flowgate.InstanceView, stage string) {
	t.Helper()
	if v.CurrentStage == nil {
		t.Fatalf("flowgatetest: want stage %q, instance %s has no current stage (status %s)", stage, v.Instance.ID, v.Instance.Status)
	}
	if v.CurrentStage.ID != stage && v.CurrentStage.Name["en"] != stage {
		t.Fatalf("flowgatetest: want stage %q, instance %s is at %q (%s)", stage, v.Instance.ID, v.CurrentStage.Name["en"], v.CurrentStage.ID)
	}
}

// RequireStatus fails the test unless the instance has the status.
func RequireStatus(t testing.TB, v *flowgate.InstanceView, status flowgate.Status) {
	t.Helper()
	if v.Instance.Status != status {
		t.Fatalf("flowgatetest: want status %s, instance %s is %s", status, v.Instance.ID, v.Instance.Status)
	}
}

// RequirePendingTask fails the test unless user holds a current task on the
// instance, and returns it.
func RequirePendingTask(t testing.TB, v *flowgate.InstanceView, user string) *flowgate.Task {
	t.Helper()
	var holders []string
	for _, task := range v.CurrentTasks() {
		if task.Assignee == user {
			return task
		}
		holders = append(holders, task.Assignee)
	}
	t.Fatalf("flowgatetest: %s holds no current task on instance %s; current holders: %v", user, v.Instance.ID, holders)
	return nil
}
