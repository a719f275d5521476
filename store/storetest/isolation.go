package storetest

import (
	"testing"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// testTenantIsolation fills tenant "a" with one row of every noun and
// checks that tenant "b" neither reads, lists, changes nor references any
// of them, then that "b" may reuse every id.
func testTenantIsolation(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := newFixture(t, s, "a")
	b := newFixture(t, s, "b")
	fillTenant(t, a)

	t.Run("Reads", func(t *testing.T) {
		notFound := map[string]error{}
		_, notFound["UserGet"] = s.UserGet(ctx, "b", "u1")
		_, notFound["RoleGet"] = s.RoleGet(ctx, "b", "r1")
		_, notFound["FormGet"] = s.FormGet(ctx, "b", "f1")
		_, notFound["SubjectTypeGet"] = s.SubjectTypeGet(ctx, "b", "po")
		_, notFound["WorkflowGet"] = s.WorkflowGet(ctx, "b", "wf1")
		_, notFound["WorkflowVersionGet"] = s.WorkflowVersionGet(ctx, "b", "wf1", 1)
		_, notFound["NodeGet"] = s.NodeGet(ctx, "b", "s1")
		_, notFound["SubjectGet"] = s.SubjectGet(ctx, "b", "po", "1")
		_, notFound["InstanceGet"] = s.InstanceGet(ctx, "b", "i1")
		_, notFound["InstanceGetBySubject"] = s.InstanceGetBySubject(ctx, "b", "po", "1")
		_, notFound["IdempotencyGet"] = s.IdempotencyGet(ctx, "b", "u1", "k1", time.Time{})
		for name, err := range notFound {
			requireNotFound(t, err, name+" from another tenant")
		}

		empty := map[string]func() (int, error){
			"UserList": func() (int, error) {
				l, err := s.UserList(ctx, &store.UserListParams{TenantID: "b"})
				return len(l), err
			},
			"RoleList":       func() (int, error) { l, err := s.RoleList(ctx, "b"); return len(l), err },
			"RoleMemberList": func() (int, error) { l, err := s.RoleMemberList(ctx, "b", "r1"); return len(l), err },
			"RoleListByUser": func() (int, error) { l, err := s.RoleListByUser(ctx, "b", "u1"); return len(l), err },
			"FormList":       func() (int, error) { l, err := s.FormList(ctx, "b"); return len(l), err },
			"SubjectTypeList": func() (int, error) {
				l, err := s.SubjectTypeList(ctx, "b")
				return len(l), err
			},
			"WorkflowList": func() (int, error) {
				l, err := s.WorkflowList(ctx, &store.WorkflowListParams{TenantID: "b"})
				return len(l), err
			},
			"WorkflowVersionList": func() (int, error) {
				l, err := s.WorkflowVersionList(ctx, "b", "wf1")
				return len(l), err
			},
			"InstanceListBySubject": func() (int, error) {
				l, err := s.InstanceListBySubject(ctx, "b", "po", "1")
				return len(l), err
			},
			"InstanceList": func() (int, error) {
				l, err := s.InstanceList(ctx, &store.InstanceListParams{TenantID: "b"})
				return len(l), err
			},
			"TaskListByInstance": func() (int, error) {
				l, err := s.TaskListByInstance(ctx, "b", "i1")
				return len(l), err
			},
			"TaskListOpenByUser": func() (int, error) {
				l, err := s.TaskListOpenByUser(ctx, &store.TaskListOpenByUserParams{TenantID: "b", UserID: "u1"})
				return len(l), err
			},
			"TaskListOpenViaRole": func() (int, error) {
				l, err := s.TaskListOpenViaRole(ctx, "b", "r1", "")
				return len(l), err
			},
			"TaskListOpenByAssignee": func() (int, error) {
				l, err := s.TaskListOpenByAssignee(ctx, "b", "u1")
				return len(l), err
			},
			"EventList": func() (int, error) {
				l, err := s.EventList(ctx, &store.EventListParams{TenantID: "b", InstanceID: "i1"})
				return len(l), err
			},
		}
		for name, list := range empty {
			n, err := list()
			requireNoError(t, err, name)
			if n != 0 {
				t.Fatalf("%s from another tenant returned %d rows, want none", name, n)
			}
		}
		last, err := s.RotationGet(ctx, "b", "r1")
		requireNoError(t, err, "RotationGet")
		requireEqual(t, last, "", "rotation from another tenant")
		pinned, err := s.WorkflowVersionPinned(ctx, "b", "wf1", 1)
		requireNoError(t, err, "WorkflowVersionPinned")
		requireEqual(t, pinned, false, "pinned from another tenant")
	})

	t.Run("Writes", func(t *testing.T) {
		requireNotFound(t, s.RoleMemberRemove(ctx, "b", "r1", "u1"), "RoleMemberRemove from another tenant")
		requireNotFound(t, s.SubjectSetStatus(ctx, "b", "po", "1", "state", "x"), "SubjectSetStatus from another tenant")
		_, err := s.WorkflowUpdate(ctx, &store.WorkflowUpdateParams{TenantID: "b", ID: "wf1", Name: map[string]string{"en": "x"}, ExpectedVersion: 1})
		requireNotFound(t, err, "WorkflowUpdate from another tenant")
		requireNotFound(t, s.WorkflowVersionReplace(ctx, &flowtype.WorkflowVersion{TenantID: "b", WorkflowID: "wf1", Version: 1}),
			"WorkflowVersionReplace from another tenant")
		requireNotFound(t, s.InstanceUpdate(ctx, &flowtype.Instance{TenantID: "b", ID: "i1", Status: flowtype.StatusWithdrawn, Version: 2}, 1),
			"InstanceUpdate from another tenant")
		requireNotFound(t, s.TaskUpdate(ctx, []*flowtype.Task{{TenantID: "b", ID: "t1", Status: flowtype.TaskCancelled}}),
			"TaskUpdate from another tenant")

		// References never cross tenants.
		requireNotFound(t, s.RoleMemberAdd(ctx, "b", "r1", "u1"), "RoleMemberAdd of another tenant's role and user")
		requireNotFound(t, s.RotationSet(ctx, "b", "r1", "u1"), "RotationSet of another tenant's role")
		requireNotFound(t, s.WorkflowVersionInsert(ctx, &flowtype.WorkflowVersion{TenantID: "b", WorkflowID: "wf1", Version: 2}),
			"WorkflowVersionInsert for another tenant's workflow")
		requireNotFound(t, s.NodeReplace(ctx, "b", "wf1", []flowtype.Node{{ID: "x", Kind: flowtype.NodeStage}}),
			"NodeReplace for another tenant's workflow")
		requireNotFound(t, s.InstanceInsert(ctx, &flowtype.Instance{TenantID: "b", ID: "ix", SubjectType: "po", SubjectID: "1",
			WorkflowID: "wf1", WorkflowVersion: 1, Status: flowtype.StatusNotStarted, Version: 1}),
			"InstanceInsert on another tenant's subject and workflow")
		requireNotFound(t, s.TaskInsert(ctx, []*flowtype.Task{{TenantID: "b", ID: "tx", InstanceID: "i1", Status: flowtype.TaskCurrent}}),
			"TaskInsert for another tenant's instance")
		requireNotFound(t, s.EventInsert(ctx, []*flowtype.Event{{TenantID: "b", InstanceID: "i1", Seq: 9, Type: "x"}}),
			"EventInsert for another tenant's instance")
	})

	t.Run("SameIDs", func(t *testing.T) {
		fillTenant(t, b)
		for _, tenant := range []string{"a", "b"} {
			u, err := s.UserGet(ctx, tenant, "u1")
			requireNoError(t, err, "UserGet")
			requireEqual(t, u.Name, "User u1 of "+tenant, "user of tenant "+tenant)
			inbox, err := s.TaskListOpenByUser(ctx, &store.TaskListOpenByUserParams{TenantID: tenant, UserID: "u1"})
			requireNoError(t, err, "TaskListOpenByUser")
			requireEqual(t, len(inbox), 1, "inbox of tenant "+tenant)
			requireEqual(t, string(inbox[0].SubjectData), `{"tenant":"`+tenant+`"}`, "subject data in the inbox of "+tenant)
			events, err := s.EventList(ctx, &store.EventListParams{TenantID: tenant, InstanceID: "i1"})
			requireNoError(t, err, "EventList")
			requireEqual(t, len(events), 1, "events of tenant "+tenant)
		}
	})
}

// fillTenant writes one row of every noun into f's tenant, with the same
// ids in every tenant.
func fillTenant(t *testing.T, f *fixture) {
	t.Helper()
	s, ctx, tenant := f.s, f.ctx, f.tenant
	_, err := s.UserUpsert(ctx, &store.UserUpsertParams{TenantID: tenant, ID: "u1", Name: "User u1 of " + tenant, IsActive: true})
	requireNoError(t, err, "UserUpsert")
	f.role("r1", "u1")
	requireNoError(t, s.RotationSet(ctx, tenant, "r1", "u1"), "RotationSet")
	_, err = s.FormUpsert(ctx, &store.FormUpsertParams{TenantID: tenant, ID: "f1", Name: "Form", Schema: []byte(`{}`)})
	requireNoError(t, err, "FormUpsert")
	_, err = s.SubjectTypeUpsert(ctx, &flowtype.SubjectType{TenantID: tenant, Type: "po", StatusField: "state"})
	requireNoError(t, err, "SubjectTypeUpsert")
	f.workflow("wf1")
	requireNoError(t, s.NodeReplace(ctx, tenant, "wf1", []flowtype.Node{{ID: "s1", Kind: flowtype.NodeStage, WorkflowID: "wf1"}}), "NodeReplace")
	_, err = s.SubjectUpsert(ctx, &store.SubjectUpsertParams{TenantID: tenant, Type: "po", ID: "1", Data: []byte(`{"tenant":"` + tenant + `"}`)})
	requireNoError(t, err, "SubjectUpsert")
	requireNoError(t, s.InstanceInsert(ctx, &flowtype.Instance{TenantID: tenant, ID: "i1", SubjectType: "po", SubjectID: "1",
		WorkflowID: "wf1", WorkflowVersion: 1, Status: flowtype.StatusInProgress, Version: 1, NextSeq: 2}), "InstanceInsert")
	f.tasks(&flowtype.Task{ID: "t1", InstanceID: "i1", StageID: "s1", Assignee: "u1", RoleID: "r1", ViaRole: true, Status: flowtype.TaskCurrent})
	requireNoError(t, s.EventInsert(ctx, []*flowtype.Event{{TenantID: tenant, InstanceID: "i1", Seq: 1, Type: flowtype.EventWorkflowStart, Actor: "u1"}}), "EventInsert")
	requireNoError(t, s.IdempotencyPut(ctx, &flowtype.IdempotencyRecord{TenantID: tenant, UserID: "u1", Key: "k1", RequestHash: "h", Response: []byte(`{}`)}, time.Time{}), "IdempotencyPut")
}
