package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/client"
	"github.com/flowgate/flowgate/internal/dbtest"
)

// TestHTTPContract checks the conventions of API.md on one server: strict
// bodies, problems, limits, paging, operational routes.
func TestHTTPContract(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	sm := newSmall(t, dbtest.Open(t, dbtest.SQLite), "acme", nil)
	admin := sm.ev.admin
	in := sm.attach(t, "42")

	cases := []struct {
		name, method, path, body string
		status                   int
		code, refusal, errPath   string
	}{
		{"unknown decision field", "POST", "/api/v1/instances/" + in.ID + "/decisions", `{"action": "approved", "colour": 1}`, 422, "validation_failed", "validation_failed", "colour"},
		{"unknown nested attach field", "POST", "/api/v1/instances", `{"workflow_id": "x", "subject": {"type": "t", "id": "1", "size": 2}}`, 422, "validation_failed", "", "subject.size"},
		{"unknown workflow field", "POST", "/api/v1/workflows", `{"name": "W", "pipelines": [{"name": "P", "colour": "red"}]}`, 422, "validation_failed", "", "pipelines[0].colour"},
		{"unknown stage field", "PATCH", "/api/v1/stages/" + in.CurrentStage.ID, `{"name_en": "X", "stage_infos": {}}`, 422, "validation_failed", "", "stage_infos"},
		{"malformed JSON", "POST", "/api/v1/instances/" + in.ID + "/decisions", `{"action": `, 422, "validation_failed", "", ""},
		{"not an object", "POST", "/api/v1/instances/" + in.ID + "/decisions", `[1, 2]`, 422, "validation_failed", "", ""},
		{"unknown action", "POST", "/api/v1/instances/" + in.ID + "/decisions", `{"action": "bless"}`, 422, "validation_failed", "validation_failed", "action"},
		{"form_data not an object", "POST", "/api/v1/instances/" + in.ID + "/decisions", `{"action": "approved", "form_data": "x"}`, 422, "validation_failed", "", "form_data"},
		{"empty body", "POST", "/api/v1/instances/" + in.ID + "/decisions", ``, 422, "validation_failed", "", ""},
		{"decision on an unknown instance", "POST", "/api/v1/instances/nope/decisions", `{"action": "bless"}`, 404, "not_found", "not_found", ""},
		{"company of another tenant", "POST", "/api/v1/workflows", `{"name_en": "W", "company": 7}`, 422, "validation_failed", "", "company"},
		{"strategy rule", "POST", "/api/v1/workflows", `{"name": "W", "strategy": 3, "workflow_info": {}}`, 422, "validation_failed", "", "workflow_info"},
		{"limit not a number", "GET", "/api/v1/workflows?limit=abc", ``, 422, "validation_failed", "", "limit"},
		{"bad cursor", "GET", "/api/v1/users?cursor=!!", ``, 422, "validation_failed", "", "cursor"},
		{"cursor of another list", "GET", "/api/v1/users?cursor=dzp4", ``, 422, "validation_failed", "", "cursor"},
		{"unknown route", "GET", "/api/v1/nothing", ``, 404, "not_found", "", ""},
		{"method not allowed", "PUT", "/api/v1/workflows", `{}`, 405, "method_not_allowed", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.body != "" || c.method != "GET" {
				body = []byte(c.body)
			}
			r, err := admin.Do(ctx, c.method, c.path, body, nil)
			requireOK(t, err, "request")
			p := problemOfResponse(t, r)
			if r.Status != c.status || p.Code != c.code || (c.refusal != "" && p.Refusal != c.refusal) {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
			if c.errPath != "" && !hasPath(p, c.errPath) {
				t.Fatalf("no error at %q: %s", c.errPath, r.Body)
			}
			if p.Code == "validation_failed" && len(p.Errors) == 0 {
				t.Fatalf("validation_failed without errors: %s", r.Body)
			}
		})
	}

	t.Run("BodyCap", func(t *testing.T) {
		big := `{"action": "approved", "reason": "` + strings.Repeat("x", 1<<20) + `"}`
		r, err := admin.Do(ctx, "POST", "/api/v1/instances/"+in.ID+"/decisions", []byte(big), nil)
		requireOK(t, err, "request")
		if p := problemOfResponse(t, r); r.Status != http.StatusRequestEntityTooLarge || p.Code != "payload_too_large" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})

	t.Run("Cleanup", func(t *testing.T) {
		res, err := admin.Cleanup(ctx, &api.CleanupRequest{Days: 0, DryRun: true})
		requireOK(t, err, "dry run")
		if !res.DryRun {
			t.Fatalf("dry run: %+v", res)
		}
		stats, err := sm.users["u1"].CleanupStats(ctx)
		requireOK(t, err, "stats")
		if stats.Total < 1 || stats.Recommendation == "" {
			t.Fatalf("stats: %+v", stats)
		}
		_, err = sm.users["u1"].Cleanup(ctx, &api.CleanupRequest{Days: 30})
		requireProblem(t, err, http.StatusForbidden, "forbidden", "admin_required")
		_, err = admin.Cleanup(ctx, &api.CleanupRequest{Days: 30, Status: "in_progress"})
		if p := requireProblem(t, err, http.StatusUnprocessableEntity, "validation_failed", ""); !hasPath(p, "status") {
			t.Fatalf("errors %+v", p.Errors)
		}
	})

	t.Run("Paging", func(t *testing.T) {
		seen := map[string]bool{}
		opts := &client.ListOpts{Limit: 3}
		for page := 0; ; page++ {
			users, err := admin.ListUsers(ctx, opts)
			requireOK(t, err, "list users")
			for _, u := range users.Items {
				if seen[u.ID] {
					t.Fatalf("user %s listed twice", u.ID)
				}
				seen[u.ID] = true
			}
			if users.NextCursor == nil {
				break
			}
			opts.Cursor = *users.NextCursor
			if page > 10 {
				t.Fatal("paging does not end")
			}
		}
		if len(seen) != 7 { // adm and the six users of newSmall
			t.Fatalf("paged through %d users, want 7", len(seen))
		}
		big, err := admin.ListUsers(ctx, &client.ListOpts{Limit: 5000})
		requireOK(t, err, "limit above 500 reads as 500")
		if len(big.Items) != 7 || big.NextCursor != nil {
			t.Fatalf("limit 5000: %d items, cursor %v", len(big.Items), big.NextCursor)
		}
	})

	t.Run("Operational", func(t *testing.T) {
		anon := client.New(sm.ev.srv.URL, "")
		for _, path := range []string{"/healthz", "/readyz", "/openapi.json", "/docs", "/metrics"} {
			r, err := anon.Do(ctx, "GET", path, nil, nil)
			requireOK(t, err, path)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
		}
		r, _ := anon.Do(ctx, "GET", "/openapi.json", nil, nil)
		var doc struct {
			OpenAPI string `json:"openapi"`
		}
		if json.Unmarshal(r.Body, &doc); doc.OpenAPI != "3.1.0" {
			t.Fatalf("openapi %q", doc.OpenAPI)
		}
		r, _ = anon.Do(ctx, "GET", "/metrics", nil, nil)
		if !bytes.Contains(r.Body, []byte(`flowgate_http_requests_total{method="POST",route="POST /api/v1/instances/{id}/decisions",status="422"}`)) {
			t.Fatalf("/metrics does not count the decisions: %.2000s", r.Body)
		}
		r, _ = anon.Do(ctx, "GET", "/docs", nil, nil)
		if !bytes.Contains(r.Body, []byte("/api/v1/instances/{id}/decisions")) {
			t.Fatalf("/docs does not list the decisions route")
		}
	})
}

// TestRateLimit gives a key 2 requests a second with a burst of 2: the
// third at the same instant is 429 with Retry-After, and a second later
// the key may call again.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ev := newEnv(t, dbtest.Open(t, dbtest.SQLite), "acme", &api.Config{
		RateLimit: api.RateLimit{PerSecond: 2, Burst: 2}, Test: api.TestConfig{Now: clock},
	})
	ctx := t.Context()
	other := ev.key("adm", false, false)
	for i := 0; i < 2; i++ {
		_, err := ev.admin.ListWorkflows(ctx, nil)
		requireOK(t, err, "within the burst")
	}
	r, err := ev.admin.Do(ctx, "GET", "/api/v1/workflows", nil, nil)
	requireOK(t, err, "request")
	if p := problemOfResponse(t, r); r.Status != http.StatusTooManyRequests || p.Code != "rate_limited" || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("got %d Retry-After %q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if _, err := other.ListWorkflows(ctx, nil); err != nil {
		t.Fatalf("another key is limited apart: %v", err)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	_, err = ev.admin.ListWorkflows(ctx, nil)
	requireOK(t, err, "after a second")
}
