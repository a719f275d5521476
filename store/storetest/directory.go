package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

func testTenant(t *testing.T, s store.Store) {
	ctx := t.Context()
	created, err := s.TenantCreate(ctx, &store.TenantCreateParams{ID: "acme", Name: "Acme"})
	requireNoError(t, err, "TenantCreate")
	recent(t, created.CreatedAt, "CreatedAt")

	got, err := s.TenantGet(ctx, "acme")
	requireNoError(t, err, "TenantGet")
	requireEqual(t, got, created, "TenantGet")

	_, err = s.TenantCreate(ctx, &store.TenantCreateParams{ID: "acme", Name: "Again"})
	requireConflict(t, err, "TenantCreate of an existing id")

	_, err = s.TenantGet(ctx, "nope")
	requireNotFound(t, err, "TenantGet of a missing tenant")

	_, err = s.TenantCreate(ctx, &store.TenantCreateParams{ID: "Beta", Name: "Beta"})
	requireNoError(t, err, "TenantCreate")
	list, err := s.TenantList(ctx)
	requireNoError(t, err, "TenantList")
	requireEqual(t, ids(list, func(t *flowtype.Tenant) string { return t.ID }), []string{"Beta", "acme"}, "TenantList ids (byte-wise)")
}

func testUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")

	t.Run("UpsertGet", func(t *testing.T) {
		u, err := s.UserUpsert(ctx, &store.UserUpsertParams{
			TenantID: "t1", ID: "u1", Name: "Ann", Email: "ann@example.com", Locale: "ar", IsActive: true,
		})
		requireNoError(t, err, "UserUpsert")
		recent(t, u.CreatedAt, "CreatedAt")
		requireEqual(t, u, &flowtype.User{
			TenantID: "t1", ID: "u1", Name: "Ann", Email: "ann@example.com", Locale: "ar", IsActive: true,
			CreatedAt: u.CreatedAt, UpdatedAt: u.CreatedAt,
		}, "UserUpsert result")
		got, err := s.UserGet(ctx, "t1", "u1")
		requireNoError(t, err, "UserGet")
		requireEqual(t, got, u, "UserGet")

		time.Sleep(2 * time.Millisecond) // updated_at must move on
		u2, err := s.UserUpsert(ctx, &store.UserUpsertParams{TenantID: "t1", ID: "u1", Name: "Ann B", IsActive: false})
		requireNoError(t, err, "UserUpsert (replace)")
		requireEqual(t, u2.CreatedAt, u.CreatedAt, "CreatedAt after replace")
		if !u2.UpdatedAt.After(u.UpdatedAt) {
			t.Fatalf("UpdatedAt = %v, want after %v", u2.UpdatedAt, u.UpdatedAt)
		}
		if u2.Name != "Ann B" || u2.Email != "" || u2.IsActive {
			t.Fatalf("replace kept old values: %+v", u2)
		}
	})

	t.Run("Errors", func(t *testing.T) {
		_, err := s.UserGet(ctx, "t1", "missing")
		requireNotFound(t, err, "UserGet of a missing user")
		_, err = s.UserUpsert(ctx, &store.UserUpsertParams{TenantID: "no-tenant", ID: "u1"})
		requireNotFound(t, err, "UserUpsert in an unknown tenant")
	})

	t.Run("ListPaging", func(t *testing.T) {
		for i := range 60 {
			f.user(seqName("p", i), true)
		}
		page, err := s.UserList(ctx, &store.UserListParams{TenantID: "t1", AfterID: "p"})
		requireNoError(t, err, "UserList")
		if len(page) != 50 {
			t.Fatalf("UserList without Limit returned %d users, want the default 50", len(page))
		}
		requireEqual(t, page[0].ID, "p000", "first id")
		page, err = s.UserList(ctx, &store.UserListParams{TenantID: "t1", AfterID: "p057", Limit: 10})
		requireNoError(t, err, "UserList after p057")
		requireEqual(t, ids(page, func(u *flowtype.User) string { return u.ID }), []string{"p058", "p059", "u1"}, "page after p057")
		page, err = s.UserList(ctx, &store.UserListParams{TenantID: "t1", Limit: 2})
		requireNoError(t, err, "UserList Limit 2")
		requireEqual(t, ids(page, func(u *flowtype.User) string { return u.ID }), []string{"p000", "p001"}, "first page")
	})
}

func testRole(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	// Byte-wise order: upper case before lower case, ASCII before UTF-8.
	for _, id := range []string{"bob", "Zed", "émile", "alice"} {
		f.user(id, id != "bob")
	}

	t.Run("UpsertGetList", func(t *testing.T) {
		r, err := s.RoleUpsert(ctx, &store.RoleUpsertParams{TenantID: "t1", ID: "mgr", Name: "Managers"})
		requireNoError(t, err, "RoleUpsert")
		recent(t, r.CreatedAt, "CreatedAt")
		r2, err := s.RoleUpsert(ctx, &store.RoleUpsertParams{TenantID: "t1", ID: "mgr", Name: "Line managers"})
		requireNoError(t, err, "RoleUpsert (rename)")
		requireEqual(t, r2, &flowtype.Role{TenantID: "t1", ID: "mgr", Name: "Line managers", CreatedAt: r.CreatedAt}, "renamed role")
		got, err := s.RoleGet(ctx, "t1", "mgr")
		requireNoError(t, err, "RoleGet")
		requireEqual(t, got, r2, "RoleGet")
		_, err = s.RoleGet(ctx, "t1", "missing")
		requireNotFound(t, err, "RoleGet of a missing role")
		f.role("fin")
		list, err := s.RoleList(ctx, "t1")
		requireNoError(t, err, "RoleList")
		requireEqual(t, ids(list, func(r *flowtype.Role) string { return r.ID }), []string{"fin", "mgr"}, "RoleList ids")
	})

	t.Run("Members", func(t *testing.T) {
		for _, u := range []string{"bob", "émile", "Zed", "alice", "bob"} { // bob twice: idempotent
			requireNoError(t, s.RoleMemberAdd(ctx, "t1", "mgr", u), "RoleMemberAdd "+u)
		}
		members, err := s.RoleMemberList(ctx, "t1", "mgr")
		requireNoError(t, err, "RoleMemberList")
		requireEqual(t, members, []flowtype.RoleMember{
			{UserID: "Zed", IsActive: true}, {UserID: "alice", IsActive: true},
			{UserID: "bob", IsActive: false}, {UserID: "émile", IsActive: true},
		}, "members in byte-wise order")

		requireNoError(t, s.RoleMemberAdd(ctx, "t1", "fin", "bob"), "RoleMemberAdd fin")
		roles, err := s.RoleListByUser(ctx, "t1", "bob")
		requireNoError(t, err, "RoleListByUser")
		requireEqual(t, roles, []string{"fin", "mgr"}, "roles of bob")

		requireNoError(t, s.RoleMemberRemove(ctx, "t1", "mgr", "bob"), "RoleMemberRemove")
		requireNotFound(t, s.RoleMemberRemove(ctx, "t1", "mgr", "bob"), "RoleMemberRemove of a non-member")
		roles, err = s.RoleListByUser(ctx, "t1", "bob")
		requireNoError(t, err, "RoleListByUser")
		requireEqual(t, roles, []string{"fin"}, "roles of bob after removal")

		requireNotFound(t, s.RoleMemberAdd(ctx, "t1", "mgr", "ghost"), "RoleMemberAdd of an unknown user")
		requireNotFound(t, s.RoleMemberAdd(ctx, "t1", "ghost", "alice"), "RoleMemberAdd to an unknown role")
		members, err = s.RoleMemberList(ctx, "t1", "ghost")
		requireNoError(t, err, "RoleMemberList of an unknown role")
		requireEqual(t, len(members), 0, "members of an unknown role")
	})

	t.Run("Rotation", func(t *testing.T) {
		last, err := s.RotationGet(ctx, "t1", "mgr")
		requireNoError(t, err, "RotationGet")
		requireEqual(t, last, "", "rotation before any choice")
		requireNoError(t, s.RotationSet(ctx, "t1", "mgr", "alice"), "RotationSet")
		requireNoError(t, s.RotationSet(ctx, "t1", "mgr", "émile"), "RotationSet again")
		last, err = s.RotationGet(ctx, "t1", "mgr")
		requireNoError(t, err, "RotationGet")
		requireEqual(t, last, "émile", "rotation")
		requireNotFound(t, s.RotationSet(ctx, "t1", "ghost", "alice"), "RotationSet of an unknown role")
	})
}

func testForm(t *testing.T, s store.Store) {
	ctx := t.Context()
	newFixture(t, s, "t1")
	schema := []byte(`{"type": "object", "required": ["amount"]}`) // spacing kept as given
	f, err := s.FormUpsert(ctx, &store.FormUpsertParams{TenantID: "t1", ID: "expense", Name: "Expense", Schema: schema})
	requireNoError(t, err, "FormUpsert")
	recent(t, f.CreatedAt, "CreatedAt")
	requireEqual(t, string(f.Schema), string(schema), "schema bytes")

	got, err := s.FormGet(ctx, "t1", "expense")
	requireNoError(t, err, "FormGet")
	requireEqual(t, got, f, "FormGet")

	f2, err := s.FormUpsert(ctx, &store.FormUpsertParams{TenantID: "t1", ID: "expense", Name: "Expense v2", Schema: []byte(`{}`)})
	requireNoError(t, err, "FormUpsert (replace)")
	requireEqual(t, f2.CreatedAt, f.CreatedAt, "CreatedAt after replace")
	requireEqual(t, string(f2.Schema), `{}`, "replaced schema")

	_, err = s.FormUpsert(ctx, &store.FormUpsertParams{TenantID: "t1", ID: "blank", Name: "Blank"})
	requireNoError(t, err, "FormUpsert without schema")
	list, err := s.FormList(ctx, "t1")
	requireNoError(t, err, "FormList")
	requireEqual(t, ids(list, func(f *flowtype.Form) string { return f.ID }), []string{"blank", "expense"}, "FormList ids")
	requireEqual(t, string(list[0].Schema), `{}`, "schema of a form saved without one")

	_, err = s.FormGet(ctx, "t1", "missing")
	requireNotFound(t, err, "FormGet of a missing form")
}

func testSubjectType(t *testing.T, s store.Store) {
	ctx := t.Context()
	newFixture(t, s, "t1")
	st := &flowtype.SubjectType{
		TenantID: "t1", Type: "purchase_order", StatusField: "state",
		CompletionStatusValue: "approved", RejectionStatusValue: "rejected",
		Workflows: []string{"wf1", "wf2"},
		AutoStart: &flowtype.AutoStartRule{WorkflowID: "wf1", Conditions: json.RawMessage(`{"amount__gte":1000}`)},
	}
	saved, err := s.SubjectTypeUpsert(ctx, st)
	requireNoError(t, err, "SubjectTypeUpsert")
	recent(t, saved.UpdatedAt, "UpdatedAt")
	want := *st
	want.UpdatedAt = saved.UpdatedAt
	requireEqual(t, saved, &want, "SubjectTypeUpsert result")

	got, err := s.SubjectTypeGet(ctx, "t1", "purchase_order")
	requireNoError(t, err, "SubjectTypeGet")
	requireEqual(t, got, saved, "SubjectTypeGet")

	replaced, err := s.SubjectTypeUpsert(ctx, &flowtype.SubjectType{TenantID: "t1", Type: "purchase_order"})
	requireNoError(t, err, "SubjectTypeUpsert (replace)")
	if replaced.AutoStart != nil || len(replaced.Workflows) != 0 || replaced.StatusField != "" {
		t.Fatalf("replace kept old configuration: %+v", replaced)
	}

	_, err = s.SubjectTypeUpsert(ctx, &flowtype.SubjectType{TenantID: "t1", Type: "invoice", StatusField: "status"})
	requireNoError(t, err, "SubjectTypeUpsert invoice")
	list, err := s.SubjectTypeList(ctx, "t1")
	requireNoError(t, err, "SubjectTypeList")
	requireEqual(t, ids(list, func(st *flowtype.SubjectType) string { return st.Type }), []string{"invoice", "purchase_order"}, "SubjectTypeList")

	_, err = s.SubjectTypeGet(ctx, "t1", "missing")
	requireNotFound(t, err, "SubjectTypeGet of a missing type")
}
