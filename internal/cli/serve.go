package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/store/sqlstore"
)

type serveCmd struct {
	// serviceFlags (config.go) holds the settings a configuration file
	// can also set: listen address, limits, OIDC, logs, e-mail, …
	serviceFlags `embed:""`
	Demo         bool `help:"Seed an empty database with a demo tenant, users, the README's Purchase Request workflow and a few requests; print one API key per demo user."`
	NoWorkers    bool `help:"Do not run the action workers in this process."`
}

func (c *serveCmd) Run(env *Env) error {
	ctx := env.Ctx
	cfg := effective(env.Global, &c.serviceFlags, env.Config)
	if ps := cfg.check(); len(ps) > 0 {
		return problemsError(env.Config.Path, ps)
	}
	logger := newLogger(env.Err, &c.serviceFlags)
	s, err := sqlstore.Open(ctx, env.Global.DB, &sqlstore.Options{Logger: logger, NoMigrate: c.NoMigrate})
	if err != nil {
		return err
	}
	defer s.Close()
	if c.NoMigrate {
		if err := refusePending(ctx, s); err != nil {
			return err
		}
	}
	tel, err := newTelemetry(ctx, &cfg.Telemetry, s, logger) // config_telemetry.go
	if err != nil {
		return err
	}
	defer tel.shutdown(logger) // flushes spans, before the store closes
	ecfg := engineConfig(cfg, logger)
	tel.configureEngine(ecfg)
	e, err := flowgate.New(ctx, s, ecfg)
	if err != nil {
		return err
	}
	if err := applySubjectTypes(env, e, cfg); err != nil {
		return err
	}
	var keys []demoKey
	if c.Demo {
		if keys, err = seedDemo(ctx, e); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	oidcTenant := c.OIDCTenant
	if oidcTenant == "" {
		oidcTenant = env.Global.Tenant
	}
	srv, err := api.New(ctx, e, &api.Config{
		Logger: logger, MaxBodyBytes: c.MaxBodyBytes,
		RateLimit: api.RateLimit{PerSecond: c.RateLimit, Burst: c.RateBurst},
		OIDC:      api.OIDCConfig{Issuer: c.OIDCIssuer, Audience: c.OIDCAudience, TenantID: oidcTenant},
		Ready:     func(ctx context.Context) error { return ready(ctx, s) },
		Metrics:   tel.registry, TracerProvider: tel.tracerProvider(),
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(env.Out, "Flowgate is serving %s (API docs: %s/docs)\n", url, url)
	if c.Demo {
		printDemo(env, url, keys)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	workersDone := make(chan error, 1)
	workersCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorkers()
	if c.NoWorkers {
		workersDone <- nil
	} else {
		go func() { workersDone <- e.RunWorkers(workersCtx) }()
	}
	// Periodic maintenance (scheduled cleanup, idempotency purge) runs on
	// the replica elected leader; it stops with the workers.
	maintenanceDone := startMaintenance(workersCtx, e, cfg)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("flowgate: shutting down: finishing in-flight requests", "timeout", c.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	stopWorkers()
	if merr := awaitMaintenance(shutdownCtx, maintenanceDone); merr != nil {
		err = errors.Join(err, merr)
	}
	if werr := <-workersDone; werr != nil {
		err = errors.Join(err, werr)
	}
	return err
}

// ready reports whether the database answers and every migration of this
// build is applied.
func ready(ctx context.Context, s *sqlstore.Store) error {
	if err := s.DB().PingContext(ctx); err != nil {
		return err
	}
	list, err := s.MigrateStatus(ctx)
	if err != nil {
		return err
	}
	for _, m := range list {
		if !m.Applied {
			return fmt.Errorf("migration %05d %s is not applied", m.Version, m.Name)
		}
	}
	return nil
}
