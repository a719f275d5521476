// Package store is Flowgate's persistence seam: one interface of
// NounVerb(ctx, params) methods that package flowgate calls and that
// store/sqlstore implements for SQLite and PostgreSQL.
//
// API is not stable. DO NOT IMPLEMENT outside this module: the interface
// grows with the engine, and store/storetest is the contract every
// implementation must pass.
//
// Every method takes the tenant: no query reads or writes across tenants.
// A missing row is flowtype.ErrNotFound (wrapped), never a nil result.
package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/flowgate/flowgate/flowtype"
)

// Store is a database: it runs Executor methods outside a transaction (each
// write then commits on its own) and begins write transactions.
type Store interface {
	Executor

	// Begin starts a write transaction. On SQLite it takes the single
	// writer at once (BEGIN IMMEDIATE), so a transaction never fails later
	// with "database is locked".
	Begin(ctx context.Context) (Tx, error)

	// WithTx wraps a transaction the caller began on DB() (the …Tx twins of
	// the library API use it); the caller commits or rolls back.
	WithTx(tx *sql.Tx) Executor

	// DB returns the handle writes go through (for SQLite the single writer
	// connection pool).
	DB() *sql.DB

	// Dialect names the database: "sqlite" or "postgres".
	Dialect() string

	// Migrate applies every pending migration.
	Migrate(ctx context.Context) error

	// Close releases the connections.
	Close() error
}

// Tx is a write transaction.
type Tx interface {
	Executor
	Commit() error
	Rollback() error
}

// Executor holds every query. On a Store, reads use the read pool; in a Tx
// everything uses the transaction.
type Executor interface {
	APIKeyQueries
	CleanupQueries
	CommandQueries
	GaugeQueries

	TenantCreate(ctx context.Context, p *TenantCreateParams) (*flowtype.Tenant, error)
	TenantGet(ctx context.Context, id string) (*flowtype.Tenant, error)
	TenantList(ctx context.Context) ([]*flowtype.Tenant, error)

	UserUpsert(ctx context.Context, p *UserUpsertParams) (*flowtype.User, error)
	UserGet(ctx context.Context, tenantID, id string) (*flowtype.User, error)
	UserList(ctx context.Context, p *UserListParams) ([]*flowtype.User, error)

	RoleUpsert(ctx context.Context, p *RoleUpsertParams) (*flowtype.Role, error)
	RoleGet(ctx context.Context, tenantID, id string) (*flowtype.Role, error)
	RoleList(ctx context.Context, tenantID string) ([]*flowtype.Role, error)
	// RoleMemberAdd is idempotent; RoleMemberRemove returns ErrNotFound when
	// the user was not a member.
	RoleMemberAdd(ctx context.Context, tenantID, roleID, userID string) error
	RoleMemberRemove(ctx context.Context, tenantID, roleID, userID string) error
	// RoleMemberList returns the members ordered by user id (byte-wise).
	RoleMemberList(ctx context.Context, tenantID, roleID string) ([]flowtype.RoleMember, error)
	// RoleListByUser returns the ids of the roles the user belongs to.
	RoleListByUser(ctx context.Context, tenantID, userID string) ([]string, error)
	// RotationGet returns the last user chosen for the role's round robin
	// ("" when none); RotationSet stores it.
	RotationGet(ctx context.Context, tenantID, roleID string) (string, error)
	RotationSet(ctx context.Context, tenantID, roleID, lastUserID string) error
	// RotationLock is RotationGet for the transaction that advances the
	// rotation: it creates the row when missing and locks it until the
	// transaction ends (PostgreSQL: SELECT … FOR UPDATE; SQLite's single
	// writer already serializes), so concurrent activations of one role's
	// round robin take turns. An unknown role is ErrNotFound.
	RotationLock(ctx context.Context, tenantID, roleID string) (string, error)

	FormUpsert(ctx context.Context, p *FormUpsertParams) (*flowtype.Form, error)
	FormGet(ctx context.Context, tenantID, id string) (*flowtype.Form, error)
	FormList(ctx context.Context, tenantID string) ([]*flowtype.Form, error)

	SubjectTypeUpsert(ctx context.Context, st *flowtype.SubjectType) (*flowtype.SubjectType, error)
	SubjectTypeGet(ctx context.Context, tenantID, typ string) (*flowtype.SubjectType, error)
	SubjectTypeList(ctx context.Context, tenantID string) ([]*flowtype.SubjectType, error)

	// WorkflowInsert creates the workflow row and its version 1 in one go
	// (call it in a Tx together with NodeReplace).
	WorkflowInsert(ctx context.Context, p *WorkflowInsertParams) (*flowtype.WorkflowRow, error)
	WorkflowGet(ctx context.Context, tenantID, id string) (*flowtype.WorkflowRow, error)
	WorkflowList(ctx context.Context, p *WorkflowListParams) ([]*flowtype.WorkflowRow, error)
	// WorkflowUpdate changes the summary columns; with ExpectedVersion set it
	// fails with ErrConflict when current_version differs.
	WorkflowUpdate(ctx context.Context, p *WorkflowUpdateParams) (*flowtype.WorkflowRow, error)
	WorkflowVersionInsert(ctx context.Context, v *flowtype.WorkflowVersion) error
	// WorkflowVersionReplace rewrites an unpinned version in place.
	WorkflowVersionReplace(ctx context.Context, v *flowtype.WorkflowVersion) error
	WorkflowVersionGet(ctx context.Context, tenantID, workflowID string, version int) (*flowtype.WorkflowVersion, error)
	WorkflowVersionList(ctx context.Context, tenantID, workflowID string) ([]*flowtype.WorkflowVersion, error)
	// WorkflowVersionPinned reports whether any instance pins the version.
	WorkflowVersionPinned(ctx context.Context, tenantID, workflowID string, version int) (bool, error)

	// NodeReplace sets the pipeline, stage and action ids of a workflow
	// (across all its versions: ids are stable from version to version).
	NodeReplace(ctx context.Context, tenantID, workflowID string, nodes []flowtype.Node) error
	NodeGet(ctx context.Context, tenantID, id string) (*flowtype.Node, error)

	SubjectGet(ctx context.Context, tenantID, typ, id string) (*flowtype.Subject, error)
	// SubjectUpsert creates the subject or replaces its data (and, when
	// given, status and created_by).
	SubjectUpsert(ctx context.Context, p *SubjectUpsertParams) (*flowtype.Subject, error)
	SubjectSetStatus(ctx context.Context, tenantID, typ, id, field, value string) error

	// InstanceInsert fails with a *flowtype.Error of code already_attached
	// when the subject already has an active instance (a unique index
	// decides, so two concurrent attaches cannot both win).
	InstanceInsert(ctx context.Context, inst *flowtype.Instance) error
	InstanceGet(ctx context.Context, tenantID, id string) (*flowtype.Instance, error)
	// InstanceGetForUpdate is InstanceGet for a read-modify-write: in a
	// transaction it locks the row until the transaction ends (PostgreSQL:
	// SELECT … FOR UPDATE; SQLite's single writer already serializes), so
	// concurrent commands on one instance queue instead of retrying.
	InstanceGetForUpdate(ctx context.Context, tenantID, id string) (*flowtype.Instance, error)
	// InstanceGetBySubject returns the active instance, else the newest.
	InstanceGetBySubject(ctx context.Context, tenantID, typ, id string) (*flowtype.Instance, error)
	InstanceListBySubject(ctx context.Context, tenantID, typ, id string) ([]*flowtype.Instance, error)
	// InstanceUpdate writes every mutable column of inst where the stored
	// version is expectedVersion; otherwise ErrStaleVersion (an
	// ErrConflict), or ErrNotFound when the instance is gone. inst.Version
	// must already hold the new version.
	InstanceUpdate(ctx context.Context, inst *flowtype.Instance, expectedVersion int) error
	InstanceList(ctx context.Context, p *InstanceListParams) ([]*flowtype.Instance, error)

	TaskInsert(ctx context.Context, tasks []*flowtype.Task) error
	// TaskUpdate writes the mutable columns of each task.
	TaskUpdate(ctx context.Context, tasks []*flowtype.Task) error
	// TaskListByInstance returns every task of the instance, oldest first.
	TaskListByInstance(ctx context.Context, tenantID, instanceID string) ([]*flowtype.Task, error)
	// TaskListOpenByUser returns the current tasks assigned to the user
	// (the inbox), newest first, served by an index on open tasks only.
	TaskListOpenByUser(ctx context.Context, p *TaskListOpenByUserParams) ([]*flowtype.InboxItem, error)
	// TaskListOpenViaRole returns the open tasks that users hold through the
	// role (for directory changes), optionally for one user only.
	TaskListOpenViaRole(ctx context.Context, tenantID, roleID, userID string) ([]*flowtype.Task, error)
	// TaskListOpenByAssignee returns every open task assigned to the user.
	TaskListOpenByAssignee(ctx context.Context, tenantID, userID string) ([]*flowtype.Task, error)

	EventInsert(ctx context.Context, events []*flowtype.Event) error
	// EventList returns events oldest first with seq > AfterSeq.
	EventList(ctx context.Context, p *EventListParams) ([]*flowtype.Event, error)

	// IdempotencyGet returns ErrNotFound when the key is unknown or older
	// than the horizon.
	IdempotencyGet(ctx context.Context, tenantID, userID, key string, newerThan time.Time) (*flowtype.IdempotencyRecord, error)
	// IdempotencyPut stores the first response to a keyed command. A key
	// the user stored after horizon is ErrConflict; one stored at or
	// before it has expired (IdempotencyGet with the same horizon no
	// longer finds it) and is replaced, so a key may be reused after its
	// window even before IdempotencyPurge deleted it.
	IdempotencyPut(ctx context.Context, rec *flowtype.IdempotencyRecord, horizon time.Time) error

	// ActionRunInsert stores new action runs (in the transaction of the
	// command that wrote their events) and sets each RunKey, derived from
	// (InstanceID, EventSeq, Ordinal). A taken id or (instance, event,
	// ordinal), which would repeat a run key, is ErrConflict; a missing
	// event ErrNotFound.
	ActionRunInsert(ctx context.Context, runs []*flowtype.ActionRun) error
	ActionRunGet(ctx context.Context, tenantID, id string) (*flowtype.ActionRun, error)
	// ActionRunList pages through a tenant's runs ordered by id (oldest
	// first), optionally of one instance and some statuses.
	ActionRunList(ctx context.Context, p *ActionRunListParams) ([]*flowtype.ActionRun, error)
	// ActionRunClaim leases up to Limit due runs of every tenant (the
	// dispatcher serves them all): pending or failed runs whose next_run_at
	// has come, and running runs whose lease has expired, each only when
	// every run of its event with a smaller Ordinal is final (succeeded or
	// dead), so the runs of one event run in order. Each claimed run
	// becomes running, owned by Owner until LeaseUntil (also its
	// next_run_at), with one more attempt. Concurrent claims never return
	// the same run (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the single
	// writer).
	ActionRunClaim(ctx context.Context, p *ActionRunClaimParams) ([]*flowtype.ActionRun, error)
	// ActionRunFinish records the outcomes of attempts, all in one
	// transaction. An outcome is recorded only while its run is still
	// running under the same owner (a lease that expired and was claimed
	// again is not overwritten); it returns how many were recorded. A
	// success drops the run's State (nothing executes it again).
	ActionRunFinish(ctx context.Context, results []*ActionRunFinishParams) (int, error)
	// ActionRunRetry makes a failed or dead run due at Now, allowing it one
	// more attempt when it had used them all. Any other status is a
	// *flowtype.Error with code conflict; an unknown run ErrNotFound.
	ActionRunRetry(ctx context.Context, p *ActionRunRetryParams) (*flowtype.ActionRun, error)
}

// TenantCreateParams creates a tenant.
type TenantCreateParams struct {
	ID   string
	Name string
}

// UserUpsertParams creates or replaces a user.
type UserUpsertParams struct {
	TenantID string
	ID       string
	Name     string
	Email    string
	Locale   string
	IsActive bool
}

// UserListParams pages through a tenant's users ordered by id.
type UserListParams struct {
	TenantID string
	AfterID  string
	Limit    int
}

// RoleUpsertParams creates or renames a role.
type RoleUpsertParams struct {
	TenantID string
	ID       string
	Name     string
}

// FormUpsertParams creates or replaces a form.
type FormUpsertParams struct {
	TenantID string
	ID       string
	Name     string
	Schema   []byte
}

// WorkflowInsertParams creates a workflow with its first version.
type WorkflowInsertParams struct {
	TenantID   string
	ID         string
	Name       map[string]string
	Strategy   int
	IsActive   bool
	CreatedBy  string
	Definition []byte
}

// WorkflowListParams filters and pages workflows ordered by id.
type WorkflowListParams struct {
	TenantID string
	IsActive *bool
	// Query matches any localized name, case-insensitively.
	Query   string
	AfterID string
	Limit   int
}

// WorkflowUpdateParams sets the summary columns of a workflow.
type WorkflowUpdateParams struct {
	TenantID        string
	ID              string
	Name            map[string]string
	Strategy        int
	IsActive        bool
	CurrentVersion  int
	ExpectedVersion int
}

// SubjectUpsertParams creates a subject or replaces its data. Status and
// CreatedBy are written only when not nil / not empty.
type SubjectUpsertParams struct {
	TenantID  string
	Type      string
	ID        string
	Data      []byte
	Status    map[string]string
	CreatedBy string
}

// InstanceListParams filters and pages instances ordered by id.
type InstanceListParams struct {
	TenantID   string
	WorkflowID string
	Statuses   []flowtype.Status
	AfterID    string
	Limit      int
}

// TaskListOpenByUserParams selects a user's inbox page.
type TaskListOpenByUserParams struct {
	TenantID    string
	UserID      string
	WorkflowID  string
	SubjectType string
	StageID     string
	// BeforeID pages backwards (the list is newest first).
	BeforeID string
	Limit    int
}

// EventListParams pages through an instance's history.
type EventListParams struct {
	TenantID   string
	InstanceID string
	AfterSeq   int
	Limit      int
}

// ActionRunListParams filters and pages action runs ordered by id.
type ActionRunListParams struct {
	TenantID   string
	InstanceID string
	Statuses   []flowtype.RunStatus
	AfterID    string
	Limit      int
}

// ActionRunClaimParams leases due runs.
type ActionRunClaimParams struct {
	Owner      string
	Limit      int
	Now        time.Time
	LeaseUntil time.Time
}

// ActionRunFinishParams is the outcome of one attempt. Status is
// succeeded, failed (due again at NextRunAt) or dead.
type ActionRunFinishParams struct {
	TenantID   string
	ID         string
	Owner      string
	Status     flowtype.RunStatus
	LastError  string
	NextRunAt  time.Time
	DurationMS int64
	Result     []byte
	Now        time.Time
}

// ActionRunRetryParams makes a failed or dead run due again.
type ActionRunRetryParams struct {
	TenantID string
	ID       string
	Now      time.Time
}
