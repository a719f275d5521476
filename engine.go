package flowgate

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/flowgate/flowgate/action/email"
	"github.com/flowgate/flowgate/action/webhook"
	"github.com/flowgate/flowgate/store"
)

// Engine runs approval workflows stored in one database. It is safe for
// concurrent use; several engines (processes) may share a PostgreSQL
// database.
type Engine struct {
	store store.Store
	cfg   Config
	log   *slog.Logger
	defs  *defCache
	conds *conditionCache
	forms *formCache
	now   func() time.Time
	acts  *actionState
	// group batches concurrent write transactions on SQLite (nil on
	// PostgreSQL); see committer.
	group *committer
}

// Config configures an Engine. The zero value is usable.
type Config struct {
	// Logger receives the engine's logs. Defaults to slog.Default().
	Logger *slog.Logger
	// Observer, when set, is told about every attach, start and decision
	// (packages metrics and tracing implement it). Defaults to none.
	Observer Observer

	// IdempotencyTTL is how long an idempotency key is remembered.
	// Defaults to 24 hours.
	IdempotencyTTL time.Duration

	// OnSubjectStatus, when set, is called inside the transaction that
	// changes a subject's status (on completion or rejection), so that a
	// host application can update its own table atomically. tx is nil when
	// the store is not SQL-backed. An error aborts the whole decision.
	OnSubjectStatus func(ctx context.Context, tx *sql.Tx, change SubjectStatusChange) error

	// Actions is the settings tier of action resolution (the original's
	// WORKFLOW_ACTIONS_CONFIG). Nil: not configured, the built-in default
	// notifications apply when a workflow has no action for an event.
	Actions ActionSettings
	// AutoCreateActions writes the default e-mail notifications as
	// workflow-level actions of every workflow created (the original's
	// WORKFLOW_AUTO_CREATE_ACTIONS). Defaults to false: the default tier
	// sends the same e-mails without rows.
	AutoCreateActions bool
	// DisableEmails stops e-mail actions only; other actions still run.
	DisableEmails bool
	// ActionsEnabled, when false, stops every action: no run is created.
	// Defaults to true (nil).
	ActionsEnabled *bool
	// Email configures the built-in "email" handler (SMTP, templates, a
	// sender hook).
	Email email.Config
	// Webhook configures the built-in "webhook" handler (signing secrets,
	// timeout).
	Webhook webhook.Config
	// Workers configures the action dispatcher that StartWorkers runs.
	Workers WorkerConfig

	// Permissions (the original's PERMISSIONS) require grants to start
	// workflows and to decide on tasks. Defaults to none required.
	Permissions Permissions
	// DepartmentLinkType (the original's DEPARTMENT_MODEL) is the type
	// recorded for a pipeline's department saved without one, such as
	// "hr.department". Defaults to "": departments are stored as given.
	DepartmentLinkType string

	// Test holds switches for tests.
	Test TestConfig
}

// TestConfig holds test-only settings.
type TestConfig struct {
	// Now replaces the clock. Defaults to time.Now.
	Now func() time.Time
}

// SubjectStatusChange describes a subject status update made by a
// completion or a rejection.
type SubjectStatusChange struct {
	TenantID    string
	SubjectType string
	SubjectID   string
	InstanceID  string
	Field       string
	From        string
	To          string
}

func (c *Config) withDefaults() Config {
	out := *c
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	if out.IdempotencyTTL == 0 {
		out.IdempotencyTTL = 24 * time.Hour
	}
	if out.Test.Now == nil {
		out.Test.Now = time.Now
	}
	return out
}

func (c *Config) validate() error {
	if c.IdempotencyTTL < 0 {
		return errors.New("flowgate: Config.IdempotencyTTL must not be negative")
	}
	if err := c.Permissions.validate(); err != nil {
		return err
	}
	return c.validateActions()
}

// New returns an Engine over s. s must be migrated (see Store.Migrate). A nil
// cfg is an error, as is an invalid one.
func New(ctx context.Context, s store.Store, cfg *Config) (*Engine, error) {
	if s == nil {
		return nil, errors.New("flowgate: New needs a store")
	}
	if cfg == nil {
		return nil, errors.New("flowgate: New needs a *Config (use &flowgate.Config{} for defaults)")
	}
	c := cfg.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	_ = ctx // reserved for start-up work (handler registry checks, warm-up)
	e := &Engine{
		store: s,
		cfg:   c,
		log:   c.Logger,
		defs:  newDefCache(),
		conds: newConditionCache(),
		forms: newFormCache(),
		now:   func() time.Time { return c.Test.Now().UTC() },
	}
	e.acts = newActionState(&e.cfg)
	e.group = newCommitter(s)
	return e, nil
}

// Store returns the engine's store.
func (e *Engine) Store() store.Store { return e.store }
