package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/client"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
)

// newObservedSmall is newSmall over an engine configured by ecfg (its
// observer, logger).
func newObservedSmall(t testing.TB, s store.Store, tenant string, ecfg *flowgate.Config, acfg *api.Config) *small {
	t.Helper()
	ctx := t.Context()
	e, err := flowgate.New(ctx, s, ecfg)
	if err != nil {
		t.Fatalf("flowgate.New: %v", err)
	}
	srv, err := api.New(ctx, e, acfg)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	ev := &env{t: t, e: e, srv: hs, api: srv, tenant: tenant}
	ev.bootstrap("adm", "Ada Admin")
	ev.admin = ev.key("adm", true, false)
	sm := &small{ev: ev, users: map[string]*client.Client{}}
	for _, u := range []string{"req", "r2", "u1", "u2", "u3"} {
		_, err := ev.admin.CreateUser(ctx, &api.UserCreateRequest{ID: api.FlexID(u), Name: "User " + u, Email: u + "@" + tenant + ".example"})
		requireOK(t, err, "create user "+u)
		sm.users[u] = ev.key(u, false, false)
	}
	_, err = ev.admin.CreateRole(ctx, &api.RoleRequest{ID: "finance", Name: "Finance", Members: []api.FlexID{"u1", "u2", "u3"}})
	requireOK(t, err, "create role")
	wf, err := ev.admin.CreateWorkflow(ctx, json.RawMessage(smallWorkflow))
	requireOK(t, err, "create workflow")
	sm.wfID = wf.ID
	return sm
}

// logBuffer collects JSON log lines, safe for concurrent writers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the decoded lines whose every given field has the value.
func (b *logBuffer) lines(t *testing.T, match map[string]string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("not a JSON log line: %s", l)
		}
		ok := true
		for k, v := range match {
			if s, _ := m[k].(string); s != v {
				ok = false
			}
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// loggingObserver logs, with the engine's logger and the context the
// engine runs the command with, one line per command: a stand-in for any
// engine log made while serving a request.
type loggingObserver struct{ log *slog.Logger }

func (o loggingObserver) CommandStarted(ctx context.Context, c *flowgate.Command) context.Context {
	o.log.InfoContext(ctx, "engine command", "command", string(c.Kind))
	return ctx
}

func (o loggingObserver) CommandEnded(context.Context, *flowgate.Command, time.Duration, error) {}

// TestRequestLogs checks that a request's X-Request-Id comes back in the
// response and is on its access log line with the tenant and instance,
// and on the logs the engine makes with the request's context; and that
// a request without a sane id gets one made up.
func TestRequestLogs(t *testing.T) {
	t.Parallel()
	s := dbtest.Open(t, dbtest.SQLite)
	var logs logBuffer
	logger := slog.New(api.ContextLogHandler(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	sm := newObservedSmall(t, s, "acme", &flowgate.Config{Logger: logger, Observer: loggingObserver{logger}}, &api.Config{Logger: logger})
	in := sm.attach(t, "42")
	path := "/api/v1/instances/" + in.ID + "/decisions"

	r, err := sm.users["u1"].Do(t.Context(), http.MethodPost, path, []byte(`{"action": "approved"}`),
		http.Header{api.RequestIDHeader: {"req-7f3a:1"}})
	requireOK(t, err, "POST decision")
	if r.Status != http.StatusOK || r.Header.Get(api.RequestIDHeader) != "req-7f3a:1" {
		t.Fatalf("status %d, %s %q", r.Status, api.RequestIDHeader, r.Header.Get(api.RequestIDHeader))
	}
	access := logs.lines(t, map[string]string{"msg": "http request", "request_id": "req-7f3a:1"})
	if len(access) != 1 {
		t.Fatalf("%d access log lines with the request id, want 1", len(access))
	}
	want := map[string]any{"level": "INFO", "method": "POST", "route": "POST /api/v1/instances/{id}/decisions",
		"path": path, "status": 200.0, "tenant": "acme", "user": "u1", "instance_id": in.ID}
	for k, v := range want {
		if access[0][k] != v {
			t.Errorf("access log %s = %v, want %v (line %v)", k, access[0][k], v, access[0])
		}
	}
	engine := logs.lines(t, map[string]string{"msg": "engine command", "request_id": "req-7f3a:1", "tenant": "acme", "instance_id": in.ID})
	if len(engine) != 1 || engine[0]["command"] != "decide" {
		t.Fatalf("engine log lines with the request's attributes: %v", engine)
	}

	t.Run("MadeUp", func(t *testing.T) {
		for _, bad := range []string{"", "has space", strings.Repeat("x", 129), `a"b`, "é"} {
			h := http.Header{}
			if bad != "" {
				h[api.RequestIDHeader] = []string{bad}
			}
			r, err := sm.users["req"].Do(t.Context(), http.MethodGet, "/api/v1/instances/"+in.ID, nil, h)
			requireOK(t, err, "GET instance")
			id := r.Header.Get(api.RequestIDHeader)
			if id == "" || id == bad || len(logs.lines(t, map[string]string{"msg": "http request", "request_id": id})) != 1 {
				t.Fatalf("incoming %q: answered id %q", bad, id)
			}
		}
	})

	t.Run("Unauthenticated", func(t *testing.T) {
		r, err := client.New(sm.ev.srv.URL, "fg_nope").Do(t.Context(), http.MethodGet, "/api/v1/inbox", nil, nil)
		requireOK(t, err, "GET inbox")
		id := r.Header.Get(api.RequestIDHeader)
		lines := logs.lines(t, map[string]string{"msg": "http request", "request_id": id})
		if r.Status != http.StatusUnauthorized || len(lines) != 1 || lines[0]["status"] != 401.0 || lines[0]["tenant"] != nil {
			t.Fatalf("status %d, lines %v", r.Status, lines)
		}
	})

	t.Run("ProbesAtDebug", func(t *testing.T) {
		r, err := sm.users["req"].Do(t.Context(), http.MethodGet, "/healthz", nil, nil)
		requireOK(t, err, "GET /healthz")
		lines := logs.lines(t, map[string]string{"msg": "http request", "request_id": r.Header.Get(api.RequestIDHeader)})
		if len(lines) != 1 || lines[0]["level"] != "DEBUG" {
			t.Fatalf("healthz lines %v", lines)
		}
	})
}
