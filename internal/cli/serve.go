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
	Addr            string        `help:"Address to listen on (port 0 picks a free one)." default:"127.0.0.1:8080" env:"FLOWGATE_ADDR"`
	Demo            bool          `help:"Seed an empty database with a demo tenant, users, the README's Purchase Request workflow and a few requests; print one API key per demo user."`
	MaxBodyBytes    int64         `help:"Request body cap in bytes." default:"1048576" env:"FLOWGATE_MAX_BODY_BYTES"`
	RateLimit       float64       `help:"Requests a second per key (0: no limit)." default:"0" env:"FLOWGATE_RATE_LIMIT"`
	RateBurst       int           `help:"Burst of the rate limit (default: the rate, rounded up)." env:"FLOWGATE_RATE_BURST"`
	OIDCIssuer      string        `name:"oidc-issuer" help:"Also accept OIDC ID tokens of this issuer." env:"FLOWGATE_OIDC_ISSUER"`
	OIDCAudience    string        `name:"oidc-audience" help:"The client id OIDC tokens must be issued to." env:"FLOWGATE_OIDC_AUDIENCE"`
	OIDCTenant      string        `name:"oidc-tenant" help:"Tenant whose users OIDC tokens map to (default: --tenant)." env:"FLOWGATE_OIDC_TENANT"`
	NoWorkers       bool          `help:"Do not run the action workers in this process."`
	ShutdownTimeout time.Duration `help:"On SIGTERM, how long in-flight requests and actions may take to finish." default:"30s"`
}

func (c *serveCmd) Run(env *Env) error {
	ctx := env.Ctx
	logger := slog.New(slog.NewTextHandler(env.Err, nil))
	s, err := sqlstore.Open(ctx, env.Global.DB, &sqlstore.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer s.Close()
	e, err := flowgate.New(ctx, s, &flowgate.Config{Logger: logger})
	if err != nil {
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
