package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/flowgate/flowgate/internal/cli"
)

// spanSink is an OTLP/HTTP receiver keeping the names of the spans posted
// to /v1/traces.
type spanSink struct {
	mu    sync.Mutex
	names []string
}

func (s *spanSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "want an OTLP protobuf POST to /v1/traces", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				s.names = append(s.names, sp.GetName())
			}
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeTelemetry runs serve with JSON logs and traces sent to an
// in-process receiver: a request's id and tenant are on its log line,
// /metrics has the engine's, the database's and the pools' metrics, and
// the request's span arrives by the time serve has stopped.
func TestServeTelemetry(t *testing.T) {
	t.Parallel()
	sink := &spanSink{}
	collector := httptest.NewServer(sink)
	t.Cleanup(collector.Close)
	db := filepath.Join(t.TempDir(), "flowgate.db")
	for _, args := range [][]string{
		{"--db", db, "tenant", "create", "acme"},
		{"--db", db, "--tenant", "acme", "user", "create", "ada"},
	} {
		if code, _, errs := run(t, args...); code != 0 {
			t.Fatalf("%v: %s", args, errs)
		}
	}
	_, out, _ := run(t, "--db", db, "--tenant", "acme", "key", "create", "--user", "ada")
	key := strings.TrimSpace(out)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"--db", db, "serve", "--addr", "127.0.0.1:0", "--no-workers",
			"--log-format", "json", "--otlp-endpoint", collector.URL}, stdout, stderr)
	}()
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, rest, ok := strings.Cut(stdout.String(), "Flowgate is serving "); ok {
			base, _, _ = strings.Cut(rest, " ")
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("serve did not start: %s", stderr.String())
	}
	get := func(path string, h http.Header) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		req.Header = h
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Body.Close() })
		return r
	}
	r := get("/api/v1/inbox", http.Header{"Authorization": {"Bearer " + key}, "X-Request-Id": {"cli-req-1"}})
	if r.StatusCode != http.StatusOK || r.Header.Get("X-Request-Id") != "cli-req-1" {
		t.Fatalf("GET /api/v1/inbox: %d, id %q", r.StatusCode, r.Header.Get("X-Request-Id"))
	}
	m := get("/metrics", nil)
	body, _ := io.ReadAll(m.Body)
	for _, want := range []string{"flowgate_decisions_total{", "flowgate_open_tasks{", "flowgate_action_runs_due ",
		`go_sql_open_connections{db_name="writer"}`, `go_sql_open_connections{db_name="reader"}`,
		`flowgate_http_requests_total{method="GET",route="GET /api/v1/inbox",status="200"} 1`, "process_cpu_seconds_total"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve: exit %d: %s", code, stderr.String())
	}
	var line map[string]any
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, `"request_id":"cli-req-1"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("not JSON: %s", l)
			}
		}
	}
	if line["msg"] != "http request" || line["tenant"] != "acme" || line["user"] != "ada" || line["status"] != 200.0 || line["trace_id"] == nil {
		t.Errorf("access log line %v in:\n%s", line, stderr.String())
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if !strings.Contains(strings.Join(sink.names, ","), "GET /api/v1/inbox") {
		t.Errorf("spans received: %v", sink.names)
	}
}
