// Package storetest is the conformance suite of store.Store: every
// implementation, on every dialect, passes Exercise on a real database.
// When a store method is added or its behaviour changes, extend the suite
// with it.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// Exercise runs the suite. open must return a migrated, empty store of its
// own for every call (each subtest runs in parallel on its own database)
// and close it when the test ends.
func Exercise(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Tenant", testTenant},
		{"User", testUser},
		{"Role", testRole},
		{"Form", testForm},
		{"SubjectType", testSubjectType},
		{"Workflow", testWorkflow},
		{"WorkflowVersion", testWorkflowVersion},
		{"Node", testNode},
		{"Subject", testSubject},
		{"Instance", testInstance},
		{"InstanceConcurrentAttach", testInstanceConcurrentAttach},
		{"InstanceLock", testInstanceLock},
		{"InstanceGetForCommand", testInstanceGetForCommand},
		{"Batch", testBatch},
		{"BatchRace", testBatchRace},
		{"RotationLock", testRotationLock},
		{"Task", testTask},
		{"Inbox", testInbox},
		{"Event", testEvent},
		{"Idempotency", testIdempotency},
		{"IdempotencyExpiry", testIdempotencyExpiry},
		{"ActionRun", testActionRun},
		{"ActionRunClaim", testActionRunClaim},
		{"ActionRunOrder", testActionRunOrder},
		{"ActionRunConcurrentClaim", testActionRunConcurrentClaim},
		{"Tx", testTx},
		{"TenantIsolation", testTenantIsolation},
		{"APIKey", testAPIKey},
		{"UserGetByEmail", testUserGetByEmail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// fixture creates the rows a test needs in one tenant, failing the test on
// any error.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	s      store.Store
	tenant string
}

func newFixture(t *testing.T, s store.Store, tenant string) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: t.Context(), s: s, tenant: tenant}
	if _, err := s.TenantCreate(f.ctx, &store.TenantCreateParams{ID: tenant, Name: "Tenant " + tenant}); err != nil {
		t.Fatalf("TenantCreate(%s): %v", tenant, err)
	}
	return f
}

func (f *fixture) user(id string, active bool) *flowtype.User {
	f.t.Helper()
	u, err := f.s.UserUpsert(f.ctx, &store.UserUpsertParams{
		TenantID: f.tenant, ID: id, Name: "User " + id, Email: id + "@example.com", IsActive: active,
	})
	if err != nil {
		f.t.Fatalf("UserUpsert(%s): %v", id, err)
	}
	return u
}

func (f *fixture) role(id string, members ...string) {
	f.t.Helper()
	if _, err := f.s.RoleUpsert(f.ctx, &store.RoleUpsertParams{TenantID: f.tenant, ID: id, Name: "Role " + id}); err != nil {
		f.t.Fatalf("RoleUpsert(%s): %v", id, err)
	}
	for _, m := range members {
		if err := f.s.RoleMemberAdd(f.ctx, f.tenant, id, m); err != nil {
			f.t.Fatalf("RoleMemberAdd(%s, %s): %v", id, m, err)
		}
	}
}

func (f *fixture) workflow(id string) *flowtype.WorkflowRow {
	f.t.Helper()
	w, err := f.s.WorkflowInsert(f.ctx, &store.WorkflowInsertParams{
		TenantID: f.tenant, ID: id, Name: map[string]string{"en": "Workflow " + id},
		Strategy: 1, IsActive: true, CreatedBy: "admin",
		Definition: []byte(`{"id":"` + id + `","strategy":1}`),
	})
	if err != nil {
		f.t.Fatalf("WorkflowInsert(%s): %v", id, err)
	}
	return w
}

func (f *fixture) subject(typ, id string) *flowtype.Subject {
	f.t.Helper()
	s, err := f.s.SubjectUpsert(f.ctx, &store.SubjectUpsertParams{
		TenantID: f.tenant, Type: typ, ID: id, Data: []byte(`{"amount":1000,"id":"` + id + `"}`),
	})
	if err != nil {
		f.t.Fatalf("SubjectUpsert(%s/%s): %v", typ, id, err)
	}
	return s
}

// instance inserts an instance of workflow version 1 on the subject, which
// it creates when missing.
func (f *fixture) instance(id, workflowID, subjectType, subjectID string, status flowtype.Status) *flowtype.Instance {
	f.t.Helper()
	f.subject(subjectType, subjectID)
	inst := &flowtype.Instance{
		TenantID: f.tenant, ID: id, SubjectType: subjectType, SubjectID: subjectID,
		WorkflowID: workflowID, WorkflowVersion: 1, Status: status, StartedBy: "starter",
		Version: 1, NextSeq: 1,
	}
	if err := f.s.InstanceInsert(f.ctx, inst); err != nil {
		f.t.Fatalf("InstanceInsert(%s): %v", id, err)
	}
	return inst
}

func (f *fixture) tasks(tasks ...*flowtype.Task) {
	f.t.Helper()
	for _, t := range tasks {
		t.TenantID = f.tenant
	}
	if err := f.s.TaskInsert(f.ctx, tasks); err != nil {
		f.t.Fatalf("TaskInsert: %v", err)
	}
}

// base is a fixed time for rows whose order a test controls.
var base = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func at(seconds int) time.Time { return base.Add(time.Duration(seconds) * time.Second) }

func ptr[T any](v T) *T { return &v }

// requireCode fails unless err is a *flowtype.Error (or ValidationError)
// carrying code.
func requireCode(t *testing.T, err error, code flowtype.Code, what string) {
	t.Helper()
	if got := flowtype.CodeOf(err); got != code {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func requireNotFound(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, flowtype.ErrNotFound) {
		t.Fatalf("%s: got error %v, want one wrapping flowtype.ErrNotFound", what, err)
	}
}

func requireConflict(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, flowtype.ErrConflict) {
		t.Fatalf("%s: got error %v, want one wrapping flowtype.ErrConflict", what, err)
	}
}

func requireNoError(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func requireEqual[T any](t *testing.T, got, want T, what string) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, diff)
	}
}

// recent fails unless tm was stamped by the store during this test.
func recent(t *testing.T, tm time.Time, what string) {
	t.Helper()
	if tm.IsZero() || time.Since(tm) > time.Hour || time.Until(tm) > time.Minute {
		t.Fatalf("%s = %v, want the store's current time", what, tm)
	}
	if tm.Location() != time.UTC {
		t.Fatalf("%s is in %v, want UTC", what, tm.Location())
	}
}

func ids[T any](list []T, id func(T) string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = id(v)
	}
	return out
}

func seqName(prefix string, i int) string { return fmt.Sprintf("%s%03d", prefix, i) }
