package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/internal/logctx"
)

// Version is the API's version in the OpenAPI document.
const Version = "1.0.0"

// DefaultMaxBodyBytes caps request bodies.
const DefaultMaxBodyBytes = 1 << 20

// Config configures the API server. The zero value is usable.
type Config struct {
	// Logger receives one access log line per request (info; debug for
	// /healthz, /readyz and /metrics) and request errors. Every line made
	// with a request's context carries its request_id, and once
	// authenticated its tenant, user and instance_id: the server wraps
	// the logger's handler with ContextLogHandler. Give the engine a
	// logger wrapped so too for its logs to carry them. Defaults to
	// slog.Default().
	Logger *slog.Logger
	// Metrics is the registry /metrics serves; the server adds its HTTP
	// request metrics to it, beside what the caller registered there (the
	// engine's: see package metrics). Defaults to a registry of the
	// server's own with the Go runtime and process collectors.
	Metrics *prometheus.Registry
	// TracerProvider, when set, makes a span of every request but the
	// probes, continuing the caller's trace (W3C trace context), parent of
	// the engine's spans (see package tracing). Defaults to none: no
	// tracing.
	TracerProvider trace.TracerProvider
	// MaxBodyBytes caps request bodies (413 payload_too_large beyond).
	// Defaults to 1 MiB.
	MaxBodyBytes int64
	// RateLimit, when its PerSecond is above zero, limits each key (or
	// OIDC user) to PerSecond requests a second with bursts of Burst
	// (429 rate_limited with Retry-After). Defaults to off.
	RateLimit RateLimit
	// OIDC, when its Issuer is set, also accepts OIDC ID tokens as bearer
	// tokens, mapped to users of OIDC.TenantID by subject, else by e-mail.
	OIDC OIDCConfig
	// Ready reports whether the server can serve (database reachable,
	// migrations current); /readyz answers 503 with its error. Defaults to
	// always ready.
	Ready func(ctx context.Context) error
	// Test holds switches for tests.
	Test TestConfig
}

// TestConfig holds test-only settings.
type TestConfig struct {
	// Now replaces the clock of the rate limiter. Defaults to time.Now.
	Now func() time.Time
}

// RateLimit is a token bucket per credential.
type RateLimit struct {
	PerSecond float64
	// Burst defaults to PerSecond rounded up (at least 1).
	Burst int
}

func (c *Config) withDefaults() Config {
	out := Config{}
	if c != nil {
		out = *c
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	out.Logger = slog.New(ContextLogHandler(out.Logger.Handler()))
	if out.MaxBodyBytes <= 0 {
		out.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if out.Ready == nil {
		out.Ready = func(context.Context) error { return nil }
	}
	if out.Test.Now == nil {
		out.Test.Now = time.Now
	}
	return out
}

// Server is the HTTP API: an http.Handler serving /api/v1/…, /openapi.json,
// /docs, /healthz, /readyz and /metrics.
type Server struct {
	e       *flowgate.Engine
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	api     huma.API
	auth    *authenticator
	limiter *limiter
	metrics *metrics
	handler http.Handler
}

// New builds the API over an engine.
func New(ctx context.Context, e *flowgate.Engine, cfg *Config) (*Server, error) {
	if e == nil {
		return nil, errors.New("api: New needs an engine")
	}
	c := cfg.withDefaults()
	s := &Server{e: e, cfg: c, log: c.Logger, mux: http.NewServeMux()}
	auth, err := newAuthenticator(ctx, e, &c.OIDC)
	if err != nil {
		return nil, err
	}
	s.auth = auth
	s.limiter = newLimiter(c.RateLimit, c.Test.Now)
	s.api = humago.New(s.mux, humaConfig())
	s.routes()
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /docs", s.docs)
	if s.metrics, err = newMetrics(c.Metrics); err != nil {
		return nil, err
	}
	s.mux.Handle("GET /metrics", s.metrics.handler())
	s.handler = s.traced(s.observe(s.recoverer(s.authenticate(s.annotate(s.problemsForMux(s.mux))))))
	return s, nil
}

// ContextLogHandler wraps h so that records logged with a request's
// context carry the request's request_id, tenant, user and instance_id
// (and trace_id and span_id when traced). Wrapping twice is harmless.
func ContextLogHandler(h slog.Handler) slog.Handler { return logctx.NewHandler(h) }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// OpenAPI returns the API's OpenAPI 3.1 document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

func humaConfig() huma.Config {
	c := huma.DefaultConfig("Flowgate API", Version)
	c.Info.Description = "Database-defined approval workflows. Every route under /api/v1 takes " +
		"`Authorization: Bearer <api key>`; errors are RFC 9457 problems with a stable `code` and, " +
		"for the engine's refusals, the specific `error`."
	c.CreateHooks = nil
	c.SchemasPath = ""
	c.DocsPath = ""
	c.OpenAPIPath = "/openapi"
	c.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API key (fg_…) or, when configured, an OIDC ID token."},
	}
	c.Security = []map[string][]string{{"bearer": {}}}
	return c
}

// recoverer turns a panic into a 500 problem, so that no input can take
// the process down.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "api: panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				writeProblem(w, internalProblem())
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// problemsForMux answers the mux's own 404 and 405 with problems.
func (s *Server) problemsForMux(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{header: http.Header{}}
		mux.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		if rec.status == http.StatusMethodNotAllowed {
			writeProblem(w, newProblem(http.StatusMethodNotAllowed, "method_not_allowed", "", r.Method+" is not allowed on "+r.URL.Path))
			return
		}
		writeProblem(w, newProblem(http.StatusNotFound, "not_found", "", "no route "+r.URL.Path))
	})
}

// statusRecorder captures the status and headers of a response it drops.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}
func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
