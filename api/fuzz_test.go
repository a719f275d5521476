package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/flowgate/flowgate/internal/dbtest"
)

// The fuzz targets send arbitrary bodies to a real server over loopback:
// whatever the body, the answer is never a 5xx (the server recovers from
// panics with a 500, so a panic fails too).

func FuzzDecisionBody(f *testing.F) {
	for _, seed := range []string{
		`{"action": "approved"}`, `{"action": "APPROVED", "form_data": {"x": 1}}`,
		`{"action": "rejected", "reason": "no"}`, `{"action": "NEEDS_RESUBMISSION", "stage_id": 1, "reason": "r"}`,
		`{"action": "DELEGATED", "user_id": {"val": 123}}`, `{"action": "resubmitted", "form_data": null}`,
		`{"action": "withdrawn"}`, `{"action": 1}`, `{"stage_id": {"val": {"val": 1}}}`, `[]`, `null`, `{`, ``,
		`{"action": "approved", "form_data": "x"}`, `{"action": "delegated", "user_id": 1e400}`,
	} {
		f.Add([]byte(seed))
	}
	sm := newSmall(f, dbtest.Open(f, dbtest.SQLite), "acme", nil)
	in := sm.attach(f, "42").ID
	users := []string{"u1", "u2", "req", "r2"}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, u := range users[:1+len(body)%len(users)] {
			r, err := sm.users[u].Do(t.Context(), http.MethodPost, "/api/v1/instances/"+in+"/decisions", body, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status >= 500 {
				t.Fatalf("body %q: %d %s", body, r.Status, r.Body)
			}
		}
	})
}

func FuzzWorkflowCreateBody(f *testing.F) {
	payload, err := os.ReadFile("../examples/purchase-request-original.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(payload)
	for _, seed := range []string{
		smallWorkflow, `{"name_en": "W", "strategy": 2, "pipelines": [{"name_en": "P", "pipeline_info": {"approvals": [{"approval_type": "user", "approval_user": "r2"}]}}]}`,
		`{"name": "W", "strategy": 3, "workflow_info": {"approvals": [{"approval_type": "ROLE", "user_role": {"val": "finance"}, "role_selection_strategy": "quorum", "quorum_percent": 60}]}}`,
		`{"name": "W", "pipelines": [{"name": "P", "number_of_stages": 100000}]}`, `{"name": {"en": "W", "x y": "?"}}`,
		`{"name": "W", "actions": [{"action_type": "after_approve", "function_path": "a.b", "parameters": [1]}]}`,
		`{"name": "W", "pipelines": [{"name": "P", "stages": [{"name": "S", "stage_info": {"approvals": [{"approval_type": "user", "approval_user": "r2", "condition": "subject.amount > "}]}}]}]}`,
		`{"strategy": 99999999999}`, `{"company": {"val": 1}}`, `"x"`, `{}`, ``,
	} {
		f.Add([]byte(seed))
	}
	sm := newSmall(f, dbtest.Open(f, dbtest.SQLite), "1", nil)
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := sm.ev.admin.Do(t.Context(), http.MethodPost, "/api/v1/workflows", body, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status >= 500 {
			t.Fatalf("body %q: %d %s", body, r.Status, r.Body)
		}
		if r.Status == http.StatusCreated {
			var id struct{ ID string }
			_ = json.Unmarshal(r.Body, &id)
			for _, path := range []string{"/api/v1/workflows/" + id.ID, "/api/v1/workflows/" + id.ID + "/structure",
				"/api/v1/workflows/" + id.ID + "/approval-summary", "/api/v1/workflows/" + id.ID + "/diagram.svg"} {
				g, err := sm.ev.admin.Do(t.Context(), http.MethodGet, path, nil, nil)
				if err != nil || g.Status != http.StatusOK {
					t.Fatalf("GET %s after create: %v %+v", path, err, g)
				}
			}
		}
	})
}
