package tracing

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/flowgate/flowgate"
)

// ScopeName is the instrumentation scope of the spans this package makes.
const ScopeName = "github.com/flowgate/flowgate"

// Attribute keys of command spans.
const (
	AttrCommand  = attribute.Key("flowgate.command")
	AttrAction   = attribute.Key("flowgate.action")
	AttrTenant   = attribute.Key("flowgate.tenant_id")
	AttrInstance = attribute.Key("flowgate.instance_id")
	// AttrRefusal is the refusal code (SEMANTICS §3.9) of a refused
	// command: conflict, not_assignee, …
	AttrRefusal = attribute.Key("flowgate.refusal")
)

// Observer makes a span, named "flowgate.<command>" (flowgate.attach,
// flowgate.start, flowgate.decide), of each command, child of the span in
// the caller's context (the HTTP request's). A refusal is an outcome, not
// a failure: it sets flowgate.refusal and leaves the span's status unset;
// any other error sets the status to Error.
type Observer struct {
	tracer trace.Tracer
}

var _ flowgate.Observer = (*Observer)(nil)

// NewObserver returns an Observer making spans with tp's tracer.
func NewObserver(tp trace.TracerProvider) *Observer {
	return &Observer{tracer: tp.Tracer(ScopeName)}
}

// CommandStarted starts the command's span.
func (o *Observer) CommandStarted(ctx context.Context, c *flowgate.Command) context.Context {
	attrs := []attribute.KeyValue{AttrCommand.String(string(c.Kind)), AttrTenant.String(c.TenantID)}
	if c.Action != "" {
		attrs = append(attrs, AttrAction.String(string(c.Action)))
	}
	if c.InstanceID != "" {
		attrs = append(attrs, AttrInstance.String(c.InstanceID))
	}
	ctx, _ = o.tracer.Start(ctx, "flowgate."+string(c.Kind), trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	return ctx
}

// CommandEnded ends the command's span with its outcome.
func (o *Observer) CommandEnded(ctx context.Context, c *flowgate.Command, _ time.Duration, err error) {
	span := trace.SpanFromContext(ctx)
	if c.Kind == flowgate.CommandAttach && c.InstanceID != "" {
		span.SetAttributes(AttrInstance.String(c.InstanceID))
	}
	if err != nil {
		if code := flowgate.CodeOf(err); code != "" {
			span.SetAttributes(AttrRefusal.String(string(code)))
		} else {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
	}
	span.End()
}
