package api_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
)

// TestTenantIsolation walks every route of the OpenAPI document with a
// second tenant's admin key and the first tenant's ids: no route that
// names one of them answers 2xx, and no answer carries the first
// tenant's data.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := newSmall(t, s, "tenant-a-secret", nil)
		_, err := a.ev.admin.UpdateUser(ctx, "req", &api.UserPatchRequest{Name: ptr("Rita Secretname")})
		requireOK(t, err, "rename")
		inst, err := a.users["req"].Attach(ctx, &api.AttachRequest{
			WorkflowID: api.FlexID(a.wfID),
			Subject:    api.AttachSubject{Type: "secret_type", ID: "s-42", Data: json.RawMessage(`{"marker": "zebra-marker"}`)},
			Metadata:   json.RawMessage(`{"note": "zebra-metadata"}`),
		}, nil)
		requireOK(t, err, "attach")
		wf, err := a.ev.admin.GetWorkflow(ctx, a.wfID, 0)
		requireOK(t, err, "workflow")
		pipelineID, stageID := wf.Pipelines[0].ID, wf.Pipelines[0].Stages[0].ID
		action, err := a.ev.admin.CreateAction(ctx, map[string]any{
			"scope": "stage", "scope_id": stageID, "action_type": "after_approve", "handler": "log", "parameters": map[string]any{"zebra": true},
		})
		requireOK(t, err, "action")
		_, err = a.ev.admin.PutSubjectType(ctx, "secret_type", &api.SubjectTypeRequest{StatusField: "zebra_status"})
		requireOK(t, err, "subject type")
		_, err = a.ev.admin.CreateForm(ctx, &api.FormRequest{ID: "zebra-form", Name: "Zebra Form", Schema: json.RawMessage(`{"type": "object"}`)})
		requireOK(t, err, "form")
		_, err = a.users["u1"].Decide(ctx, inst.ID, &api.DecisionRequest{Action: "approved"}, nil)
		requireOK(t, err, "approve")
		done := a.attach(t, "s-43")
		_, err = a.users["u2"].Decide(ctx, done.ID, &api.DecisionRequest{Action: "rejected", Reason: "zebra reason"}, nil)
		requireOK(t, err, "reject")
		runs, err := a.ev.admin.ListActionRuns(ctx, nil)
		requireOK(t, err, "action runs")
		if len(runs.Items) == 0 {
			t.Fatal("no action run to walk with")
		}
		keys, err := a.ev.admin.ListKeys(ctx, nil)
		requireOK(t, err, "keys")
		keyID := keys.Items[0].ID

		b := newEnv(t, s, "tenant-b", nil)
		b.bootstrap("req", "B Requester")
		secrets := []string{"tenant-a-secret", "Rita Secretname", "Purchase Approval", "zebra", "Zebra", "Acme Corp", "@tenant-a-secret.example"}

		// Path parameters: the first tenant's ids.
		params := map[string]string{
			"/api/v1/workflows/{id}": a.wfID, "/api/v1/pipelines/{id}": pipelineID, "/api/v1/stages/{id}": stageID,
			"/api/v1/actions/{id}": action.ID, "/api/v1/instances/{id}": inst.ID, "/api/v1/keys/{id}": keyID,
			"/api/v1/users/{id}": "u1", "/api/v1/roles/{id}": "finance", "/api/v1/action-runs/{id}": runs.Items[0].ID,
		}
		fill := func(path string) string {
			path = strings.ReplaceAll(path, "{user_id}", "u1")
			path = strings.ReplaceAll(path, "{type}", "secret_type")
			if strings.HasPrefix(path, "/api/v1/subjects/") {
				return strings.Replace(path, "{id}", "s-42", 1)
			}
			for prefix, id := range params {
				if strings.HasPrefix(path, prefix) {
					return strings.Replace(path, "{id}", id, 1)
				}
			}
			return path
		}
		// Bodies: valid shapes that name the first tenant's objects.
		bodies := map[string]string{
			"POST /api/v1/workflows":           `{"name": "W", "pipelines": [{"name": "P", "stages": [{"name": "S", "stage_info": {"approvals": [{"approval_type": "role", "user_role": "finance"}]}}]}]}`,
			"POST /api/v1/instances":           `{"workflow_id": "` + a.wfID + `", "subject": {"type": "secret_type", "id": "s-42"}}`,
			"POST /api/v1/actions":             `{"scope": "stage", "scope_id": "` + stageID + `", "action_type": "after_approve", "handler": "h"}`,
			"POST /api/v1/roles":               `{"id": "finance", "members": ["u1"]}`,
			"POST /api/v1/keys":                `{"user_id": "u1"}`,
			"POST /api/v1/users":               `{"id": "b-user"}`,
			"POST /api/v1/forms":               `{"id": "b-form", "schema": {"type": "object"}}`,
			"PUT /api/v1/subject-types/{type}": `{"workflows": ["` + a.wfID + `"]}`,
			"POST /api/v1/cleanup":             `{"days": 0}`,
		}
		defaultBody := map[string]string{
			"decisions": `{"action": "approved"}`, "workflow_action": `{"action": "approved"}`,
			"pipelines": `{"name": "P2"}`, "stages": `{"name": "S2"}`,
		}
		// Routes that name no object of the first tenant may answer 2xx
		// (lists, and creations of the second tenant's own objects).
		mayPass := map[string]bool{
			"GET /api/v1/workflows": true, "GET /api/v1/actions": true, "GET /api/v1/users": true, "GET /api/v1/roles": true,
			"GET /api/v1/forms": true, "GET /api/v1/keys": true, "GET /api/v1/inbox": true, "GET /api/v1/statistics": true, "GET /api/v1/action-runs": true,
			"GET /api/v1/cleanup/stats": true, "POST /api/v1/cleanup": true,
			"POST /api/v1/users": true, "POST /api/v1/forms": true,
		}

		var walked []string
		for path, item := range b.api.OpenAPI().Paths {
			for _, m := range []struct {
				method string
				op     *huma.Operation
			}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
				method := m.method
				if m.op == nil {
					continue
				}
				route := method + " " + path
				walked = append(walked, route)
				body, ok := bodies[route]
				if !ok && method != "GET" && method != "DELETE" {
					body = `{"name": "x"}`
					for suffix, b := range defaultBody {
						if strings.HasSuffix(path, suffix) {
							body = b
						}
					}
					if strings.HasSuffix(path, "/start") || strings.HasSuffix(path, "/validate") || strings.Contains(path, "/members/") {
						body = ""
					}
				}
				var raw []byte
				if body != "" {
					raw = []byte(body)
				}
				r, err := b.admin.Do(ctx, method, fill(path), raw, nil)
				requireOK(t, err, route)
				if r.Status >= 200 && r.Status < 300 && !mayPass[route] {
					t.Errorf("%s (%s) answered %d: %s", route, fill(path), r.Status, r.Body)
				}
				if r.Status >= 500 {
					t.Errorf("%s answered %d: %s", route, r.Status, r.Body)
				}
				for _, secret := range secrets {
					if strings.Contains(string(r.Body), secret) {
						t.Errorf("%s leaks %q: %s", route, secret, r.Body)
					}
				}
			}
		}
		sort.Strings(walked)
		if len(walked) < 45 {
			t.Fatalf("walked only %d routes: %v", len(walked), walked)
		}

		// The first tenant still sees its own.
		for _, id := range []string{inst.ID, done.ID} {
			if _, err := a.users["req"].GetInstance(ctx, id); err != nil {
				t.Fatalf("tenant A lost its instance %s: %v", id, err)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }
