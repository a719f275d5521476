// Package cli holds the flowgate commands. Each command is a struct whose
// fields are its flags (kong); Run parses arguments and runs one, writing
// to the given streams so tests can capture them.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/alecthomas/kong"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// Globals are the flags every command shares.
type Globals struct {
	DB     string `help:"Database: a SQLite file path, or a postgres:// URL." default:"./flowgate.db" env:"FLOWGATE_DB"`
	Tenant string `help:"Tenant the command works in." default:"default" env:"FLOWGATE_TENANT"`
	Config string `help:"YAML configuration file (see docs/configuration.md); flags and FLOWGATE_* variables override it." env:"FLOWGATE_CONFIG"`
}

// Env is what a command runs with.
type Env struct {
	Ctx    context.Context
	Out    io.Writer
	Err    io.Writer
	Global *Globals
	// Config is the configuration file (empty when none is given).
	Config *loadedConfig
}

type root struct {
	Globals

	Migrate  migrateCmd  `cmd:"" help:"Apply, revert or list database migrations."`
	Workflow workflowCmd `cmd:"" help:"Validate, import and export workflow definitions."`
	Serve    serveCmd    `cmd:"" help:"Serve the HTTP API (migrates the database first)."`
	Tenant_  tenantCmd   `cmd:"" name:"tenant" help:"Manage tenants."`
	User     userCmd     `cmd:"" help:"Manage users."`
	Key      keyCmd      `cmd:"" help:"Create, list and revoke API keys."`
	Dir      dirCmd      `cmd:"" name:"directory" help:"Import users, roles and forms from a file."`
	Version  versionCmd  `cmd:"" help:"Print the version."`
	Config_  configCmd   `cmd:"" name:"config" help:"Check the configuration."`
	Cleanup  cleanupCmd  `cmd:"" help:"Delete finished instances older than N days, or print statistics (--stats)."`
	Bench    benchCmd    `cmd:"" help:"Measure decisions, inbox reads and cleanup against the ideal engine on fresh databases."`
}

// Run parses args and runs the command, returning the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var r root
	exit := -1
	lc, err := loadConfig(configPath(args))
	if err != nil {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 1
	}
	parser, err := kong.New(&r,
		kong.Resolvers(lc.resolver()),
		kong.Name("flowgate"),
		kong.Description("Flowgate: database-defined approval workflows."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.UsageOnError(),
	)
	if err != nil {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exit >= 0 {
		return exit
	}
	if err != nil {
		fmt.Fprintln(stderr, "flowgate:", err)
		return 2
	}
	env := &Env{Ctx: ctx, Out: stdout, Err: stderr, Global: &r.Globals, Config: lc}
	if len(lc.Problems) > 0 && kctx.Command() != "config check" {
		printError(stderr, problemsError(lc.Path, lc.Problems))
		return 1
	}
	if err := kctx.Run(env); err != nil {
		printError(stderr, err)
		return 1
	}
	return 0
}

// printError prints err with every field problem on its own line.
func printError(w io.Writer, err error) {
	var verr *flowgate.ValidationError
	if !errors.As(err, &verr) {
		fmt.Fprintln(w, "flowgate:", err)
		return
	}
	fmt.Fprintln(w, "flowgate: invalid:")
	printProblems(w, err)
}

// printProblems prints each field problem of a validation error, or err.
func printProblems(w io.Writer, err error) {
	var verr *flowgate.ValidationError
	if errors.As(err, &verr) {
		for _, fe := range verr.Errors {
			if fe.Path == "" {
				fmt.Fprintf(w, "  - %s\n", fe.Message)
			} else {
				fmt.Fprintf(w, "  - %s: %s\n", fe.Path, fe.Message)
			}
		}
		return
	}
	fmt.Fprintln(w, "  -", err)
}

// openEngine opens the database (migrating it) and an engine over it.
func (env *Env) openEngine() (*flowgate.Engine, func(), error) {
	s, err := sqlstore.Open(env.Ctx, env.Global.DB, &sqlstore.Options{})
	if err != nil {
		return nil, nil, err
	}
	e, err := flowgate.New(env.Ctx, s, &flowgate.Config{})
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return e, func() { s.Close() }, nil
}

// ensureTenant creates the global tenant when it does not exist yet, so
// that a fresh database works without set-up.
func (env *Env) ensureTenant(e *flowgate.Engine) error {
	if _, err := e.GetTenant(env.Ctx, env.Global.Tenant); err == nil {
		return nil
	} else if !errors.Is(err, flowgate.ErrNotFound) {
		return err
	}
	_, err := e.CreateTenant(env.Ctx, env.Global.Tenant, env.Global.Tenant)
	return err
}

// Version is set at build time with -ldflags "-X …cli.Version=v1.2.3".
var Version = "dev"

type versionCmd struct{}

func (versionCmd) Run(env *Env) error {
	fmt.Fprintln(env.Out, "flowgate", Version)
	return nil
}
