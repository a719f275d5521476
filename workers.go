package flowgate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/flowgate/flowgate/internal/outbox"
	"github.com/flowgate/flowgate/store"
)

// StartWorkers starts this engine's action dispatcher in the background:
// it claims due action runs (of every tenant) in batches, runs their
// handlers after the commands that wrote them committed, records every
// attempt, and retries failures with backoff until Config.Workers'
// MaxAttempts (then the run is dead). Commits of this engine wake it at
// once; runs written by others (…Tx twins, other processes) are found at
// its next poll. Any number of processes may run workers on one
// PostgreSQL database; on SQLite run them in one process.
//
// Cancelling ctx stops the workers as StopWorkers does and also cancels
// the handlers in flight. StartWorkers fails when workers already run, or
// when Config.Actions names a handler that is not registered (register
// handlers first).
func (e *Engine) StartWorkers(ctx context.Context) error {
	if missing := e.unregisteredSettingsHandlers(); len(missing) > 0 {
		return fmt.Errorf("flowgate: Config.Actions names unregistered handlers: %s", strings.Join(missing, ", "))
	}
	a := e.acts
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.disp != nil {
		return errors.New("flowgate: workers already started")
	}
	w := e.cfg.Workers
	cfg := outbox.Config{
		Store: e.store, Run: e.executeRun, Owner: w.Owner, Workers: w.Concurrency, BatchSize: w.BatchSize,
		PollInterval: w.PollInterval, Timeout: w.Timeout, Lease: w.Lease, Backoff: w.Backoff, Logger: e.log,
	}
	if hook := w.OnRecorded; hook != nil {
		cfg.OnRecorded = func(batch []*store.ActionRunFinishParams) {
			for _, r := range batch {
				hook(r.TenantID, r.ID, r.Status)
			}
		}
	}
	d, err := outbox.New(cfg)
	if err != nil {
		return fmt.Errorf("flowgate: %w", err)
	}
	if err := d.Start(ctx); err != nil {
		return err
	}
	a.disp = d
	return nil
}

// StopWorkers stops claiming runs and waits for the handlers in flight and
// the recording of their outcomes. When ctx ends first, the handlers'
// contexts are cancelled (their runs are recorded as failed attempts and
// retried later) and ctx's error is returned. Stopping workers that do not
// run does nothing; they may be started again afterwards.
func (e *Engine) StopWorkers(ctx context.Context) error {
	a := e.acts
	a.mu.Lock()
	d := a.disp
	a.disp = nil
	a.mu.Unlock()
	if d == nil {
		return nil
	}
	return d.Stop(ctx)
}

// RunWorkers runs the action workers until ctx is cancelled, then stops
// them, giving handlers in flight Config.Workers.StopTimeout to finish.
// It returns StartWorkers' error, or nil.
func (e *Engine) RunWorkers(ctx context.Context) error {
	if err := e.StartWorkers(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	<-ctx.Done()
	grace := e.cfg.Workers.StopTimeout
	if grace <= 0 {
		grace = 30 * time.Second
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := e.StopWorkers(stopCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// WakeWorkers makes running workers look for due runs now (after a
// …Tx command committed by the caller, for example). It never blocks.
func (e *Engine) WakeWorkers() { e.acts.committed() }

func (e *Engine) unregisteredSettingsHandlers() []string {
	var out []string
	for _, list := range e.cfg.Actions {
		for _, a := range list {
			if !e.HandlerRegistered(a.Handler) && !containsString(out, a.Handler) {
				out = append(out, a.Handler)
			}
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
