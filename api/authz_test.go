package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/client"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
)

// smallWorkflow is a two-stage workflow whose first stage is held by the
// role finance (anyone of u1, u2, u3), in Flowgate's own shape.
const smallWorkflow = `{"name": {"en": "Purchase Approval"}, "strategy": 1, "pipelines": [{"name": "Finance", "stages": [
	{"name": "Initial Review", "stage_info": {"approvals": [{"approval_type": "role", "user_role": "finance"}]}},
	{"name": "Budget Approval", "stage_info": {"approvals": [{"approval_type": "user", "approval_user": "r2"}]}}]}]}`

type small struct {
	ev    *env
	users map[string]*client.Client
	wfID  string
}

func newSmall(t testing.TB, s store.Store, tenant string, cfg *api.Config) *small {
	t.Helper()
	ctx := t.Context()
	ev := newEnv(t, s, tenant, cfg)
	sm := &small{ev: ev, users: map[string]*client.Client{}}
	for _, u := range []string{"req", "r2", "u1", "u2", "u3", "svc"} {
		_, err := ev.admin.CreateUser(ctx, &api.UserCreateRequest{ID: api.FlexID(u), Name: "User " + u, Email: u + "@" + tenant + ".example"})
		requireOK(t, err, "create user "+u)
		sm.users[u] = ev.key(u, false, u == "svc")
	}
	_, err := ev.admin.CreateRole(ctx, &api.RoleRequest{ID: "finance", Name: "Finance", Members: []api.FlexID{"u1", "u2", "u3"}})
	requireOK(t, err, "create role")
	wf, err := ev.admin.CreateWorkflow(ctx, json.RawMessage(smallWorkflow))
	requireOK(t, err, "create workflow")
	sm.wfID = wf.ID
	return sm
}

func (sm *small) attach(t testing.TB, id string) *api.Instance {
	t.Helper()
	in, err := sm.users["req"].Attach(t.Context(), &api.AttachRequest{
		WorkflowID: api.FlexID(sm.wfID),
		Subject:    api.AttachSubject{Type: "purchase_request", ID: api.FlexID(id), Data: json.RawMessage(`{"amount": 1500}`)},
	}, nil)
	requireOK(t, err, "attach "+id)
	return in
}

func approve(c *client.Client) func(t *testing.T, id string, opts *client.CommandOpts) (*client.Response, error) {
	return func(t *testing.T, id string, opts *client.CommandOpts) (*client.Response, error) {
		h := http.Header{}
		if opts != nil && opts.IfMatchRaw != "" {
			h.Set("If-Match", opts.IfMatchRaw)
		}
		if opts != nil && opts.IdempotencyKey != "" {
			h.Set("Idempotency-Key", opts.IdempotencyKey)
		}
		return c.Do(t.Context(), http.MethodPost, "/api/v1/instances/"+id+"/decisions", []byte(`{"action": "approved"}`), h)
	}
}

func problemOfResponse(t *testing.T, r *client.Response) *api.Problem {
	t.Helper()
	var p api.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("not a problem: %d %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("problem Content-Type %q", ct)
	}
	return &p
}

func TestDecisionAuthorization(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		sm := newSmall(t, s, "acme", nil)

		in := sm.attach(t, "42")
		if got := currentAssignees(in); sprintf("%v", got) != "[u1 u2 u3]" {
			t.Fatalf("current tasks %v", got)
		}
		got, err := sm.users["req"].GetInstance(ctx, in.ID)
		requireOK(t, err, "GET instance")
		raw, _ := sm.users["req"].Do(ctx, http.MethodGet, "/api/v1/instances/"+in.ID, nil, nil)
		if etag := raw.Header.Get("ETag"); etag != sprintf(`"%d"`, got.Version) {
			t.Fatalf("ETag %q, version %d", etag, got.Version)
		}

		t.Run("NonAssignee", func(t *testing.T) {
			_, err := sm.users["r2"].Decide(ctx, in.ID, &api.DecisionRequest{Action: "approved"}, nil)
			p := requireProblem(t, err, http.StatusForbidden, "forbidden", "not_assignee")
			if p.Detail != "You are not authorized to act on this step." {
				t.Fatalf("detail %q", p.Detail)
			}
		})

		t.Run("StaleIfMatch", func(t *testing.T) {
			for _, tag := range []string{sprintf(`"%d"`, in.Version-1), `"garbage"`, sprintf(`W/"%d"`, in.Version+1)} {
				r, err := approve(sm.users["u1"])(t, in.ID, &client.CommandOpts{IfMatchRaw: tag})
				requireOK(t, err, "POST")
				if p := problemOfResponse(t, r); r.Status != http.StatusPreconditionFailed || p.Code != "precondition_failed" {
					t.Fatalf("If-Match %s: %d %s", tag, r.Status, r.Body)
				}
			}
			after, _ := sm.users["req"].GetInstance(ctx, in.ID)
			if after.Version != in.Version {
				t.Fatalf("a refused decision changed the version: %d → %d", in.Version, after.Version)
			}
		})

		t.Run("ConcurrentDecisions", func(t *testing.T) {
			in := sm.attach(t, "43")
			var wg sync.WaitGroup
			start := make(chan struct{})
			statuses := make([]int, 2)
			bodies := make([][]byte, 2)
			for i, u := range []string{"u1", "u2"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					r, err := approve(sm.users[u])(t, in.ID, nil)
					if err != nil {
						t.Error(err)
						return
					}
					statuses[i], bodies[i] = r.Status, r.Body
				}()
			}
			close(start)
			wg.Wait()
			sorted := append([]int{}, statuses...)
			sort.Ints(sorted)
			if sorted[0] != http.StatusOK || sorted[1] != http.StatusConflict {
				t.Fatalf("statuses %v (%s / %s), want one 200 and one 409", statuses, bodies[0], bodies[1])
			}
			for i := range statuses {
				if statuses[i] == http.StatusConflict {
					var p api.Problem
					_ = json.Unmarshal(bodies[i], &p)
					if p.Code != "conflict" || p.Refusal != "conflict" || p.Detail != "This step was already decided." {
						t.Fatalf("409 body %s", bodies[i])
					}
				}
			}
			hist, err := sm.users["req"].History(ctx, in.ID, nil)
			requireOK(t, err, "history")
			if n := len(hist.Items); n != 3 {
				t.Fatalf("history has %d events, want on_workflow_start, after_approve, after_move_stage", n)
			}
		})

		t.Run("IdempotencyKey", func(t *testing.T) {
			in := sm.attach(t, "44")
			first, err := approve(sm.users["u1"])(t, in.ID, &client.CommandOpts{IdempotencyKey: "k1"})
			requireOK(t, err, "first")
			if first.Status != http.StatusOK {
				t.Fatalf("first: %d %s", first.Status, first.Body)
			}
			before, _ := sm.users["req"].GetInstance(ctx, in.ID)
			histBefore, _ := sm.users["req"].History(ctx, in.ID, nil)
			again, err := approve(sm.users["u1"])(t, in.ID, &client.CommandOpts{IdempotencyKey: "k1"})
			requireOK(t, err, "again")
			if again.Status != first.Status || !bytes.Equal(again.Body, first.Body) || again.Header.Get("ETag") != first.Header.Get("ETag") {
				t.Fatalf("replay differs:\n%d %s\n%d %s", first.Status, first.Body, again.Status, again.Body)
			}
			after, _ := sm.users["req"].GetInstance(ctx, in.ID)
			histAfter, _ := sm.users["req"].History(ctx, in.ID, nil)
			if after.Version != before.Version || len(histAfter.Items) != len(histBefore.Items) {
				t.Fatalf("the replay wrote: version %d → %d, events %d → %d", before.Version, after.Version, len(histBefore.Items), len(histAfter.Items))
			}
			other, err := sm.users["u1"].Do(ctx, http.MethodPost, "/api/v1/instances/"+in.ID+"/decisions",
				[]byte(`{"action": "rejected", "reason": "no"}`), http.Header{"Idempotency-Key": {"k1"}})
			requireOK(t, err, "mismatch")
			if p := problemOfResponse(t, other); other.Status != http.StatusUnprocessableEntity || p.Code != "idempotency_mismatch" {
				t.Fatalf("same key, other body: %d %s", other.Status, other.Body)
			}
		})

		t.Run("AdminOnlyDefinitions", func(t *testing.T) {
			_, err := sm.users["u1"].CreateWorkflow(ctx, json.RawMessage(smallWorkflow))
			requireProblem(t, err, http.StatusForbidden, "forbidden", "admin_required")
			_, err = sm.users["u1"].CreateUser(ctx, &api.UserCreateRequest{ID: "x"})
			requireProblem(t, err, http.StatusForbidden, "forbidden", "admin_required")
			_, err = sm.users["u1"].ListKeys(ctx, nil)
			requireProblem(t, err, http.StatusForbidden, "forbidden", "admin_required")
			if _, err := sm.users["u1"].GetWorkflow(ctx, sm.wfID, 0); err != nil {
				t.Fatalf("a non-admin key may read definitions: %v", err)
			}
		})

		t.Run("ActAs", func(t *testing.T) {
			in, err := sm.users["svc"].As("req").Attach(ctx, &api.AttachRequest{
				WorkflowID: api.FlexID(sm.wfID), Subject: api.AttachSubject{Type: "purchase_request", ID: "45"},
			}, nil)
			requireOK(t, err, "attach as req")
			if in.StartedBy != "req" {
				t.Fatalf("started_by %q, want the acting user", in.StartedBy)
			}
			out, err := sm.users["svc"].As("u2").Decide(ctx, in.ID, &api.DecisionRequest{Action: "APPROVED"}, nil)
			requireOK(t, err, "approve as u2")
			if stageName(out.CurrentStage) != "Budget Approval" || str(out.Tasks[1].ActedBy) != "u2" {
				t.Fatalf("after the act_as approval: %s, tasks %+v", stageName(out.CurrentStage), out.Tasks)
			}
			_, err = sm.users["svc"].As("req").Decide(ctx, in.ID, &api.DecisionRequest{Action: "approved"}, nil)
			requireProblem(t, err, http.StatusForbidden, "forbidden", "not_assignee")
			_, err = sm.users["u3"].As("u1").Inbox(ctx, nil)
			requireProblem(t, err, http.StatusForbidden, "forbidden", "act_as_required")
			_, err = sm.users["svc"].As("nobody").Inbox(ctx, nil)
			requireProblem(t, err, http.StatusForbidden, "forbidden", "unknown_acting_user")
		})

		t.Run("Unauthorized", func(t *testing.T) {
			base := sm.ev.srv.URL
			for _, c := range []*client.Client{client.New(base, ""), client.New(base, "fg_nope"), client.New(base, "garbage")} {
				_, err := c.ListWorkflows(ctx, nil)
				requireProblem(t, err, http.StatusUnauthorized, "unauthorized", "")
			}
			k, err := sm.ev.admin.CreateKey(ctx, &api.APIKeyRequest{UserID: "u3", Name: "temp"})
			requireOK(t, err, "create key")
			temp := client.New(base, k.Key)
			requireOK(t, func() error { _, err := temp.Inbox(ctx, nil); return err }(), "new key works")
			requireOK(t, sm.ev.admin.RevokeKey(ctx, k.ID), "revoke")
			_, err = temp.Inbox(ctx, nil)
			requireProblem(t, err, http.StatusUnauthorized, "unauthorized", "")
			keys, err := sm.ev.admin.ListKeys(ctx, nil)
			requireOK(t, err, "list keys")
			for _, key := range keys.Items {
				if key.Key != "" {
					t.Fatalf("a key list shows a secret")
				}
				if key.ID == k.ID && (key.RevokedAt == nil || key.LastUsedAt == nil) {
					t.Fatalf("revoked key: %+v", key)
				}
			}
		})
	})
}
