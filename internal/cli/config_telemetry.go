package cli

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/metrics"
	"github.com/flowgate/flowgate/store/sqlstore"
	"github.com/flowgate/flowgate/tracing"
)

// telemetryFlags are the observability settings beside log.level and
// log.format: where traces go. Metrics need none (/metrics is always
// served), and tracing is off unless an endpoint is named, here or by the
// standard OTEL_EXPORTER_OTLP_ENDPOINT. The file key is registered in
// init.
type telemetryFlags struct {
	OTLPEndpoint string `name:"otlp-endpoint" help:"Send OpenTelemetry traces to this OTLP/HTTP receiver, such as http://localhost:4318 (spans go to its /v1/traces). Empty: no tracing, unless OTEL_EXPORTER_OTLP_ENDPOINT is set." env:"FLOWGATE_OTLP_ENDPOINT"`
}

func init() {
	flagKeys["otlp-endpoint"] = "telemetry.otlp_endpoint"
}

// telemetryConfig is the file's telemetry section.
type telemetryConfig struct {
	OTLPEndpoint string `json:"otlp_endpoint"`
}

// telemetrySection is the telemetry section of the effective
// configuration.
func (f *telemetryFlags) telemetrySection() telemetryConfig {
	return telemetryConfig{OTLPEndpoint: f.OTLPEndpoint}
}

// checkTelemetry adds the problems of the telemetry settings.
func (c *fileConfig) checkTelemetry(add func(path, format string, a ...any)) {
	if e := c.Telemetry.OTLPEndpoint; e != "" {
		if _, err := tracing.TracesURL(e); err != nil {
			add("telemetry.otlp_endpoint", "%v", err)
		}
	}
}

// masked hides the password of an endpoint URL (collectors behind basic
// authentication), as config check does for the database's.
func (c telemetryConfig) masked() telemetryConfig {
	u, err := url.Parse(c.OTLPEndpoint)
	if err != nil || u.User == nil {
		return c
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxx")
		c.OTLPEndpoint = strings.Replace(u.String(), ":xxx@", ":***@", 1)
	}
	return c
}

// telemetry is what serve observes itself with: the registry /metrics
// serves, the engine's metrics observer, and the tracer provider when
// tracing is on.
type telemetry struct {
	registry *prometheus.Registry
	metrics  *metrics.Observer
	tp       *sdktrace.TracerProvider // nil: tracing off
}

// newTelemetry builds serve's registry (the engine's counters, the
// database's gauges and pool statistics, the Go runtime and the process)
// and, when an endpoint is configured, its tracer provider.
func newTelemetry(ctx context.Context, c *telemetryConfig, s *sqlstore.Store, logger *slog.Logger) (*telemetry, error) {
	t := &telemetry{registry: prometheus.NewRegistry(), metrics: metrics.NewObserver()}
	t.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		t.metrics, metrics.NewStoreCollector(s, &metrics.StoreCollectorOpts{Logger: logger}))
	for name, db := range s.Pools() {
		t.registry.MustRegister(collectors.NewDBStatsCollector(db, name))
	}
	if c.OTLPEndpoint == "" && !tracing.EnvConfigured() {
		return t, nil
	}
	// Export failures reach the service's log rather than the standard
	// logger (otel's error handler is process-wide; this is the process).
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { logger.Warn("flowgate: tracing", "err", err) }))
	tp, err := tracing.NewProvider(ctx, &tracing.ProviderConfig{Endpoint: c.OTLPEndpoint, ServiceVersion: Version})
	if err != nil {
		return nil, err
	}
	t.tp = tp
	logger.Info("flowgate: tracing on", "endpoint", c.masked().OTLPEndpoint)
	return t, nil
}

// configureEngine makes the engine report its commands (to the tracer
// first, so that its span encloses the counting) and the outcomes of
// action runs.
func (t *telemetry) configureEngine(ec *flowgate.Config) {
	var tr flowgate.Observer
	if t.tp != nil {
		tr = tracing.NewObserver(t.tp)
	}
	ec.Observer = flowgate.JoinObservers(tr, t.metrics)
	prev := ec.Workers.OnRecorded
	ec.Workers.OnRecorded = func(tenantID, runID string, status flowgate.RunStatus) {
		t.metrics.ActionRunRecorded(tenantID, runID, status)
		if prev != nil {
			prev(tenantID, runID, status)
		}
	}
}

// tracerProvider is the API's tracer provider: nil when tracing is off.
func (t *telemetry) tracerProvider() trace.TracerProvider {
	if t.tp == nil {
		return nil
	}
	return t.tp
}

// shutdown flushes the spans still buffered, for at most 5 seconds.
func (t *telemetry) shutdown(logger *slog.Logger) {
	if t.tp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.tp.Shutdown(ctx); err != nil {
		logger.Warn("flowgate: flushing traces", "err", err)
	}
}
