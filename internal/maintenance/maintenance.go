// Package maintenance runs periodic maintenance jobs, such as the cleanup
// of finished instances and the purge of expired idempotency records. Each
// job loops on its own ticker until its context ends, runs one pass at a
// time (a pass works in short batches, so it never holds a lock for long),
// and logs what each pass did and how long it took. A failed pass is
// logged and tried again at the next tick.
//
// The package knows nothing of the engine: jobs are functions the engine
// hands in, and the engine runs them under a leadership.Elector so that one
// process among the replicas sharing a database runs them.
package maintenance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Job is one periodic task.
type Job struct {
	// Name identifies the job in logs, such as "cleanup".
	Name string
	// Interval is the time between the starts of two passes; the first
	// pass starts at once. A pass longer than Interval is followed by the
	// next one right away, never by two.
	Interval time.Duration
	// Run does one pass and returns what it did as log attributes (the
	// counts it deleted). It must return soon after ctx is cancelled.
	Run func(ctx context.Context) ([]slog.Attr, error)
}

// Config configures Run. Jobs are required.
type Config struct {
	Jobs []Job
	// Logger receives one record per pass. Defaults to discarding.
	Logger *slog.Logger
	// OnRun, when set, is called after each pass with the job's name and
	// error (tests wait on it instead of sleeping).
	OnRun func(job string, err error)
}

func (c Config) validate() error {
	if len(c.Jobs) == 0 {
		return errors.New("maintenance: no job to run")
	}
	for i, j := range c.Jobs {
		if j.Name == "" || j.Run == nil || j.Interval <= 0 {
			return fmt.Errorf("maintenance: job %d (%q) needs a name, a Run function and a positive interval", i, j.Name)
		}
	}
	return nil
}

// Run runs every job until ctx ends, each on a goroutine of its own, and
// returns when they all have stopped (a pass in progress sees its context
// cancelled). It returns an error, without running anything, when a job
// lacks a name, a function or a positive interval.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	for _, j := range cfg.Jobs {
		wg.Go(func() { loop(ctx, &cfg, j) })
	}
	wg.Wait()
	return nil
}

// loop runs one job now and at every tick until ctx ends.
func loop(ctx context.Context, cfg *Config, j Job) {
	tick := time.NewTicker(j.Interval)
	defer tick.Stop()
	for {
		pass(ctx, cfg, j)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pass runs the job once and logs the outcome.
func pass(ctx context.Context, cfg *Config, j Job) {
	if ctx.Err() != nil {
		return
	}
	start := time.Now()
	attrs, err := j.Run(ctx)
	took := time.Since(start)
	switch {
	case err != nil && ctx.Err() != nil:
		// Stopped mid-pass: its batches are transactions, nothing is half
		// done, and the next leader's pass picks up the rest.
		cfg.Logger.Debug("maintenance: pass interrupted by shutdown", "job", j.Name, "duration", took)
	case err != nil:
		cfg.Logger.Error("maintenance: pass failed; trying again at the next tick", "job", j.Name,
			"duration", took, "next_in", j.Interval, "error", err)
	default:
		args := make([]any, 0, len(attrs)+2)
		args = append(args, slog.String("job", j.Name), slog.Duration("duration", took))
		for _, a := range attrs {
			args = append(args, a)
		}
		cfg.Logger.Info("maintenance: pass done", args...)
	}
	if cfg.OnRun != nil {
		cfg.OnRun(j.Name, err)
	}
}
