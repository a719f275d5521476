package flowgate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/internal/leadership"
	"github.com/flowgate/flowgate/internal/maintenance"
	"github.com/flowgate/flowgate/store"
)

// MaintenanceConfig configures RunMaintenance. The zero value purges
// expired idempotency records every hour and cleans up nothing.
type MaintenanceConfig struct {
	// CleanupInterval runs Cleanup on every tenant this often (the
	// original's cleanup_workflows run by cron or Celery beat). 0 turns
	// the scheduled cleanup off.
	CleanupInterval time.Duration
	// CleanupDays keeps instances finished in the last CleanupDays days.
	// Defaults to 30.
	CleanupDays int
	// CleanupStatuses are the finished statuses the scheduled cleanup
	// deletes. Defaults to completed, rejected and withdrawn.
	CleanupStatuses []flowtype.Status
	// AutoCleanupCompleted is the original's
	// WORKFLOW_AUTO_CLEANUP_COMPLETED: completed instances are deleted
	// once they are CleanupDays old, by the periodic cleanup. Without
	// CleanupInterval it runs that cleanup every hour, for completed
	// instances only; with it, it adds completed to CleanupStatuses.
	AutoCleanupCompleted bool
	// IdempotencyPurgeInterval is how often idempotency records older than
	// Config.IdempotencyTTL are deleted. Defaults to 1 hour; a negative
	// value turns the purge off (expired keys are still reusable: a new
	// command replaces an expired record).
	IdempotencyPurgeInterval time.Duration
	// BatchSize bounds the instances, or idempotency records, that one
	// transaction deletes. Defaults to 500.
	BatchSize int
	// ElectionInterval is, on PostgreSQL, how often a process that does
	// not lead tries to, and how often the leader checks its database
	// session. Defaults to 5 seconds. SQLite has one process, always the
	// leader.
	ElectionInterval time.Duration
}

// autoCleanupInterval is how often AutoCleanupCompleted alone cleans up.
const autoCleanupInterval = time.Hour

func (c *MaintenanceConfig) withDefaults() (MaintenanceConfig, error) {
	out := MaintenanceConfig{}
	if c != nil {
		out = *c
	}
	if out.CleanupInterval < 0 {
		return out, flowtype.NewValidationError("cleanup_interval", "must not be negative")
	}
	if out.CleanupDays < 0 {
		return out, flowtype.NewValidationError("cleanup_days", "must be 1 or more")
	}
	if out.CleanupDays == 0 {
		out.CleanupDays = 30
	}
	for i, s := range out.CleanupStatuses {
		if !s.Finished() {
			return out, flowtype.NewValidationError(fmt.Sprintf("cleanup_statuses[%d]", i),
				fmt.Sprintf("status %q cannot be cleaned up: only completed, rejected and withdrawn", s))
		}
	}
	if out.IdempotencyPurgeInterval == 0 {
		out.IdempotencyPurgeInterval = time.Hour
	}
	if out.BatchSize <= 0 {
		out.BatchSize = 500
	}
	return out, nil
}

// cleanupJob returns the scheduled cleanup's parameters and interval;
// interval 0 means no cleanup.
func (c *MaintenanceConfig) cleanupJob() (p CleanupParams, interval time.Duration) {
	p = CleanupParams{Days: c.CleanupDays, BatchSize: c.BatchSize}
	switch {
	case c.CleanupInterval > 0:
		p.Statuses = slices.Clone(c.CleanupStatuses)
		if c.AutoCleanupCompleted && len(p.Statuses) > 0 && !slices.Contains(p.Statuses, flowtype.StatusCompleted) {
			p.Statuses = append(p.Statuses, flowtype.StatusCompleted)
		}
		return p, c.CleanupInterval
	case c.AutoCleanupCompleted:
		p.Statuses = []flowtype.Status{flowtype.StatusCompleted}
		return p, autoCleanupInterval
	}
	return p, 0
}

// RunMaintenance runs the periodic maintenance jobs until ctx ends: the
// scheduled cleanup of finished instances in every tenant (see
// MaintenanceConfig), and the purge of expired idempotency records. Each
// job runs at once, then every interval, in batches of short transactions,
// and logs what it deleted and how long it took; a failed pass is logged
// and tried again at the next interval.
//
// Many processes may call RunMaintenance on one PostgreSQL database: they
// elect a leader with an advisory lock (keyed by the schema), and only the
// leader runs the jobs. When the leader stops, or its database session
// dies, another process takes over within about ElectionInterval. On
// SQLite the process always leads.
//
// RunMaintenance returns nil when ctx ends, after the pass in progress was
// cancelled (each batch is a transaction, so nothing is left half done),
// or at once when every job is off. A bad cfg is a *ValidationError. A nil
// cfg means the zero MaintenanceConfig.
func (e *Engine) RunMaintenance(ctx context.Context, cfg *MaintenanceConfig) error {
	c, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	var jobs []maintenance.Job
	if p, every := c.cleanupJob(); every > 0 {
		jobs = append(jobs, maintenance.Job{Name: "cleanup", Interval: every, Run: e.cleanupPass(p)})
	}
	if c.IdempotencyPurgeInterval > 0 {
		jobs = append(jobs, maintenance.Job{Name: "idempotency_purge", Interval: c.IdempotencyPurgeInterval,
			Run: e.idempotencyPurgePass(c.BatchSize)})
	}
	if len(jobs) == 0 {
		return nil
	}
	el, err := leadership.New(leadership.Config{
		DB: e.store.DB(), Dialect: e.store.Dialect(), Name: "maintenance",
		Interval: c.ElectionInterval, Logger: e.log,
	})
	if err != nil {
		return fmt.Errorf("flowgate: maintenance: %w", err)
	}
	return el.Run(ctx, func(ctx context.Context) {
		// The jobs are built above and always valid.
		_ = maintenance.Run(ctx, maintenance.Config{Jobs: jobs, Logger: e.log})
	})
}

// cleanupPass cleans up every tenant. A tenant that fails does not stop
// the others; the pass reports every failure.
func (e *Engine) cleanupPass(p CleanupParams) func(ctx context.Context) ([]slog.Attr, error) {
	return func(ctx context.Context) ([]slog.Attr, error) {
		tenants, err := e.store.TenantList(ctx)
		if err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		var total CleanupCounts
		var errs []error
		for _, t := range tenants {
			res, err := e.Cleanup(ctx, t.ID, &p)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				errs = append(errs, fmt.Errorf("tenant %s: %w", t.ID, err))
				continue
			}
			total.Add(&res.Counts)
		}
		return []slog.Attr{
			slog.Int("tenants", len(tenants)), slog.Int("days", p.Days),
			slog.Int("instances", total.Instances), slog.Int("tasks", total.Tasks), slog.Int("events", total.Events),
			slog.Int("idempotency_keys", total.Idempotency), slog.Int("action_runs", total.ActionRuns),
		}, errors.Join(errs...)
	}
}

// idempotencyPurgePass deletes every tenant's expired idempotency records,
// batch by batch.
func (e *Engine) idempotencyPurgePass(batch int) func(ctx context.Context) ([]slog.Attr, error) {
	return func(ctx context.Context) ([]slog.Attr, error) {
		tenants, err := e.store.TenantList(ctx)
		if err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		horizon := e.idempotencyHorizon()
		total := 0
		var errs []error
		for _, t := range tenants {
			for {
				n, err := e.store.IdempotencyPurge(ctx, &store.IdempotencyPurgeParams{TenantID: t.ID, Horizon: horizon, Limit: batch})
				total += n
				if err != nil {
					if ctx.Err() != nil {
						return nil, ctx.Err()
					}
					errs = append(errs, fmt.Errorf("tenant %s: %w", t.ID, err))
				}
				if err != nil || n < batch {
					break
				}
			}
		}
		return []slog.Attr{slog.Int("tenants", len(tenants)), slog.Int("idempotency_keys", total)}, errors.Join(errs...)
	}
}
