package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

func testInstance(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	f.workflow("wf1")
	f.workflow("wf2")
	f.subject("po", "1")

	started := at(5)
	inst := &flowtype.Instance{
		TenantID: "t1", ID: "i1", SubjectType: "po", SubjectID: "1", WorkflowID: "wf1", WorkflowVersion: 1,
		Status: flowtype.StatusInProgress, CurrentPipelineID: "p1", CurrentStageID: "s1", StartedBy: "ann",
		StartedAt: &started, Metadata: json.RawMessage(`{"source": "erp"}`),
		Version: 3, LastDecisionVersion: 2, NextSeq: 4,
	}

	t.Run("InsertGet", func(t *testing.T) {
		requireNoError(t, s.InstanceInsert(ctx, inst), "InstanceInsert")
		recent(t, inst.CreatedAt, "CreatedAt")
		requireEqual(t, inst.UpdatedAt, inst.CreatedAt, "UpdatedAt")
		got, err := s.InstanceGet(ctx, "t1", "i1")
		requireNoError(t, err, "InstanceGet")
		requireEqual(t, got, inst, "InstanceGet")

		_, err = s.InstanceGet(ctx, "t1", "missing")
		requireNotFound(t, err, "InstanceGet of a missing instance")
		dup := *inst
		dup.SubjectID = "other"
		f.subject("po", "other")
		requireConflict(t, s.InstanceInsert(ctx, &dup), "InstanceInsert of an existing id")
		missing := &flowtype.Instance{TenantID: "t1", ID: "i-x", SubjectType: "po", SubjectID: "nobody",
			WorkflowID: "wf1", WorkflowVersion: 1, Status: flowtype.StatusNotStarted, Version: 1}
		requireNotFound(t, s.InstanceInsert(ctx, missing), "InstanceInsert on a missing subject")
		missing.SubjectID, missing.WorkflowVersion = "other", 9
		requireNotFound(t, s.InstanceInsert(ctx, missing), "InstanceInsert of a missing workflow version")
	})

	t.Run("AlreadyAttached", func(t *testing.T) {
		for _, status := range []flowtype.Status{flowtype.StatusNotStarted, flowtype.StatusInProgress, flowtype.StatusAwaitingResubmission} {
			second := &flowtype.Instance{TenantID: "t1", ID: "i2-" + string(status), SubjectType: "po", SubjectID: "1",
				WorkflowID: "wf2", WorkflowVersion: 1, Status: status, Version: 1}
			err := s.InstanceInsert(ctx, second)
			requireCode(t, err, flowtype.CodeAlreadyAttached, "second active instance ("+string(status)+")")
			var fe *flowtype.Error
			if !errors.As(err, &fe) || fe.Message != "Subject po/1 already has an active workflow instance" {
				t.Fatalf("already_attached message = %v", err)
			}
		}
		// A finished instance may sit beside the active one.
		done := &flowtype.Instance{TenantID: "t1", ID: "i0", SubjectType: "po", SubjectID: "1",
			WorkflowID: "wf2", WorkflowVersion: 1, Status: flowtype.StatusWithdrawn, Version: 5, CreatedAt: at(0)}
		requireNoError(t, s.InstanceInsert(ctx, done), "InstanceInsert of a finished instance")
	})

	t.Run("Update", func(t *testing.T) {
		before := inst.UpdatedAt
		completed := at(60)
		inst.Status, inst.CurrentPipelineID, inst.CurrentStageID = flowtype.StatusCompleted, "", ""
		inst.CompletedAt, inst.Metadata = &completed, json.RawMessage(`{"source":"erp","x":1}`)
		inst.Version, inst.LastDecisionVersion, inst.NextSeq = 4, 4, 7
		requireNoError(t, s.InstanceUpdate(ctx, inst, 3), "InstanceUpdate")
		if inst.UpdatedAt.Before(before) {
			t.Fatalf("UpdatedAt went back: %v < %v", inst.UpdatedAt, before)
		}
		got, err := s.InstanceGet(ctx, "t1", "i1")
		requireNoError(t, err, "InstanceGet")
		requireEqual(t, got, inst, "instance after update")

		stale := *got
		stale.Version = 5
		requireConflict(t, s.InstanceUpdate(ctx, &stale, 3), "InstanceUpdate with a stale version")
		got, err = s.InstanceGet(ctx, "t1", "i1")
		requireNoError(t, err, "InstanceGet")
		requireEqual(t, got.Version, 4, "version after a stale update")
		stale.ID = "missing"
		requireNotFound(t, s.InstanceUpdate(ctx, &stale, 4), "InstanceUpdate of a missing instance")
	})

	t.Run("BySubject", func(t *testing.T) {
		// i1 is now completed: the subject accepts a new active instance.
		active := &flowtype.Instance{TenantID: "t1", ID: "i3", SubjectType: "po", SubjectID: "1",
			WorkflowID: "wf2", WorkflowVersion: 1, Status: flowtype.StatusNotStarted, Version: 1, CreatedAt: at(-100)}
		requireNoError(t, s.InstanceInsert(ctx, active), "InstanceInsert after the first finished")
		got, err := s.InstanceGetBySubject(ctx, "t1", "po", "1")
		requireNoError(t, err, "InstanceGetBySubject")
		requireEqual(t, got.ID, "i3", "the active instance wins over newer finished ones")

		active.Status, active.Version = flowtype.StatusRejected, 2
		requireNoError(t, s.InstanceUpdate(ctx, active, 1), "InstanceUpdate to rejected")
		got, err = s.InstanceGetBySubject(ctx, "t1", "po", "1")
		requireNoError(t, err, "InstanceGetBySubject")
		requireEqual(t, got.ID, "i1", "the newest when none is active")

		list, err := s.InstanceListBySubject(ctx, "t1", "po", "1")
		requireNoError(t, err, "InstanceListBySubject")
		requireEqual(t, ids(list, func(i *flowtype.Instance) string { return i.ID }), []string{"i3", "i0", "i1"}, "oldest first")

		_, err = s.InstanceGetBySubject(ctx, "t1", "po", "none")
		requireNotFound(t, err, "InstanceGetBySubject of a subject without instances")
		list, err = s.InstanceListBySubject(ctx, "t1", "po", "none")
		requireNoError(t, err, "InstanceListBySubject")
		requireEqual(t, len(list), 0, "instances of a subject without any")
	})

	t.Run("List", func(t *testing.T) {
		f.instance("i4", "wf1", "po", "4", flowtype.StatusInProgress)
		f.instance("i5", "wf2", "po", "5", flowtype.StatusAwaitingResubmission)
		list := func(p store.InstanceListParams) []string {
			t.Helper()
			p.TenantID = "t1"
			got, err := s.InstanceList(ctx, &p)
			requireNoError(t, err, "InstanceList")
			return ids(got, func(i *flowtype.Instance) string { return i.ID })
		}
		requireEqual(t, list(store.InstanceListParams{}), []string{"i0", "i1", "i3", "i4", "i5"}, "all")
		requireEqual(t, list(store.InstanceListParams{WorkflowID: "wf1"}), []string{"i1", "i4"}, "by workflow")
		requireEqual(t, list(store.InstanceListParams{Statuses: []flowtype.Status{
			flowtype.StatusInProgress, flowtype.StatusAwaitingResubmission}}), []string{"i4", "i5"}, "by statuses")
		requireEqual(t, list(store.InstanceListParams{WorkflowID: "wf2", Statuses: []flowtype.Status{
			flowtype.StatusWithdrawn, flowtype.StatusRejected}}), []string{"i0", "i3"}, "by workflow and statuses")
		requireEqual(t, list(store.InstanceListParams{AfterID: "i1", Limit: 2}), []string{"i3", "i4"}, "page")
	})
}

// testInstanceConcurrentAttach races two attaches of one subject, each in
// its own transaction: the unique index lets exactly one commit.
func testInstanceConcurrentAttach(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	f.workflow("wf1")
	for round := range 5 {
		subject := fmt.Sprintf("s%d", round)
		f.subject("po", subject)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for g := range 2 {
			wg.Go(func() {
				<-start
				errs[g] = attach(t, s, &flowtype.Instance{
					TenantID: "t1", ID: fmt.Sprintf("i%d-%d", round, g), SubjectType: "po", SubjectID: subject,
					WorkflowID: "wf1", WorkflowVersion: 1, Status: flowtype.StatusInProgress, Version: 1,
				})
			})
		}
		close(start)
		wg.Wait()
		won, lost := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case flowtype.CodeOf(err) == flowtype.CodeAlreadyAttached:
				lost++
			default:
				t.Fatalf("round %d: attach failed: %v", round, err)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("round %d: %d attaches won and %d lost, want 1 and 1 (errors %v)", round, won, lost, errs)
		}
		list, err := s.InstanceListBySubject(ctx, "t1", "po", subject)
		requireNoError(t, err, "InstanceListBySubject")
		requireEqual(t, len(list), 1, "instances after the race")
	}
}

// attach inserts inst in a transaction of its own, as the engine does.
func attach(t *testing.T, s store.Store, inst *flowtype.Instance) error {
	tx, err := s.Begin(t.Context())
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := tx.InstanceInsert(t.Context(), inst); err != nil {
		return err
	}
	return tx.Commit()
}
