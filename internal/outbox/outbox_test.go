package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/internal/outbox"
	"github.com/flowgate/flowgate/store"
)

const tenant = "t1"

// seed creates an instance with n events and a pending run of each, due
// now, each allowing maxAttempts attempts. Runs of different events never
// wait for each other.
func seed(t testing.TB, s store.Store, n, maxAttempts int) []*flowtype.ActionRun {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.TenantGet(ctx, tenant); err != nil {
		_, err = s.TenantCreate(ctx, &store.TenantCreateParams{ID: tenant})
		must(err)
		_, err = s.WorkflowInsert(ctx, &store.WorkflowInsertParams{TenantID: tenant, ID: "wf", Name: map[string]string{"en": "wf"},
			Strategy: 1, IsActive: true, Definition: []byte(`{"strategy":1}`)})
		must(err)
	}
	id := fmt.Sprintf("i%d", time.Now().UnixNano())
	_, err := s.SubjectUpsert(ctx, &store.SubjectUpsertParams{TenantID: tenant, Type: "po", ID: id, Data: []byte(`{}`)})
	must(err)
	must(s.InstanceInsert(ctx, &flowtype.Instance{TenantID: tenant, ID: id, SubjectType: "po", SubjectID: id,
		WorkflowID: "wf", WorkflowVersion: 1, Status: flowtype.StatusInProgress, Version: 1, NextSeq: n + 1}))
	events := make([]*flowtype.Event, n)
	runs := make([]*flowtype.ActionRun, n)
	for i := range runs {
		events[i] = &flowtype.Event{TenantID: tenant, InstanceID: id, Seq: i + 1, Type: flowtype.EventAfterApprove}
		runs[i] = &flowtype.ActionRun{TenantID: tenant, ID: fmt.Sprintf("%s-r%05d", id, i), InstanceID: id, EventSeq: i + 1,
			Event: flowtype.EventAfterApprove, Ordinal: 1, Handler: "h", Tier: flowtype.TierSettings, MaxAttempts: maxAttempts}
	}
	must(s.EventInsert(ctx, events))
	must(s.ActionRunInsert(ctx, runs))
	return runs
}

// fast is a dispatcher configuration for tests: short polls and backoffs.
func fast(s outbox.Store, run outbox.RunFunc) outbox.Config {
	return outbox.Config{
		Store: s, Run: run, PollInterval: 20 * time.Millisecond, Timeout: 5 * time.Second, Lease: 10 * time.Second,
		Backoff: func(int) time.Duration { return time.Millisecond },
	}
}

func start(t *testing.T, cfg outbox.Config) *outbox.Dispatcher {
	t.Helper()
	d, err := outbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Stop(context.Background()) })
	return d
}

// waitFor fails the test when ch is not closed within a generous bound;
// tests wait on signals, the bound only turns a hang into a failure.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// finals counts final outcomes (succeeded, dead) and closes done at want.
type finals struct {
	mu   sync.Mutex
	n    int
	want int
	done chan struct{}
}

func newFinals(want int) *finals { return &finals{want: want, done: make(chan struct{})} }

func (f *finals) observe(batch []*store.ActionRunFinishParams) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range batch {
		if r.Status == flowtype.RunSucceeded || r.Status == flowtype.RunDead {
			f.n++
			if f.n == f.want {
				close(f.done)
			}
		}
	}
}

func listAll(t *testing.T, s store.Store) map[string]*flowtype.ActionRun {
	t.Helper()
	out := map[string]*flowtype.ActionRun{}
	after := ""
	for {
		page, err := s.ActionRunList(context.Background(), &store.ActionRunListParams{TenantID: tenant, AfterID: after, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			out[r.ID] = r
		}
		if len(page) < 500 {
			return out
		}
		after = page[len(page)-1].ID
	}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		runs := seed(t, s, 5, 3)
		// r0 succeeds, r1 fails twice then succeeds, r2 always fails, r3
		// fails permanently, r4 panics.
		var calls sync.Map
		run := func(ctx context.Context, r *flowtype.ActionRun) ([]byte, error) {
			n, _ := calls.LoadOrStore(r.ID, new(atomic.Int32))
			k := n.(*atomic.Int32).Add(1)
			switch r.ID {
			case runs[0].ID:
				return []byte(`{"ok":true}`), nil
			case runs[1].ID:
				if k < 3 {
					return nil, fmt.Errorf("try %d failed", k)
				}
				return nil, nil
			case runs[2].ID:
				return nil, errors.New("always")
			case runs[3].ID:
				return nil, outbox.Permanent(errors.New("bad parameters"))
			}
			panic("boom")
		}
		f := newFinals(5)
		cfg := fast(s, run)
		cfg.OnRecorded = f.observe
		d := start(t, cfg)
		waitFor(t, f.done, "five final outcomes")
		if err := d.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := listAll(t, s)
		want := []struct {
			status   flowtype.RunStatus
			attempts int
			err      string
		}{
			{flowtype.RunSucceeded, 1, ""},
			{flowtype.RunSucceeded, 3, "try 2 failed"},
			{flowtype.RunDead, 3, "always"},
			{flowtype.RunDead, 1, "bad parameters"},
			{flowtype.RunDead, 3, "handler h panicked: boom"},
		}
		for i, w := range want {
			r := got[runs[i].ID]
			if r.Status != w.status || r.Attempts != w.attempts || r.LastError != w.err || r.LeaseOwner != "" {
				t.Errorf("run %d: status %s attempts %d error %q owner %q; want %s %d %q", i, r.Status, r.Attempts,
					r.LastError, r.LeaseOwner, w.status, w.attempts, w.err)
			}
		}
		if string(got[runs[0].ID].Result) != `{"ok":true}` {
			t.Errorf("result not recorded: %s", got[runs[0].ID].Result)
		}
	})
}

// TestSharedBacklog has two dispatchers, each on its own connection pools
// as two processes would be, work one backlog of 2,000 runs on PostgreSQL
// (the deployment with replicas): every run executes once. SQLite gets a
// smaller backlog: two processes on one file is not how it is deployed,
// and its pure-Go engine is slow under the race detector.
func TestSharedBacklog(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			dsn := dbtest.DSN(t, dialect)
			s1, s2 := dbtest.OpenDSN(t, dsn), dbtest.OpenDSN(t, dsn)
			total := 2000
			if dialect == dbtest.SQLite {
				total = 300
			}
			seed(t, s1, total, 3)
			var mu sync.Mutex
			byKey := map[string]int{}
			byOwner := map[string]int{}
			all := make(chan struct{})
			handler := func(owner string) outbox.RunFunc {
				return func(ctx context.Context, r *flowtype.ActionRun) ([]byte, error) {
					mu.Lock()
					defer mu.Unlock()
					byKey[r.RunKey]++
					byOwner[owner]++
					if len(byKey) == total && byKey[r.RunKey] == 1 {
						close(all)
					}
					return nil, nil
				}
			}
			f := newFinals(total)
			c1, c2 := fast(s1, handler("d1")), fast(s2, handler("d2"))
			c1.Owner, c2.Owner = "d1", "d2"
			c1.BatchSize, c2.BatchSize = 50, 50
			c1.OnRecorded, c2.OnRecorded = f.observe, f.observe
			d1, d2 := start(t, c1), start(t, c2)
			waitFor(t, all, "every run executed")
			waitFor(t, f.done, "every outcome recorded")
			for _, d := range []*outbox.Dispatcher{d1, d2} {
				if err := d.Stop(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			for key, n := range byKey {
				if n != 1 {
					t.Fatalf("run %s executed %d times", key, n)
				}
			}
			for id, r := range listAll(t, s1) {
				if r.Status != flowtype.RunSucceeded || r.Attempts != 1 {
					t.Fatalf("run %s: %s after %d attempts", id, r.Status, r.Attempts)
				}
			}
			t.Logf("%s: d1 ran %d, d2 ran %d", dialect, byOwner["d1"], byOwner["d2"])
			if dialect == dbtest.Postgres && (byOwner["d1"] == 0 || byOwner["d2"] == 0) {
				t.Fatalf("one dispatcher did all the work: %v", byOwner)
			}
		})
	}
}

// TestKilledDispatcher leaves a batch leased by a dispatcher that died
// (it claimed and never recorded): a live dispatcher runs those runs once
// the lease expires, and the rest at once.
func TestKilledDispatcher(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		const total, killed = 150, 50
		seed(t, s, total, 3)
		lease := 400 * time.Millisecond
		now := time.Now()
		dead, err := s.ActionRunClaim(context.Background(), &store.ActionRunClaimParams{
			Owner: "killed", Limit: killed, Now: now, LeaseUntil: now.Add(lease)})
		if err != nil || len(dead) != killed {
			t.Fatalf("claim by the doomed dispatcher: %d runs, %v", len(dead), err)
		}
		orphan := map[string]bool{}
		for _, r := range dead {
			orphan[r.ID] = true
		}
		var mu sync.Mutex
		ran := map[string]time.Time{}
		all := make(chan struct{})
		f := newFinals(total)
		cfg := fast(s, func(ctx context.Context, r *flowtype.ActionRun) ([]byte, error) {
			mu.Lock()
			defer mu.Unlock()
			if _, dup := ran[r.RunKey]; dup {
				return nil, fmt.Errorf("run %s executed twice", r.RunKey)
			}
			ran[r.RunKey] = time.Now()
			if len(ran) == total {
				close(all)
			}
			return nil, nil
		})
		cfg.OnRecorded = f.observe
		start(t, cfg)
		waitFor(t, all, "every run, the orphaned ones included")
		waitFor(t, f.done, "every outcome recorded")
		for id, r := range listAll(t, s) {
			want := 1
			if orphan[id] {
				want = 2
				if ran[r.RunKey].Before(now.Add(lease)) {
					t.Fatalf("orphaned run %s ran before its lease expired", id)
				}
			}
			if r.Status != flowtype.RunSucceeded || r.Attempts != want {
				t.Fatalf("run %s: %s after %d attempts, want succeeded after %d", id, r.Status, r.Attempts, want)
			}
		}
	})
}

func TestStopWaitsForRunsInFlight(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		seed(t, s, 1, 3)
		entered, release := make(chan struct{}), make(chan struct{})
		d := start(t, fast(s, func(ctx context.Context, r *flowtype.ActionRun) ([]byte, error) {
			close(entered)
			<-release
			return nil, nil
		}))
		waitFor(t, entered, "the run to start")
		stopped := make(chan struct{})
		go func() {
			_ = d.Stop(context.Background())
			close(stopped)
		}()
		select {
		case <-stopped:
			t.Fatal("Stop returned while a run was in flight")
		case <-time.After(50 * time.Millisecond):
		}
		close(release)
		waitFor(t, stopped, "Stop")
		for _, r := range listAll(t, s) {
			if r.Status != flowtype.RunSucceeded {
				t.Fatalf("run after Stop: %s", r.Status)
			}
		}
		if err := d.Stop(context.Background()); err != nil {
			t.Fatalf("a second Stop: %v", err)
		}
	})
}

func TestStopDeadlineCancelsRuns(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		seed(t, s, 1, 3)
		entered := make(chan struct{})
		cfg := fast(s, func(ctx context.Context, r *flowtype.ActionRun) ([]byte, error) {
			close(entered)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		cfg.Backoff = func(int) time.Duration { return time.Hour }
		d := start(t, cfg)
		waitFor(t, entered, "the run to start")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := d.Stop(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Stop past its deadline: %v", err)
		}
		for _, r := range listAll(t, s) {
			if r.Status != flowtype.RunFailed || r.LastError != "context canceled" {
				t.Fatalf("cancelled run: %s %q", r.Status, r.LastError)
			}
		}
	})
}

func TestWake(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		ran := make(chan struct{})
		cfg := fast(s, func(ctx context.Context, r *flowtype.ActionRun) ([]byte, error) {
			close(ran)
			return nil, nil
		})
		cfg.PollInterval = time.Hour
		d := start(t, cfg)
		seed(t, s, 1, 1)
		d.Wake()
		waitFor(t, ran, "the woken dispatcher to run the new run")
	})
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	s := dbtest.Open(t, dbtest.SQLite)
	noop := func(context.Context, *flowtype.ActionRun) ([]byte, error) { return nil, nil }
	if _, err := outbox.New(outbox.Config{Store: s}); err == nil {
		t.Fatal("New without Run must fail")
	}
	if _, err := outbox.New(outbox.Config{Store: s, Run: noop, Timeout: time.Minute, Lease: time.Second}); err == nil {
		t.Fatal("a lease shorter than the timeout must fail")
	}
	d, err := outbox.New(outbox.Config{Store: s, Run: noop})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Stop(context.Background()); err != nil {
		t.Fatalf("Stop before Start: %v", err)
	}
	if err := d.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(t.Context()); err == nil {
		t.Fatal("a second Start must fail")
	}
	if err := d.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d.Owner() == "" {
		t.Fatal("no default owner")
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	b := outbox.Exponential(time.Second, 10*time.Second)
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 40: 10 * time.Second} {
		for range 20 {
			if d := b(attempt); d < want/2 || d > want {
				t.Fatalf("attempt %d: %v not in [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
	if d := outbox.Backoff(1); d < 2500*time.Millisecond || d > 5*time.Second {
		t.Fatalf("default first backoff %v", d)
	}
	if outbox.Permanent(nil) != nil || !outbox.IsPermanent(fmt.Errorf("wrapped: %w", outbox.Permanent(errors.New("x")))) ||
		outbox.IsPermanent(errors.New("x")) {
		t.Fatal("Permanent / IsPermanent")
	}
}

// BenchmarkDrain measures how fast one dispatcher drains a backlog of
// no-op runs (reported as runs/s).
func BenchmarkDrain(b *testing.B) {
	for _, dialect := range dbtest.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			s := dbtest.Open(b, dialect)
			const backlog = 5000
			b.ResetTimer()
			var total int
			var elapsed time.Duration
			for range b.N {
				b.StopTimer()
				seed(b, s, backlog, 1)
				f := newFinals(backlog)
				d, err := outbox.New(outbox.Config{Store: s, Run: func(context.Context, *flowtype.ActionRun) ([]byte, error) { return nil, nil },
					PollInterval: 10 * time.Millisecond, Workers: 50, BatchSize: 200, OnRecorded: f.observe})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t0 := time.Now()
				if err := d.Start(context.Background()); err != nil {
					b.Fatal(err)
				}
				<-f.done
				elapsed += time.Since(t0)
				total += backlog
				b.StopTimer()
				_ = d.Stop(context.Background())
				b.StartTimer()
			}
			b.ReportMetric(float64(total)/elapsed.Seconds(), "runs/s")
		})
	}
}
