package api_test

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/tracing"
)

// otlpReceiver is an OTLP/HTTP receiver: it decodes the protobuf bodies
// posted to /v1/traces and keeps their spans with their resources.
type otlpReceiver struct {
	mu        sync.Mutex
	spans     []*tracepb.Span
	resources []map[string]string
	posts     int
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "want a protobuf POST to /v1/traces", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	o.posts++
	for _, rs := range req.GetResourceSpans() {
		o.resources = append(o.resources, attrMap(rs.GetResource().GetAttributes()))
		for _, ss := range rs.GetScopeSpans() {
			o.spans = append(o.spans, ss.GetSpans()...)
		}
	}
	o.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (o *otlpReceiver) span(name string) *tracepb.Span {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range o.spans {
		if s.GetName() == name {
			return s
		}
	}
	return nil
}

func attrMap(kvs []*commonpb.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	return m
}

// TestTracing sends a decision, under a caller's trace, to a server
// exporting to an in-process OTLP/HTTP receiver, and finds the request's
// span continuing that trace, the engine's decide span below it, and the
// service's resource.
func TestTracing(t *testing.T) {
	t.Parallel()
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	t.Cleanup(collector.Close)
	tp, err := tracing.NewProvider(t.Context(), &tracing.ProviderConfig{Endpoint: collector.URL, ServiceVersion: "1.2.3"})
	requireOK(t, err, "tracing.NewProvider")
	sm := newObservedSmall(t, dbtest.Open(t, dbtest.SQLite), "acme",
		&flowgate.Config{Observer: tracing.NewObserver(tp)}, &api.Config{TracerProvider: tp})
	in := sm.attach(t, "42")

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	r, err := sm.users["u1"].Do(t.Context(), http.MethodPost, "/api/v1/instances/"+in.ID+"/decisions",
		[]byte(`{"action": "approved"}`), http.Header{"Traceparent": {"00-" + traceID + "-00f067aa0ba902b7-01"}})
	requireOK(t, err, "POST decision")
	if r.Status != http.StatusOK {
		t.Fatalf("decision: %d %s", r.Status, r.Body)
	}
	if _, err := sm.users["u1"].Do(t.Context(), http.MethodGet, "/metrics", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := tp.Shutdown(t.Context()); err != nil { // flushes
		t.Fatalf("Shutdown: %v", err)
	}

	httpSpan := recv.span("POST /api/v1/instances/{id}/decisions")
	decide := recv.span("flowgate.decide")
	if httpSpan == nil || decide == nil {
		t.Fatalf("spans received in %d posts: %v", recv.posts, recv.spans)
	}
	if got := hex.EncodeToString(httpSpan.GetTraceId()); got != traceID {
		t.Errorf("the request's span is in trace %s, not the caller's %s", got, traceID)
	}
	if hex.EncodeToString(httpSpan.GetParentSpanId()) != "00f067aa0ba902b7" || httpSpan.GetKind() != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("request span: parent %x, kind %v", httpSpan.GetParentSpanId(), httpSpan.GetKind())
	}
	if string(decide.GetParentSpanId()) != string(httpSpan.GetSpanId()) {
		t.Errorf("flowgate.decide's parent is %x, not the request's span %x", decide.GetParentSpanId(), httpSpan.GetSpanId())
	}
	wantAttrs := map[string]string{"flowgate.command": "decide", "flowgate.action": "approved",
		"flowgate.tenant_id": "acme", "flowgate.instance_id": in.ID}
	got := attrMap(decide.GetAttributes())
	for k, v := range wantAttrs {
		if got[k] != v {
			t.Errorf("flowgate.decide attribute %s = %q, want %q", k, got[k], v)
		}
	}
	if h := attrMap(httpSpan.GetAttributes()); h["http.route"] != "/api/v1/instances/{id}/decisions" || h["flowgate.tenant_id"] != "acme" {
		t.Errorf("request span attributes %v", h)
	}
	if recv.span("flowgate.attach") == nil {
		t.Errorf("no flowgate.attach span")
	}
	if recv.span("GET /metrics") != nil {
		t.Errorf("a probe made a span")
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if res := recv.resources[0]; res["service.name"] != "flowgate" || res["service.version"] != "1.2.3" {
		t.Errorf("resource %v", res)
	}
}
