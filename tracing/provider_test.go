package tracing_test

import (
	"strings"
	"testing"

	"github.com/flowgate/flowgate/tracing"
)

func TestTracesURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint, want, err string
	}{
		{"http://localhost:4318", "http://localhost:4318/v1/traces", ""},
		{"http://localhost:4318/", "http://localhost:4318/v1/traces", ""},
		{"https://otel.example.com/otlp", "https://otel.example.com/otlp/v1/traces", ""},
		{"https://otel.example.com/otlp/v1/traces", "https://otel.example.com/otlp/v1/traces", ""},
		{"localhost:4318", "", "http:// or https://"},
		{"grpc://collector:4317", "", "http:// or https://"},
		{"http://", "", "want a host"},
		{"http://bad host/", "", "not a URL"},
	}
	for _, tt := range tests {
		got, err := tracing.TracesURL(tt.endpoint)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("TracesURL(%q) = %q, %v; want an error saying %q", tt.endpoint, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("TracesURL(%q) = %q, %v; want %q", tt.endpoint, got, err, tt.want)
		}
	}
}

func TestNewProviderRefusesABadEndpoint(t *testing.T) {
	t.Parallel()
	if _, err := tracing.NewProvider(t.Context(), &tracing.ProviderConfig{Endpoint: "collector:4318"}); err == nil {
		t.Fatal("NewProvider accepted an endpoint without a scheme")
	}
}
