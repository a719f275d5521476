package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/flowgate/flowgate/internal/logctx"
)

// probeRoutes are the operational routes machines poll: their access log
// lines are debug, and they make no spans, so that a scrape every few
// seconds does not drown the requests people make.
var probeRoutes = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// observe is the outermost middleware of the server's own: it gives the
// request its id (X-Request-Id, echoed in the response) and a log scope
// carrying it, names the request's span after its route, counts the
// request in the metrics, and writes one access log line when it ends,
// with the tenant and instance that later middleware added to the scope.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r)
		w.Header().Set(RequestIDHeader, id)
		ctx := logctx.With(r.Context(), slog.String("request_id", id))
		_, route := s.mux.Handler(r)
		if route == "" {
			route = "unmatched"
		}
		if span := trace.SpanFromContext(ctx); span.IsRecording() {
			span.SetName(spanName(r.Method, route))
			span.SetAttributes(attribute.String("http.route", routePath(route)), attribute.String("flowgate.request_id", id))
		}
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))
		d := time.Since(start)
		s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
		s.metrics.duration.WithLabelValues(route, r.Method).Observe(d.Seconds())
		level := slog.LevelInfo
		if probeRoutes[route] {
			level = slog.LevelDebug
		}
		s.log.LogAttrs(ctx, level, "http request", slog.String("method", r.Method), slog.String("route", route),
			slog.String("path", r.URL.Path), slog.Int("status", rec.status),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000))
	})
}

// annotate adds the authenticated tenant and user, and the instance an
// instance route names, to the request's log scope and span, so that the
// access log line and every log made with the request's context (the
// engine's too) carry them.
func (s *Server) annotate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if p := principalFrom(ctx); p.TenantID != "" {
			attrs := []slog.Attr{slog.String("tenant", p.TenantID), slog.String("user", p.UserID)}
			spanAttrs := []attribute.KeyValue{attribute.String("flowgate.tenant_id", p.TenantID)}
			if id := instanceIDOf(r.URL.Path); id != "" {
				attrs = append(attrs, slog.String("instance_id", id))
				spanAttrs = append(spanAttrs, attribute.String("flowgate.instance_id", id))
			}
			logctx.Add(ctx, attrs...)
			trace.SpanFromContext(ctx).SetAttributes(spanAttrs...)
		}
		next.ServeHTTP(w, r)
	})
}

// instanceIDOf returns the instance id of /api/v1/instances/{id}[/…], or "".
func instanceIDOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/v1/instances/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	if len(id) > maxRequestIDLen {
		return ""
	}
	return id
}

// traced wraps h in a span per request when the server has a tracer
// provider; the incoming W3C trace context and baggage continue the
// caller's trace. Probes make no spans.
func (s *Server) traced(h http.Handler) http.Handler {
	tp := s.cfg.TracerProvider
	if tp == nil {
		return h
	}
	return otelhttp.NewHandler(h, "http.server",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})),
		otelhttp.WithFilter(func(r *http.Request) bool {
			_, route := s.mux.Handler(r)
			return !probeRoutes[route]
		}))
}

// spanName is "METHOD /path/{pattern}": the mux pattern, which names the
// route without its ids.
func spanName(method, route string) string {
	if strings.HasPrefix(route, method+" ") {
		return route
	}
	return method + " " + routePath(route)
}

// routePath is the path part of a mux pattern ("POST /a/{id}" → "/a/{id}").
func routePath(route string) string {
	if _, path, ok := strings.Cut(route, " "); ok {
		return path
	}
	return route
}
