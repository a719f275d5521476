package tracing_test

import (
	"cmp"
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/tracing"
)

// TestObserver makes one span per command: a refusal is an attribute, an
// unexpected error the span's status; an attach learns its instance at
// the end.
func TestObserver(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		c       flowgate.Command
		end     string // instance id an attach learns
		err     error
		span    string
		attrs   map[attribute.Key]string
		status  codes.Code
		refusal string
	}{
		{"decision", flowgate.Command{Kind: flowgate.CommandDecide, Action: flowgate.ActionApprove, TenantID: "acme", InstanceID: "i1"},
			"", nil, "flowgate.decide",
			map[attribute.Key]string{tracing.AttrCommand: "decide", tracing.AttrAction: "approved", tracing.AttrTenant: "acme", tracing.AttrInstance: "i1"},
			codes.Unset, ""},
		{"refused", flowgate.Command{Kind: flowgate.CommandDecide, Action: flowgate.ActionReject, TenantID: "acme", InstanceID: "i1"},
			"", flowtype.Refuse(flowtype.CodeConflict, "lost"), "flowgate.decide",
			map[attribute.Key]string{tracing.AttrAction: "rejected"}, codes.Unset, "conflict"},
		{"failed", flowgate.Command{Kind: flowgate.CommandStart, TenantID: "acme", InstanceID: "i2"},
			"", errors.New("database is down"), "flowgate.start",
			map[attribute.Key]string{tracing.AttrCommand: "start", tracing.AttrInstance: "i2"}, codes.Error, ""},
		{"attach", flowgate.Command{Kind: flowgate.CommandAttach, TenantID: "acme"},
			"i3", nil, "flowgate.attach",
			map[attribute.Key]string{tracing.AttrCommand: "attach", tracing.AttrInstance: "i3"}, codes.Unset, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			exp := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
			o := tracing.NewObserver(tp)
			c := tt.c
			ctx := o.CommandStarted(context.Background(), &c)
			c.InstanceID = cmp.Or(c.InstanceID, tt.end)
			o.CommandEnded(ctx, &c, time.Millisecond, tt.err)
			spans := exp.GetSpans()
			if len(spans) != 1 || spans[0].Name != tt.span {
				t.Fatalf("spans %v, want one %s", spans, tt.span)
			}
			got := map[attribute.Key]string{}
			for _, kv := range spans[0].Attributes {
				got[kv.Key] = kv.Value.AsString()
			}
			for k, v := range tt.attrs {
				if got[k] != v {
					t.Errorf("attribute %s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
			if got[tracing.AttrRefusal] != tt.refusal || spans[0].Status.Code != tt.status {
				t.Errorf("refusal %q, status %v; want %q, %v", got[tracing.AttrRefusal], spans[0].Status.Code, tt.refusal, tt.status)
			}
		})
	}
}
