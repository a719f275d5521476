package logctx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/trace"

	"github.com/flowgate/flowgate/internal/logctx"
)

// record logs one line with ctx through a JSON handler wrapped once or
// twice, and returns the line's fields.
func record(t *testing.T, ctx context.Context, wraps int, args ...any) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	var h slog.Handler = slog.NewJSONHandler(&buf, nil)
	for range wraps {
		h = logctx.NewHandler(h)
	}
	slog.New(h).InfoContext(ctx, "hello", args...)
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	delete(m, "time")
	return m
}

func TestHandler(t *testing.T) {
	t.Parallel()
	tid, _ := trace.TraceIDFromHex("0102030405060708090a0b0c0d0e0f10")
	sid, _ := trace.SpanIDFromHex("0102030405060708")
	spanCtx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	tests := []struct {
		name  string
		ctx   func() context.Context
		wraps int
		want  map[string]any
	}{
		{"no scope", context.Background, 1, map[string]any{"level": "INFO", "msg": "hello"}},
		{"with", func() context.Context {
			return logctx.With(context.Background(), slog.String("request_id", "r1"))
		}, 1, map[string]any{"level": "INFO", "msg": "hello", "request_id": "r1"}},
		{"added after the fact is seen by the outer context", func() context.Context {
			outer := logctx.With(context.Background(), slog.String("request_id", "r1"))
			inner := context.WithValue(outer, struct{}{}, 1)
			logctx.Add(inner, slog.String("tenant", "acme"))
			return outer
		}, 1, map[string]any{"level": "INFO", "msg": "hello", "request_id": "r1", "tenant": "acme"}},
		{"nested scopes, outermost first", func() context.Context {
			ctx := logctx.With(context.Background(), slog.String("request_id", "r1"))
			ctx = logctx.With(ctx, slog.String("instance_id", "i1"))
			logctx.Add(ctx, slog.String("tenant", "acme"))
			return ctx
		}, 1, map[string]any{"level": "INFO", "msg": "hello", "request_id": "r1", "instance_id": "i1", "tenant": "acme"}},
		{"wrapped twice adds once", func() context.Context {
			return logctx.With(context.Background(), slog.String("request_id", "r1"))
		}, 2, map[string]any{"level": "INFO", "msg": "hello", "request_id": "r1"}},
		{"span ids", func() context.Context { return spanCtx }, 1, map[string]any{"level": "INFO", "msg": "hello",
			"trace_id": "0102030405060708090a0b0c0d0e0f10", "span_id": "0102030405060708"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, record(t, tt.ctx(), tt.wraps)); diff != "" {
				t.Fatalf("record (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAddWithoutScope(t *testing.T) {
	t.Parallel()
	if logctx.Add(context.Background(), slog.String("k", "v")) {
		t.Fatal("Add without a scope reported true")
	}
	if got := logctx.Attrs(context.Background()); len(got) != 0 {
		t.Fatalf("Attrs = %v", got)
	}
}

// TestWithAttrsAndGroups keeps the context's attributes through a
// logger's With and puts them in the logger's group.
func TestWithAttrsAndGroups(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(logctx.NewHandler(slog.NewTextHandler(&buf, nil))).With("component", "engine").WithGroup("g")
	l.InfoContext(logctx.With(context.Background(), slog.String("request_id", "r1")), "x", "k", 1)
	if got := buf.String(); !strings.Contains(got, "component=engine") || !strings.Contains(got, "g.request_id=r1") {
		t.Fatalf("line: %s", got)
	}
}
