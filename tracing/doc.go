// Package tracing makes OpenTelemetry traces of a Flowgate engine: an
// Observer that turns each attach, start and decision into a span, and a
// tracer provider exporting over OTLP/HTTP. Tracing is off unless you set
// it up:
//
//	tp, err := tracing.NewProvider(ctx, &tracing.ProviderConfig{Endpoint: "http://collector:4318"})
//	defer tp.Shutdown(context.Background()) // flushes the spans still buffered
//	cfg := &flowgate.Config{Observer: tracing.NewObserver(tp)}
//
// Give the same provider to api.Config.TracerProvider for a span per HTTP
// request, parent of the command's span. flowgate serve does this when
// telemetry.otlp_endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT) is set.
package tracing
