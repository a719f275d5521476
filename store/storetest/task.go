package storetest

import (
	"encoding/json"
	"testing"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

func testTask(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	f.workflow("wf1")
	f.instance("i1", "wf1", "po", "1", flowtype.StatusInProgress)
	f.instance("i2", "wf1", "po", "2", flowtype.StatusInProgress)

	checked := at(3)
	t1 := &flowtype.Task{ID: "t1", InstanceID: "i1", PipelineID: "p1", StageID: "s1", Round: 1, Step: 0,
		Assignee: "ann", Status: flowtype.TaskCurrent, CheckedInBy: "ann", CheckedInAt: &checked, CreatedAt: at(1)}
	t2 := &flowtype.Task{ID: "t2", InstanceID: "i1", PipelineID: "p1", StageID: "s1", Round: 1, Step: 1,
		Assignee: "bob", RoleID: "mgr", ViaRole: true, Status: flowtype.TaskCurrent, CreatedAt: at(2)}
	t3 := &flowtype.Task{ID: "t3", InstanceID: "i1", PipelineID: "p1", StageID: "s1", Round: 1, Step: 1,
		Assignee: "cid", RoleID: "mgr", ViaRole: true, Status: flowtype.TaskPending, CreatedAt: at(2)}
	t4 := &flowtype.Task{ID: "t4", InstanceID: "i2", Round: 1, Step: 2, RoleID: "mgr", Status: flowtype.TaskPending}

	t.Run("InsertList", func(t *testing.T) {
		f.tasks(t1, t2, t3)
		f.tasks(t4) // a single task, CreatedAt stamped by the store
		recent(t, t4.CreatedAt, "CreatedAt")
		got, err := s.TaskListByInstance(ctx, "t1", "i1")
		requireNoError(t, err, "TaskListByInstance")
		requireEqual(t, got, []*flowtype.Task{t1, t2, t3}, "tasks of i1, oldest first")
		requireNoError(t, s.TaskInsert(ctx, nil), "TaskInsert of no task")
		requireConflict(t, s.TaskInsert(ctx, []*flowtype.Task{{TenantID: "t1", ID: "t9", InstanceID: "i1",
			Status: flowtype.TaskPending}, {TenantID: "t1", ID: "t1", InstanceID: "i1", Status: flowtype.TaskPending}}),
			"TaskInsert with an existing id")
		got, err = s.TaskListByInstance(ctx, "t1", "i1")
		requireNoError(t, err, "TaskListByInstance")
		requireEqual(t, len(got), 3, "tasks after a failed batch: all or nothing")
		requireNotFound(t, s.TaskInsert(ctx, []*flowtype.Task{{TenantID: "t1", ID: "t8", InstanceID: "ghost",
			Status: flowtype.TaskPending}}), "TaskInsert for a missing instance")
	})

	t.Run("Update", func(t *testing.T) {
		acted := at(10)
		t1.Status, t1.ActedBy, t1.ActedAt = flowtype.TaskDelegated, "ann", &acted
		t1.FormData, t1.Reason = json.RawMessage(`{"ok": true}`), "away"
		t1.DelegatedTo, t1.ClosedVersion = "dan", 4
		t5 := &flowtype.Task{TenantID: "t1", ID: "t5", InstanceID: "i1", PipelineID: "p1", StageID: "s1", Round: 1,
			Assignee: "dan", Status: flowtype.TaskCurrent, DelegatedFrom: "t1", DelegationChain: []string{"ann"},
			CheckedInBy: "ann", CheckedInAt: &checked, CreatedAt: at(10)}
		f.tasks(t5)
		// A pending role task becomes a member's at activation.
		t3.Assignee, t3.Status = "cid", flowtype.TaskCurrent
		requireNoError(t, s.TaskUpdate(ctx, []*flowtype.Task{t1, t3}), "TaskUpdate")
		got, err := s.TaskListByInstance(ctx, "t1", "i1")
		requireNoError(t, err, "TaskListByInstance")
		requireEqual(t, got, []*flowtype.Task{t1, t2, t3, t5}, "tasks after update")

		t5.DelegationChain = []string{"ann", "dan"}
		ghost := &flowtype.Task{TenantID: "t1", ID: "ghost", InstanceID: "i1", Status: flowtype.TaskCurrent}
		requireNotFound(t, s.TaskUpdate(ctx, []*flowtype.Task{t5, ghost}), "TaskUpdate of a missing task")
		got, err = s.TaskListByInstance(ctx, "t1", "i1")
		requireNoError(t, err, "TaskListByInstance")
		requireEqual(t, got[3].DelegationChain, []string{"ann"}, "chain after a failed update: all or nothing")
		t5.DelegationChain = []string{"ann"}
	})

	t.Run("Open", func(t *testing.T) {
		viaRole, err := s.TaskListOpenViaRole(ctx, "t1", "mgr", "")
		requireNoError(t, err, "TaskListOpenViaRole")
		requireEqual(t, ids(viaRole, taskID), []string{"t2", "t3"}, "open tasks via mgr")
		viaRole, err = s.TaskListOpenViaRole(ctx, "t1", "mgr", "cid")
		requireNoError(t, err, "TaskListOpenViaRole for cid")
		requireEqual(t, ids(viaRole, taskID), []string{"t3"}, "open tasks of cid via mgr")

		t2.Status, t2.ClosedVersion = flowtype.TaskCancelled, 5
		requireNoError(t, s.TaskUpdate(ctx, []*flowtype.Task{t2}), "TaskUpdate")
		viaRole, err = s.TaskListOpenViaRole(ctx, "t1", "mgr", "bob")
		requireNoError(t, err, "TaskListOpenViaRole for bob")
		requireEqual(t, len(viaRole), 0, "closed tasks are not open")

		pending := &flowtype.Task{ID: "t6", InstanceID: "i2", Step: 3, Assignee: "dan", Status: flowtype.TaskPending, CreatedAt: at(11)}
		closed := &flowtype.Task{ID: "t7", InstanceID: "i2", Step: 0, Assignee: "dan", Status: flowtype.TaskApproved, CreatedAt: at(0)}
		f.tasks(pending, closed)
		byAssignee, err := s.TaskListOpenByAssignee(ctx, "t1", "dan")
		requireNoError(t, err, "TaskListOpenByAssignee")
		requireEqual(t, ids(byAssignee, taskID), []string{"t5", "t6"}, "open tasks of dan (current and pending)")
	})

	t.Run("ManyTasks", func(t *testing.T) {
		// More tasks than one INSERT takes: several statements, one result.
		many := make([]*flowtype.Task, 250)
		for i := range many {
			many[i] = &flowtype.Task{ID: seqName("m", i), InstanceID: "i2", Step: i, Assignee: "eve",
				Status: flowtype.TaskCurrent, CreatedAt: at(100 + i)}
		}
		f.tasks(many...)
		open, err := s.TaskListOpenByAssignee(ctx, "t1", "eve")
		requireNoError(t, err, "TaskListOpenByAssignee")
		requireEqual(t, len(open), 250, "tasks inserted")
	})
}

func taskID(t *flowtype.Task) string { return t.ID }

func testInbox(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	f.workflow("wf1")
	f.workflow("wf2")
	f.instance("i1", "wf1", "po", "1", flowtype.StatusInProgress)
	f.instance("i2", "wf2", "po", "2", flowtype.StatusInProgress)
	f.instance("i3", "wf1", "invoice", "3", flowtype.StatusAwaitingResubmission)
	task := func(id, instance, stage string, status flowtype.TaskStatus, created int) *flowtype.Task {
		return &flowtype.Task{ID: id, InstanceID: instance, StageID: stage, Assignee: "ann", Status: status, CreatedAt: at(created)}
	}
	f.tasks(
		task("a", "i1", "s1", flowtype.TaskCurrent, 1),
		task("b", "i2", "s1", flowtype.TaskCurrent, 2),
		task("c", "i3", "s2", flowtype.TaskCurrent, 3),
		task("d", "i1", "s2", flowtype.TaskCurrent, 3), // same time as c: id decides
		task("e", "i1", "s1", flowtype.TaskPending, 5),
		task("f", "i2", "s1", flowtype.TaskApproved, 6),
		task("g", "i2", "s1", flowtype.TaskCancelled, 7),
		&flowtype.Task{ID: "h", InstanceID: "i1", Assignee: "bob", Status: flowtype.TaskCurrent, CreatedAt: at(8)},
	)
	inbox := func(p store.TaskListOpenByUserParams) []string {
		t.Helper()
		p.TenantID, p.UserID = "t1", "ann"
		items, err := s.TaskListOpenByUser(ctx, &p)
		requireNoError(t, err, "TaskListOpenByUser")
		return ids(items, func(it *flowtype.InboxItem) string { return it.Task.ID })
	}
	requireEqual(t, inbox(store.TaskListOpenByUserParams{}), []string{"d", "c", "b", "a"}, "inbox, newest first")
	requireEqual(t, inbox(store.TaskListOpenByUserParams{WorkflowID: "wf1"}), []string{"d", "c", "a"}, "by workflow")
	requireEqual(t, inbox(store.TaskListOpenByUserParams{SubjectType: "po"}), []string{"d", "b", "a"}, "by subject type")
	requireEqual(t, inbox(store.TaskListOpenByUserParams{StageID: "s1"}), []string{"b", "a"}, "by stage")
	requireEqual(t, inbox(store.TaskListOpenByUserParams{WorkflowID: "wf1", SubjectType: "po", StageID: "s2"}), []string{"d"}, "all filters")
	requireEqual(t, inbox(store.TaskListOpenByUserParams{Limit: 2}), []string{"d", "c"}, "first page")
	requireEqual(t, inbox(store.TaskListOpenByUserParams{Limit: 2, BeforeID: "c"}), []string{"b", "a"}, "second page")
	requireEqual(t, inbox(store.TaskListOpenByUserParams{BeforeID: "a"}), []string{}, "after the last")
	requireEqual(t, inbox(store.TaskListOpenByUserParams{BeforeID: "f"}), []string{"d", "c", "b", "a"}, "before a closed task")
	requireEqual(t, inbox(store.TaskListOpenByUserParams{BeforeID: "nope"}), []string{}, "unknown BeforeID")

	items, err := s.TaskListOpenByUser(ctx, &store.TaskListOpenByUserParams{TenantID: "t1", UserID: "ann", SubjectType: "invoice"})
	requireNoError(t, err, "TaskListOpenByUser")
	requireEqual(t, len(items), 1, "invoice items")
	it := items[0]
	requireEqual(t, it.Task.ID, "c", "task")
	requireEqual(t, it.Task.StageID, "s2", "task stage")
	requireEqual(t, it.WorkflowID, "wf1", "workflow")
	requireEqual(t, it.WorkflowVersion, 1, "workflow version")
	requireEqual(t, it.InstanceStatus, flowtype.StatusAwaitingResubmission, "instance status")
	requireEqual(t, it.InstanceVersion, 1, "instance version")
	requireEqual(t, [2]string{it.SubjectType, it.SubjectID}, [2]string{"invoice", "3"}, "subject")
	requireEqual(t, string(it.SubjectData), `{"amount":1000,"id":"3"}`, "subject data")
}
