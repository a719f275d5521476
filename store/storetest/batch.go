package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// batchFixture is an instance i1 at version 1 with one current task, of
// workflow wf1, and role mgr for rotations.
func batchFixture(t *testing.T, s store.Store) *fixture {
	t.Helper()
	f := newFixture(t, s, "t1")
	f.workflow("wf1")
	f.role("mgr")
	f.instance("i1", "wf1", "po", "1", flowtype.StatusInProgress)
	f.tasks(&flowtype.Task{ID: "ta", InstanceID: "i1", PipelineID: "p1", StageID: "s1", Round: 1,
		Assignee: "ann", Status: flowtype.TaskCurrent, CreatedAt: at(1)})
	return f
}

// decision is what a decision on i1 writes, from version `from`: the
// instance at from+1, a task closed and one created, two events with one
// action run each, a rotation and an idempotency record.
type decision struct {
	inst    *flowtype.Instance
	from    int
	created []*flowtype.Task
	changed []*flowtype.Task
	events  []*flowtype.Event
	runs    []*flowtype.ActionRun
	rec     *flowtype.IdempotencyRecord
}

func newDecision(t *testing.T, s store.Executor, key string) *decision {
	t.Helper()
	ctx := t.Context()
	inst, err := s.InstanceGet(ctx, "t1", "i1")
	requireNoError(t, err, "InstanceGet")
	tasks, err := s.TaskListByInstance(ctx, "t1", "i1")
	requireNoError(t, err, "TaskListByInstance")
	d := &decision{inst: inst, from: inst.Version}
	v := inst.Version + 1
	inst.Version, inst.LastDecisionVersion, inst.CurrentStageID = v, v, fmt.Sprintf("s%d", v)
	for _, task := range tasks {
		if task.Status == flowtype.TaskCurrent {
			acted := at(10 * v)
			task.Status, task.ActedBy, task.ActedAt, task.ClosedVersion = flowtype.TaskApproved, task.Assignee, &acted, v
			task.FormData = json.RawMessage(`{"ok":true}`)
			d.changed = append(d.changed, task)
		}
	}
	d.created = []*flowtype.Task{{TenantID: "t1", ID: fmt.Sprintf("t%d", v), InstanceID: "i1", PipelineID: "p1",
		StageID: inst.CurrentStageID, Round: v, Assignee: "bob", Status: flowtype.TaskCurrent, CreatedAt: at(10*v + 1)}}
	for k := range 2 {
		seq := inst.NextSeq
		inst.NextSeq++
		d.events = append(d.events, &flowtype.Event{TenantID: "t1", InstanceID: "i1", Seq: seq,
			Type: flowtype.EventAfterApprove, Actor: "ann", At: at(10 * v), StageID: "s1",
			Data: json.RawMessage(fmt.Sprintf(`{"k":%d}`, k))})
		run := newRun("t1", fmt.Sprintf("r%d", seq), seq, at(10*v))
		d.runs = append(d.runs, run)
	}
	if key != "" {
		d.rec = &flowtype.IdempotencyRecord{TenantID: "t1", UserID: "ann", Key: key, RequestHash: "h-" + key,
			InstanceID: "i1", Response: []byte(`{"v":` + fmt.Sprint(v) + `}`), CreatedAt: at(10 * v)}
	}
	return d
}

// add puts the decision's writes in b, failing the test on an error.
func (d *decision) add(t *testing.T, b store.Batch) {
	t.Helper()
	ctx := t.Context()
	requireNoError(t, b.InstanceUpdate(ctx, d.inst, d.from), "Batch.InstanceUpdate")
	requireNoError(t, b.TaskInsert(ctx, d.created), "Batch.TaskInsert")
	requireNoError(t, b.TaskUpdate(ctx, d.changed), "Batch.TaskUpdate")
	requireNoError(t, b.EventInsert(ctx, d.events), "Batch.EventInsert")
	requireNoError(t, b.ActionRunInsert(ctx, d.runs), "Batch.ActionRunInsert")
	requireNoError(t, b.RotationSet(ctx, "t1", "mgr", d.created[0].Assignee), "Batch.RotationSet")
	if d.rec != nil {
		requireNoError(t, b.IdempotencyPut(ctx, d.rec, time.Time{}), "Batch.IdempotencyPut")
	}
}

// state is what the store holds of i1.
type state struct {
	Inst     *flowtype.Instance
	Tasks    []*flowtype.Task
	Events   []*flowtype.Event
	Runs     []*flowtype.ActionRun
	Rotation string
}

func readState(t *testing.T, s store.Executor) *state {
	t.Helper()
	ctx := t.Context()
	var st state
	var err error
	st.Inst, err = s.InstanceGet(ctx, "t1", "i1")
	requireNoError(t, err, "InstanceGet")
	st.Tasks, err = s.TaskListByInstance(ctx, "t1", "i1")
	requireNoError(t, err, "TaskListByInstance")
	st.Events, err = s.EventList(ctx, &store.EventListParams{TenantID: "t1", InstanceID: "i1", Limit: 500})
	requireNoError(t, err, "EventList")
	st.Runs, err = s.ActionRunList(ctx, &store.ActionRunListParams{TenantID: "t1", InstanceID: "i1", Limit: 500})
	requireNoError(t, err, "ActionRunList")
	st.Rotation, err = s.RotationGet(ctx, "t1", "mgr")
	requireNoError(t, err, "RotationGet")
	return &st
}

// requireWritten fails unless the store holds the decision, on top of
// the state before it.
func (d *decision) requireWritten(t *testing.T, s store.Executor, before *state) {
	t.Helper()
	got := readState(t, s)
	requireEqual(t, got.Inst, d.inst, "instance")
	wantTasks := []*flowtype.Task{}
	for _, task := range before.Tasks {
		for _, c := range d.changed {
			if c.ID == task.ID {
				task = c
			}
		}
		wantTasks = append(wantTasks, task)
	}
	requireEqual(t, got.Tasks, append(wantTasks, d.created...), "tasks")
	requireEqual(t, got.Events, append(before.Events, d.events...), "events")
	requireEqual(t, ids(got.Runs, func(r *flowtype.ActionRun) string { return r.ID }),
		ids(append(before.Runs, d.runs...), func(r *flowtype.ActionRun) string { return r.ID }), "action runs")
	requireEqual(t, got.Runs[len(before.Runs):], d.runs, "new action runs")
	requireEqual(t, got.Rotation, d.created[0].Assignee, "rotation")
	if d.rec != nil {
		rec, err := s.IdempotencyGet(t.Context(), "t1", "ann", d.rec.Key, time.Time{})
		requireNoError(t, err, "IdempotencyGet")
		requireEqual(t, rec, d.rec, "idempotency record")
	}
}

// requireUnchanged fails unless the store holds what it held before.
func requireUnchanged(t *testing.T, s store.Executor, before *state, key string) {
	t.Helper()
	requireEqual(t, readState(t, s), before, "state after a failed batch")
	if key != "" {
		_, err := s.IdempotencyGet(t.Context(), "t1", "ann", key, time.Time{})
		requireNotFound(t, err, "idempotency record of a failed batch")
	}
}

func testBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	batchFixture(t, s)

	t.Run("Writes", func(t *testing.T) {
		before := readState(t, s)
		d := newDecision(t, s, "k1")
		b := s.Batch()
		d.add(t, b)
		recent(t, d.inst.UpdatedAt, "UpdatedAt stamped when added")
		requireUnchanged(t, s, before, "k1") // nothing before Flush
		requireNoError(t, b.Flush(ctx), "Flush")
		d.requireWritten(t, s, before)
		requireNoError(t, s.Batch().Flush(ctx), "Flush of an empty batch")
		if err := b.Flush(ctx); err == nil {
			t.Fatal("a second Flush of a batch succeeded")
		}
	})

	t.Run("WritesInTx", func(t *testing.T) {
		before := readState(t, s)
		d := newDecision(t, s, "k2")
		tx, err := s.Begin(ctx)
		requireNoError(t, err, "Begin")
		defer func() { _ = tx.Rollback() }()
		b := tx.Batch()
		d.add(t, b)
		requireNoError(t, b.Flush(ctx), "Flush")
		d.requireWritten(t, tx, before)
		requireNoError(t, tx.Commit(), "Commit")
		d.requireWritten(t, s, before)
	})

	t.Run("StaleVersion", func(t *testing.T) {
		// Outside a transaction and in one: a stale version writes
		// nothing of the batch.
		for _, inTx := range []bool{false, true} {
			before := readState(t, s)
			d := newDecision(t, s, fmt.Sprintf("stale-%v", inTx))
			d.from-- // the version before the current one
			var x store.Executor = s
			var tx store.Tx
			if inTx {
				var err error
				tx, err = s.Begin(ctx)
				requireNoError(t, err, "Begin")
				x = tx
			}
			b := x.Batch()
			d.add(t, b)
			err := b.Flush(ctx)
			if !errors.Is(err, store.ErrStaleVersion) || !errors.Is(err, flowtype.ErrConflict) {
				t.Fatalf("Flush at a stale version (in tx: %v): %v, want ErrStaleVersion", inTx, err)
			}
			if tx != nil {
				requireNoError(t, tx.Rollback(), "Rollback")
			}
			requireUnchanged(t, s, before, d.rec.Key)
		}
		missing := &flowtype.Instance{TenantID: "t1", ID: "ghost", Version: 2, Status: flowtype.StatusInProgress}
		b := s.Batch()
		requireNoError(t, b.InstanceUpdate(ctx, missing, 1), "Batch.InstanceUpdate")
		if err := b.Flush(ctx); !errors.Is(err, store.ErrStaleVersion) {
			t.Fatalf("Flush of a missing instance's update: %v, want ErrStaleVersion", err)
		}
	})

	t.Run("Failures", func(t *testing.T) {
		// Each batch fails as its Executor method would, and outside a
		// transaction writes nothing.
		tests := []struct {
			name  string
			spoil func(d *decision)
			check func(t *testing.T, err error, what string)
		}{
			{"missing task", func(d *decision) {
				d.changed = append(d.changed, &flowtype.Task{TenantID: "t1", ID: "nope", InstanceID: "i1", Status: flowtype.TaskApproved})
			}, requireNotFound},
			{"taken task id", func(d *decision) { d.created[0].ID = "ta" }, requireConflict},
			{"taken event seq", func(d *decision) { d.events[0].Seq = 1 }, requireConflict},
			{"live idempotency key", func(d *decision) { d.rec.Key = "k1" }, requireConflict},
			{"run of a missing event", func(d *decision) { d.runs[0].EventSeq = 999 }, requireNotFound},
		}
		for _, tt := range tests {
			before := readState(t, s)
			d := newDecision(t, s, "fail")
			tt.spoil(d)
			b := s.Batch()
			d.add(t, b)
			tt.check(t, b.Flush(ctx), "Flush with a "+tt.name)
			requireUnchanged(t, s, before, "fail")
		}
	})

	t.Run("Attach", func(t *testing.T) {
		// A new instance with its task, event and run: the rows refer to
		// each other within the batch.
		f := &fixture{t: t, ctx: ctx, s: s, tenant: "t1"}
		f.subject("po", "2")
		inst := &flowtype.Instance{TenantID: "t1", ID: "i2", SubjectType: "po", SubjectID: "2", WorkflowID: "wf1",
			WorkflowVersion: 1, Status: flowtype.StatusInProgress, StartedBy: "ann", Version: 1, NextSeq: 2}
		task := &flowtype.Task{TenantID: "t1", ID: "i2-t", InstanceID: "i2", Round: 1, Assignee: "bob", Status: flowtype.TaskCurrent}
		ev := &flowtype.Event{TenantID: "t1", InstanceID: "i2", Seq: 1, Type: flowtype.EventWorkflowStart, Actor: "ann"}
		run := newRun("t1", "i2-r", 1, at(0))
		run.InstanceID, run.Event = "i2", flowtype.EventWorkflowStart
		b := s.Batch()
		requireNoError(t, b.InstanceInsert(ctx, inst), "Batch.InstanceInsert")
		requireNoError(t, b.TaskInsert(ctx, []*flowtype.Task{task}), "Batch.TaskInsert")
		requireNoError(t, b.EventInsert(ctx, []*flowtype.Event{ev}), "Batch.EventInsert")
		requireNoError(t, b.ActionRunInsert(ctx, []*flowtype.ActionRun{run}), "Batch.ActionRunInsert")
		recent(t, inst.CreatedAt, "CreatedAt stamped when added")
		requireNoError(t, b.Flush(ctx), "Flush")
		got, err := s.InstanceGet(ctx, "t1", "i2")
		requireNoError(t, err, "InstanceGet")
		requireEqual(t, got, inst, "instance")
		tasks, err := s.TaskListByInstance(ctx, "t1", "i2")
		requireNoError(t, err, "TaskListByInstance")
		requireEqual(t, tasks, []*flowtype.Task{task}, "tasks")
		gotRun, err := s.ActionRunGet(ctx, "t1", "i2-r")
		requireNoError(t, err, "ActionRunGet")
		requireEqual(t, gotRun, run, "action run")

		// A second active instance on the subject is refused, with its rows.
		second := &flowtype.Instance{TenantID: "t1", ID: "i3", SubjectType: "po", SubjectID: "2", WorkflowID: "wf1",
			WorkflowVersion: 1, Status: flowtype.StatusNotStarted, Version: 1}
		b = s.Batch()
		requireNoError(t, b.InstanceInsert(ctx, second), "Batch.InstanceInsert")
		requireNoError(t, b.TaskInsert(ctx, []*flowtype.Task{{TenantID: "t1", ID: "i3-t", InstanceID: "i3",
			Status: flowtype.TaskPending}}), "Batch.TaskInsert")
		requireCode(t, b.Flush(ctx), flowtype.CodeAlreadyAttached, "Flush of a second active instance")
		_, err = s.InstanceGet(ctx, "t1", "i3")
		requireNotFound(t, err, "refused instance")
	})

	t.Run("Large", func(t *testing.T) {
		// More rows than one INSERT takes, and more arguments than one
		// statement binds: still all or nothing, the guard first.
		for _, stale := range []bool{true, false} {
			before := readState(t, s)
			d := newDecision(t, s, "")
			for i := range 1400 {
				d.created = append(d.created, &flowtype.Task{TenantID: "t1", ID: fmt.Sprintf("big-%04d", i),
					InstanceID: "i1", Round: d.inst.Version, Assignee: "bob", Status: flowtype.TaskPending, CreatedAt: at(10000 + i)})
			}
			for range 1200 {
				d.events = append(d.events, &flowtype.Event{TenantID: "t1", InstanceID: "i1", Seq: d.inst.NextSeq,
					Type: flowtype.EventTaskApproved, Actor: "ann", At: at(10000)})
				d.inst.NextSeq++
			}
			if stale {
				d.from--
			}
			b := s.Batch()
			d.add(t, b)
			err := b.Flush(ctx)
			if stale {
				if !errors.Is(err, store.ErrStaleVersion) {
					t.Fatalf("Flush of a large batch at a stale version: %v, want ErrStaleVersion", err)
				}
				requireUnchanged(t, s, before, "")
				continue
			}
			requireNoError(t, err, "Flush of a large batch")
			got, err := s.TaskListByInstance(ctx, "t1", "i1")
			requireNoError(t, err, "TaskListByInstance")
			requireEqual(t, len(got), len(before.Tasks)+len(d.created), "tasks after a large batch")
			events, err := s.EventList(ctx, &store.EventListParams{TenantID: "t1", InstanceID: "i1",
				AfterSeq: d.inst.NextSeq - 2, Limit: 10})
			requireNoError(t, err, "EventList")
			requireEqual(t, len(events), 1, "the last event of a large batch")
		}
	})
}

// testBatchRace races batches: of the commands that read one version,
// exactly one writes, the others get ErrStaleVersion and write nothing; of
// two first uses of an idempotency key, one writes.
func testBatchRace(t *testing.T, s store.Store) {
	ctx := t.Context()
	batchFixture(t, s)

	errs := raceTxs(t, s, lockRounds, func(tx store.Tx) error {
		inst, err := tx.InstanceGet(ctx, "t1", "i1")
		if err != nil {
			return err
		}
		from := inst.Version
		inst.Version++
		seq := inst.NextSeq
		inst.NextSeq++
		b := tx.Batch()
		if err := b.InstanceUpdate(ctx, inst, from); err != nil {
			return err
		}
		// The losers' events take a seq the winner took: the guard must
		// fail first.
		if err := b.EventInsert(ctx, []*flowtype.Event{{TenantID: "t1", InstanceID: "i1", Seq: seq,
			Type: flowtype.EventTaskApproved, Actor: "ann", At: at(seq)}}); err != nil {
			return err
		}
		return b.Flush(ctx)
	})
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrStaleVersion):
			t.Fatalf("transaction %d: %v, want nil or ErrStaleVersion", i, err)
		}
	}
	got := readState(t, s)
	requireEqual(t, []int{got.Inst.Version, len(got.Events)}, []int{1 + won, won}, "version and events after the race")

	errs = raceTxs(t, s, lockRounds, func(tx store.Tx) error {
		b := tx.Batch()
		if err := b.IdempotencyPut(ctx, &flowtype.IdempotencyRecord{TenantID: "t1", UserID: "ann", Key: "race",
			RequestHash: "h", InstanceID: "i1", Response: []byte(`{}`)}, time.Time{}); err != nil {
			return err
		}
		return b.Flush(ctx)
	})
	won = 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, flowtype.ErrConflict):
			t.Fatalf("idempotency transaction %d: %v, want nil or ErrConflict", i, err)
		}
	}
	requireEqual(t, won, 1, "first uses of a key that succeed")
}

// testInstanceGetForCommand checks the read a command starts with, and
// that a read that waited for the instance's lock sees what the
// transaction holding it committed.
func testInstanceGetForCommand(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := batchFixture(t, s)
	f.instance("i0", "wf1", "po", "0", flowtype.StatusNotStarted)

	t.Run("Get", func(t *testing.T) {
		for _, id := range []string{"i1", "i0"} {
			got, err := s.InstanceGetForCommand(ctx, "t1", id)
			requireNoError(t, err, "InstanceGetForCommand")
			inst, err := s.InstanceGet(ctx, "t1", id)
			requireNoError(t, err, "InstanceGet")
			tasks, err := s.TaskListByInstance(ctx, "t1", id)
			requireNoError(t, err, "TaskListByInstance")
			subj, err := s.SubjectGet(ctx, "t1", inst.SubjectType, inst.SubjectID)
			requireNoError(t, err, "SubjectGet")
			requireEqual(t, got, &store.InstanceForCommand{Instance: inst, Tasks: tasks, Subject: subj, WorkflowVersion: 1},
				"InstanceGetForCommand of "+id)
		}
		_, err := s.InstanceGetForCommand(ctx, "t1", "missing")
		requireNotFound(t, err, "InstanceGetForCommand of a missing instance")
		newFixture(t, s, "t2")
		_, err = s.InstanceGetForCommand(ctx, "t2", "i1")
		requireNotFound(t, err, "InstanceGetForCommand from another tenant")
	})

	t.Run("AfterLockWait", func(t *testing.T) {
		holder, err := s.Begin(ctx)
		requireNoError(t, err, "Begin")
		defer func() { _ = holder.Rollback() }()
		_, err = holder.InstanceGetForCommand(ctx, "t1", "i1")
		requireNoError(t, err, "InstanceGetForCommand")

		type result struct {
			got *store.InstanceForCommand
			err error
		}
		waited := make(chan result, 1)
		go func() {
			tx, err := s.Begin(ctx)
			if err != nil {
				waited <- result{err: err}
				return
			}
			defer func() { _ = tx.Rollback() }()
			got, err := tx.InstanceGetForCommand(ctx, "t1", "i1")
			waited <- result{got, err}
		}()
		// Give the reader time to start waiting for the lock (PostgreSQL)
		// or the writer (SQLite); the outcome must be the same if it has
		// not yet.
		time.Sleep(100 * time.Millisecond)
		d := newDecision(t, holder, "")
		b := holder.Batch()
		d.add(t, b)
		requireNoError(t, b.Flush(ctx), "Flush")
		requireNoError(t, holder.SubjectSetStatus(ctx, "t1", "po", "1", "state", "moved"), "SubjectSetStatus")
		requireNoError(t, holder.Commit(), "Commit")

		r := <-waited
		requireNoError(t, r.err, "InstanceGetForCommand that waited")
		tasks, err := s.TaskListByInstance(ctx, "t1", "i1")
		requireNoError(t, err, "TaskListByInstance")
		requireEqual(t, r.got.Instance, d.inst, "instance after the wait")
		requireEqual(t, r.got.Tasks, tasks, "tasks after the wait")
		requireEqual(t, r.got.Subject.Status["state"], "moved", "subject status after the wait")
	})
}
