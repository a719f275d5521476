package store

import (
	"context"
	"fmt"
	"time"

	"github.com/flowgate/flowgate/flowtype"
)

// CommandQueries are what a command on an instance needs beyond the
// single-row queries: one read that takes the instance with what the
// command reads beside it, and one batch that sends all its writes. On
// PostgreSQL each is one round trip. They are part of Executor.
type CommandQueries interface {
	// InstanceGetForCommand is InstanceGetForUpdate that also returns, read
	// in the same round trip, the instance's tasks, its subject and its
	// workflow's current version, as a read made after the lock was taken
	// would see them: on PostgreSQL, when the lock waited for a transaction
	// that changed the instance, they are read again. A missing instance is
	// ErrNotFound.
	InstanceGetForCommand(ctx context.Context, tenantID, id string) (*InstanceForCommand, error)

	// Batch returns an empty batch of writes that Flush sends through this
	// executor.
	Batch() Batch
}

// InstanceForCommand is an instance read by InstanceGetForCommand.
type InstanceForCommand struct {
	Instance *flowtype.Instance
	// Tasks are every task of the instance, oldest first (as
	// TaskListByInstance returns them).
	Tasks []*flowtype.Task
	// Subject is the instance's subject; nil when it has none.
	Subject *flowtype.Subject
	// WorkflowVersion is the current_version of the instance's workflow
	// (database actions resolve from it); 0 when the workflow is gone.
	WorkflowVersion int
}

// Batch collects the writes of one command and sends them together at
// Flush: on PostgreSQL as one statement (data-modifying statements in a
// WITH), so all of a command's writes cost one round trip; on SQLite one
// statement after another. The statements are the Executor's own.
//
// Each write method takes what the Executor method of the same name takes
// and prepares the rows as it does (zero times stamped, run keys set), so
// a caller may build its answer from them before Flush; nothing reaches
// the database before Flush. A method's error (a value that cannot be
// encoded) leaves the batch as it was.
//
// Flush writes in any order the rows' references allow (they are checked
// when the whole batch is written) and reports, like the Executor methods
// would:
//   - a batched InstanceUpdate whose instance is no longer at the expected
//     version, or is gone: ErrStaleVersion (which wraps
//     flowtype.ErrConflict), and none of the batch's writes is made;
//   - a batched InstanceInsert on a subject with an active instance: a
//     *flowtype.Error with code already_attached;
//   - a batched TaskUpdate of a missing task: ErrNotFound;
//   - a batched IdempotencyPut of a key stored after its horizon, or any
//     duplicate key: ErrConflict; a reference to a missing row: ErrNotFound.
//
// Outside a transaction a Flush writes everything or nothing. In one, a
// failed Flush may leave part of the batch in it (PostgreSQL aborts the
// transaction): roll it back. A batch is flushed once; an empty one
// writes nothing.
type Batch interface {
	InstanceInsert(ctx context.Context, inst *flowtype.Instance) error
	InstanceUpdate(ctx context.Context, inst *flowtype.Instance, expectedVersion int) error
	TaskInsert(ctx context.Context, tasks []*flowtype.Task) error
	TaskUpdate(ctx context.Context, tasks []*flowtype.Task) error
	EventInsert(ctx context.Context, events []*flowtype.Event) error
	ActionRunInsert(ctx context.Context, runs []*flowtype.ActionRun) error
	RotationSet(ctx context.Context, tenantID, roleID, lastUserID string) error
	IdempotencyPut(ctx context.Context, rec *flowtype.IdempotencyRecord, horizon time.Time) error

	Flush(ctx context.Context) error
}

// ErrStaleVersion is the conflict of a conditional instance update that
// found another version (or no instance): another command won the race.
// It wraps flowtype.ErrConflict.
var ErrStaleVersion = fmt.Errorf("instance version changed: %w", flowtype.ErrConflict)
