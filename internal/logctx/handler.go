package logctx

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Handler adds to every record the attributes of the record's context
// (With, Add) and, when the context holds a recording or remote span,
// its trace_id and span_id, so that logs and traces join.
type Handler struct {
	next slog.Handler
}

// NewHandler wraps next. A Handler is returned as it is, so that wrapping
// twice does not repeat the attributes.
func NewHandler(next slog.Handler) slog.Handler {
	if h, ok := next.(*Handler); ok {
		return h
	}
	return &Handler{next: next}
}

// Enabled reports whether next handles records of the level.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle adds the context's attributes and hands the record on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	attrs := appendAttrs(nil, from(ctx))
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		attrs = append(attrs, slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	if len(attrs) > 0 {
		// The record may share storage with a copy another handler holds
		// (a fan-out): add to a clone.
		r = r.Clone()
		r.AddAttrs(attrs...)
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a Handler over next.WithAttrs(attrs).
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(attrs)}
}

// WithGroup returns a Handler over next.WithGroup(name); the context's
// attributes then land in that group.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name)}
}
