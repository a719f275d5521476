package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/client"
	"github.com/flowgate/flowgate/store"
)

// env is a real API server on a loopback port over a real database, with
// one tenant and an admin key.
type env struct {
	t      testing.TB
	e      *flowgate.Engine
	srv    *httptest.Server
	api    *api.Server
	tenant string
	admin  *client.Client
}

func newEnv(t testing.TB, s store.Store, tenant string, cfg *api.Config) *env {
	t.Helper()
	ctx := t.Context()
	e, err := flowgate.New(ctx, s, &flowgate.Config{})
	if err != nil {
		t.Fatalf("flowgate.New: %v", err)
	}
	if cfg == nil {
		cfg = &api.Config{}
	}
	srv, err := api.New(ctx, e, cfg)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	ev := &env{t: t, e: e, srv: hs, api: srv, tenant: tenant}
	ev.bootstrap("adm", "Ada Admin")
	ev.admin = ev.key("adm", true, false)
	return ev
}

// bootstrap creates the tenant (when missing) and a user, the way an
// operator does with the CLI before any key exists.
func (ev *env) bootstrap(userID, name string) {
	ev.t.Helper()
	ctx := context.Background()
	if _, err := ev.e.GetTenant(ctx, ev.tenant); errors.Is(err, flowgate.ErrNotFound) {
		if _, err := ev.e.CreateTenant(ctx, ev.tenant, "Acme Corp"); err != nil {
			ev.t.Fatalf("CreateTenant: %v", err)
		}
	}
	if _, err := ev.e.SaveUser(ctx, ev.tenant, &flowgate.User{ID: userID, Name: name, IsActive: true}); err != nil {
		ev.t.Fatalf("SaveUser: %v", err)
	}
}

// key creates an API key for a user and returns a client using it.
func (ev *env) key(userID string, admin, actAs bool) *client.Client {
	ev.t.Helper()
	secret, _, err := ev.e.CreateAPIKey(context.Background(), ev.tenant, &flowgate.APIKeyParams{
		UserID: userID, Name: "test " + userID, Admin: admin, ActAs: actAs,
	})
	if err != nil {
		ev.t.Fatalf("CreateAPIKey(%s): %v", userID, err)
	}
	return client.New(ev.srv.URL, secret)
}

// directory creates, through the API, the people, roles and forms of
// examples/directory/purchase-request.yaml, and returns a client per user.
func (ev *env) directory() map[string]*client.Client {
	ev.t.Helper()
	ctx := ev.t.Context()
	raw, err := os.ReadFile("../examples/directory/purchase-request.yaml")
	if err != nil {
		ev.t.Fatal(err)
	}
	doc, err := yaml.YAMLToJSON(raw)
	if err != nil {
		ev.t.Fatal(err)
	}
	var dir struct {
		Users []api.UserCreateRequest
		Roles []api.RoleRequest
		Forms []api.FormRequest
	}
	if err := json.Unmarshal(doc, &dir); err != nil {
		ev.t.Fatal(err)
	}
	users := map[string]*client.Client{}
	for _, u := range dir.Users {
		if _, err := ev.admin.CreateUser(ctx, &u); err != nil {
			ev.t.Fatalf("CreateUser(%s): %v", u.ID, err)
		}
		users[string(u.ID)] = ev.key(string(u.ID), false, false)
	}
	for _, r := range dir.Roles {
		if _, err := ev.admin.CreateRole(ctx, &r); err != nil {
			ev.t.Fatalf("CreateRole(%s): %v", r.ID, err)
		}
	}
	for _, f := range dir.Forms {
		if _, err := ev.admin.CreateForm(ctx, &f); err != nil {
			ev.t.Fatalf("CreateForm(%s): %v", f.ID, err)
		}
	}
	return users
}

// requireProblem fails unless err is a problem with that status, class
// and (when not empty) refusal.
func requireProblem(t *testing.T, err error, status int, code, refusal string) *api.Problem {
	t.Helper()
	p := client.ProblemOf(err)
	if p == nil {
		t.Fatalf("got %v, want a %d %s problem", err, status, code)
	}
	if p.Status != status || p.Code != code || (refusal != "" && p.Refusal != refusal) {
		t.Fatalf("got problem %d %s/%s (%s) %+v, want %d %s/%s", p.Status, p.Code, p.Refusal, p.Detail, p.Errors, status, code, refusal)
	}
	return p
}

func requireOK(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// currentAssignees lists the users holding a current task.
func currentAssignees(in *api.Instance) []string {
	var out []string
	for _, t := range in.Tasks {
		if t.Status == "current" && t.Assignee != nil {
			out = append(out, *t.Assignee)
		}
	}
	return out
}

func stageName(r *api.NodeRef) string {
	if r == nil {
		return "<none>"
	}
	return r.NameEn
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func hasPath(p *api.Problem, path string) bool {
	for _, fe := range p.Errors {
		if fe.Path == path {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
