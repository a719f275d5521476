package flowgate_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
)

// The crash test runs a decision in a child process (this test binary,
// re-executed with FLOWGATE_CRASH_DSN set) that is killed with SIGKILL
// before its action runs are done, then drains them from this process:
// every action takes effect exactly once, deduplicated by its run key.

const (
	envCrashDSN      = "FLOWGATE_CRASH_DSN"
	envCrashInstance = "FLOWGATE_CRASH_INSTANCE"
	envCrashMode     = "FLOWGATE_CRASH_MODE"
)

// effectHandler is an idempotent handler: its side effect is a row keyed
// by the run key (a second execution of a run changes nothing); every call
// is also logged, to see the at-least-once executions.
func effectHandler(s store.Store, after func(runKey string)) flowgate.Handler {
	return func(ctx context.Context, req *flowgate.ActionRequest) error {
		db := s.DB()
		if _, err := db.ExecContext(ctx, `INSERT INTO crash_calls (run_key, pid) VALUES ($1, $2)`, req.RunKey, os.Getpid()); err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO crash_effects (run_key, pid) VALUES ($1, $2) ON CONFLICT (run_key) DO NOTHING`,
			req.RunKey, os.Getpid()); err != nil {
			return err
		}
		if after != nil {
			after(req.RunKey)
		}
		return nil
	}
}

// TestCrashChild is the child process; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	dsn := os.Getenv(envCrashDSN)
	if dsn == "" {
		t.Skip("runs only as the crash test's child process")
	}
	ctx := context.Background()
	s := dbtest.OpenDSN(t, dsn)
	e, err := flowgate.New(ctx, s, &flowgate.Config{Workers: flowgate.WorkerConfig{
		PollInterval: 10 * time.Millisecond, Timeout: 500 * time.Millisecond, Lease: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	e.AddHandler("effect", effectHandler(s, func(runKey string) {
		// Crash after the side effect, before the outcome is recorded.
		fmt.Printf("CLAIMED %s\n", runKey)
		select {}
	}))
	if os.Getenv(envCrashMode) == "claimed" {
		if err := e.StartWorkers(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Approve(ctx, acme, os.Getenv(envCrashInstance), "r1", nil); err != nil {
		t.Fatal(err)
	}
	fmt.Println("COMMITTED")
	select {} // wait for SIGKILL
}

func TestCrashRecovery(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		for _, mode := range []string{"committed", "claimed"} {
			t.Run(dialect+"/"+mode, func(t *testing.T) {
				t.Parallel()
				defer failOnMust(t)
				crashRecovery(t, dialect, mode)
			})
		}
	}
}

func crashRecovery(t *testing.T, dialect, mode string) {
	dsn := dbtest.DSN(t, dialect)
	s := dbtest.OpenDSN(t, dsn)
	for _, q := range []string{
		`CREATE TABLE crash_effects (run_key TEXT PRIMARY KEY, pid INTEGER NOT NULL)`,
		`CREATE TABLE crash_calls (run_key TEXT NOT NULL, pid INTEGER NOT NULL)`,
	} {
		if _, err := s.DB().ExecContext(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	f := newFx(t, s)
	f.e.AddHandler("effect", func(context.Context, *flowgate.ActionRequest) error { return nil })
	effect := func(event, tag string, order int) definition.Action {
		a := record("", event, tag, order)
		a.Handler = "effect"
		return a
	}
	f.createP("", onStage("IR", effect("after_approve", "a", 1), effect("after_approve", "b", 2)),
		onWorkflow(effect("after_move_stage", "c", 1)))
	v := f.attachP("P", "42")

	// The child approves, then dies.
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), envCrashDSN+"="+dsn, envCrashInstance+"="+v.Instance.ID, envCrashMode+"="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	want := "COMMITTED"
	if mode == "claimed" {
		want = "CLAIMED"
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	seen := map[string]bool{}
	deadline := time.After(60 * time.Second)
	for !seen[want] || !seen["COMMITTED"] {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the child ended before %s", want)
			}
			seen[strings.Fields(l + " x")[0]] = true
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("the child never printed %s", want)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	go func() {
		for range lines {
		}
	}()

	// The decision committed; its runs are not all done.
	requirePosition(t, f.get(v), flowtype.StatusInProgress, "Finance", "BA")
	runs := must(f.e.ListActionRuns(f.ctx, acme, &flowgate.ListActionRunsParams{InstanceID: v.Instance.ID}))
	if len(runs) != 3 {
		t.Fatalf("%d runs, want 3", len(runs))
	}

	// A new process drains them.
	s2 := dbtest.OpenDSN(t, dsn)
	sig := newSignal()
	e2, err := flowgate.New(f.ctx, s2, &flowgate.Config{Workers: flowgate.WorkerConfig{
		PollInterval: 20 * time.Millisecond, OnRecorded: sig.bump}})
	if err != nil {
		t.Fatal(err)
	}
	e2.AddHandler("effect", effectHandler(s2, nil))
	if err := e2.StartWorkers(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e2.StopWorkers(context.Background()) }()
	done := time.After(60 * time.Second)
	for {
		_, next := sig.since()
		runs = must(e2.ListActionRuns(f.ctx, acme, &flowgate.ListActionRunsParams{InstanceID: v.Instance.ID}))
		final := 0
		for _, r := range runs {
			if r.Status == flowtype.RunSucceeded {
				final++
			}
		}
		if final == len(runs) {
			break
		}
		select {
		case <-next:
		case <-done:
			t.Fatalf("runs not drained: %+v", runs)
		}
	}

	effects := map[string]int{}
	rows, err := s2.DB().QueryContext(f.ctx, `SELECT run_key, COUNT(*) FROM crash_effects GROUP BY run_key`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		effects[k] = n
	}
	_ = rows.Close()
	calls := map[string]int{}
	rows, err = s2.DB().QueryContext(f.ctx, `SELECT run_key, COUNT(*) FROM crash_calls GROUP BY run_key`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		calls[k] = n
	}
	_ = rows.Close()
	reran := 0
	for _, r := range runs {
		if effects[r.RunKey] != 1 {
			t.Fatalf("run %s took effect %d times", r.RunKey, effects[r.RunKey])
		}
		if calls[r.RunKey] > 1 {
			reran++
			if r.Attempts < 2 {
				t.Fatalf("run %s called %d times in %d attempts", r.RunKey, calls[r.RunKey], r.Attempts)
			}
		}
	}
	if mode == "claimed" && reran == 0 {
		t.Fatal("the run the child died in was not run again")
	}
	if mode == "committed" && reran != 0 {
		t.Fatalf("%d runs ran twice though the child ran none", reran)
	}
}
