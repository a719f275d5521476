package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
)

// newPermEnv is newEnv with permission grants required: start_workflow
// for req, approve_workflow for the role approvers (u1).
func newPermEnv(t *testing.T, s store.Store) *env {
	t.Helper()
	ctx := t.Context()
	e, err := flowgate.New(ctx, s, &flowgate.Config{Permissions: flowgate.Permissions{
		RequireToStart: true, RequireToApprove: true,
		Grants: flowgate.Grants{
			flowgate.PermissionStart:   {Users: []string{"req"}},
			flowgate.PermissionApprove: {Roles: []string{"approvers"}},
		},
	}})
	if err != nil {
		t.Fatalf("flowgate.New: %v", err)
	}
	srv, err := api.New(ctx, e, &api.Config{})
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	ev := &env{t: t, e: e, srv: hs, api: srv, tenant: "acme"}
	ev.bootstrap("adm", "Ada Admin")
	ev.admin = ev.key("adm", true, false)
	return ev
}

// A user without the grant gets 403 forbidden with error
// permission_denied, on attach and on a decision on a task they hold.
func TestPermissionDeniedIs403(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		ev := newPermEnv(t, s)
		for _, u := range []string{"req", "r2", "u1", "u2"} {
			_, err := ev.admin.CreateUser(ctx, &api.UserCreateRequest{ID: api.FlexID(u), Name: "User " + u})
			requireOK(t, err, "create user "+u)
		}
		_, err := ev.admin.CreateRole(ctx, &api.RoleRequest{ID: "finance", Name: "Finance", Members: []api.FlexID{"u1", "u2"}})
		requireOK(t, err, "create role finance")
		_, err = ev.admin.CreateRole(ctx, &api.RoleRequest{ID: "approvers", Name: "Approvers", Members: []api.FlexID{"u1"}})
		requireOK(t, err, "create role approvers")
		wf, err := ev.admin.CreateWorkflow(ctx, json.RawMessage(smallWorkflow))
		requireOK(t, err, "create workflow")
		attach := func(actor string) (*api.Instance, error) {
			return ev.key(actor, false, false).Attach(ctx, &api.AttachRequest{
				WorkflowID: api.FlexID(wf.ID),
				Subject:    api.AttachSubject{Type: "purchase_request", ID: "po-1", Data: json.RawMessage(`{"amount": 1500}`)},
			}, nil)
		}

		_, err = attach("u2")
		p := requireProblem(t, err, http.StatusForbidden, "forbidden", "permission_denied")
		if p.Detail == "" {
			t.Fatal("a permission_denied problem without detail")
		}
		in, err := attach("req")
		requireOK(t, err, "attach by req")

		// u2 holds a task through finance but not approve_workflow.
		_, err = ev.key("u2", false, false).Decide(ctx, in.ID, map[string]any{"action": "approved"}, nil)
		requireProblem(t, err, http.StatusForbidden, "forbidden", "permission_denied")
		after, err := ev.admin.GetInstance(ctx, in.ID)
		requireOK(t, err, "read instance")
		if after.Version != in.Version {
			t.Fatalf("a refused decision changed the version: %d → %d", in.Version, after.Version)
		}
		_, err = ev.key("u1", false, false).Decide(ctx, in.ID, map[string]any{"action": "approved"}, nil)
		requireOK(t, err, "approve by u1")
	})
}
