package tracing

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// ProviderConfig configures NewProvider. The zero value exports where
// the standard OTEL_EXPORTER_OTLP_* variables say (localhost:4318 when
// they say nothing).
type ProviderConfig struct {
	// Endpoint is the base URL of an OTLP/HTTP receiver, such as
	// http://collector:4318; spans are posted to its /v1/traces (a URL
	// already ending so is kept). http:// sends in clear, https:// over
	// TLS. Empty leaves it to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
	// OTEL_EXPORTER_OTLP_ENDPOINT.
	Endpoint string
	// ServiceName is the resource's service.name. Defaults to "flowgate";
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override it.
	ServiceName string
	// ServiceVersion is the resource's service.version.
	ServiceVersion string
}

// EnvConfigured reports whether the standard variables name an OTLP
// endpoint, which turns tracing on in flowgate serve.
func EnvConfigured() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
}

// TracesURL returns the URL spans are posted to for a base endpoint, or
// an error naming what is wrong with it.
func TracesURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("want an http:// or https:// URL, such as http://localhost:4318")
	}
	if u.Host == "" {
		return "", fmt.Errorf("want a host, such as http://localhost:4318")
	}
	if !strings.HasSuffix(u.Path, "/v1/traces") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	}
	return u.String(), nil
}

// NewProvider returns a tracer provider batching spans to an OTLP/HTTP
// receiver (protobuf bodies), sampling every trace unless the standard
// OTEL_TRACES_SAMPLER variables say otherwise. Shut it down on exit: that
// flushes the spans still buffered.
func NewProvider(ctx context.Context, c *ProviderConfig) (*sdktrace.TracerProvider, error) {
	if c == nil {
		c = &ProviderConfig{}
	}
	var opts []otlptracehttp.Option
	if c.Endpoint != "" {
		u, err := TracesURL(c.Endpoint)
		if err != nil {
			return nil, fmt.Errorf("tracing: endpoint %q: %w", c.Endpoint, err)
		}
		opts = append(opts, otlptracehttp.WithEndpointURL(u))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	name := c.ServiceName
	if name == "" {
		name = "flowgate"
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", name)}
	if c.ServiceVersion != "" {
		attrs = append(attrs, attribute.String("service.version", c.ServiceVersion))
	}
	// Later options win: the variables override the defaults above.
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithAttributes(attrs...), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}
