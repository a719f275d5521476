package maintenance_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowgate/flowgate/internal/maintenance"
)

// syncBuffer is a log sink safe for the jobs' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestRunRepeatsEachJobAndLogsIt(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	var counts, fails atomic.Int32
	runs := make(chan string, 100)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- maintenance.Run(ctx, maintenance.Config{
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			OnRun: func(job string, _ error) {
				select {
				case runs <- job:
				default:
				}
			},
			Jobs: []maintenance.Job{
				{Name: "count", Interval: 10 * time.Millisecond, Run: func(context.Context) ([]slog.Attr, error) {
					return []slog.Attr{slog.Int("deleted", int(counts.Add(1)))}, nil
				}},
				{Name: "flaky", Interval: 10 * time.Millisecond, Run: func(context.Context) ([]slog.Attr, error) {
					fails.Add(1)
					return nil, errors.New("database unreachable")
				}},
			},
		})
	}()
	seen := map[string]int{}
	deadline := time.After(15 * time.Second)
	for seen["count"] < 3 || seen["flaky"] < 3 {
		select {
		case j := <-runs:
			seen[j]++
		case <-deadline:
			t.Fatalf("passes seen: %v, want 3 of each", seen)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	out := logs.String()
	for _, want := range []string{"job=count", "deleted=1", "duration=", "job=flaky", "database unreachable"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
	// A failing job keeps being tried: its failures stop nothing.
	if fails.Load() < 3 {
		t.Fatalf("flaky ran %d times", fails.Load())
	}
}

func TestRunStopsAPassInProgress(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- maintenance.Run(ctx, maintenance.Config{Jobs: []maintenance.Job{{
			Name: "slow", Interval: time.Hour,
			Run: func(ctx context.Context) ([]slog.Attr, error) {
				close(started)
				<-ctx.Done()
				return nil, ctx.Err()
			},
		}}})
	}()
	<-started
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Run waited for the pass instead of cancelling it")
	}
}

func TestRunRejectsBadJobs(t *testing.T) {
	t.Parallel()
	ok := func(context.Context) ([]slog.Attr, error) { return nil, nil }
	for _, tc := range []struct {
		name string
		jobs []maintenance.Job
	}{
		{"none", nil},
		{"no name", []maintenance.Job{{Interval: time.Second, Run: ok}}},
		{"no function", []maintenance.Job{{Name: "x", Interval: time.Second}}},
		{"no interval", []maintenance.Job{{Name: "x", Run: ok}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := maintenance.Run(t.Context(), maintenance.Config{Jobs: tc.jobs}); err == nil {
				t.Fatal("Run accepted it")
			}
		})
	}
}
