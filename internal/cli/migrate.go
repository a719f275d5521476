package cli

import (
	"fmt"

	"github.com/flowgate/flowgate/store/sqlstore"
)

type migrateCmd struct {
	Up     migrateUpCmd     `cmd:"" default:"1" help:"Apply every pending migration (the default)."`
	Down   migrateDownCmd   `cmd:"" help:"Revert the newest migration."`
	Status migrateStatusCmd `cmd:"" help:"List migrations and whether each is applied."`
}

func (env *Env) openStore() (*sqlstore.Store, error) {
	return sqlstore.Open(env.Ctx, env.Global.DB, &sqlstore.Options{NoMigrate: true})
}

type migrateUpCmd struct{}

func (migrateUpCmd) Run(env *Env) error {
	s, err := env.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.MigrateUp(env.Ctx)
	if err != nil {
		return err
	}
	if len(res) == 0 {
		fmt.Fprintln(env.Out, "migrations: up to date")
	}
	for _, r := range res {
		fmt.Fprintf(env.Out, "applied %05d %s (%s)\n", r.Version, r.Name, r.Duration.Round(1000))
	}
	return nil
}

type migrateDownCmd struct{}

func (migrateDownCmd) Run(env *Env) error {
	s, err := env.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	r, err := s.MigrateDown(env.Ctx)
	if err != nil {
		return err
	}
	if r == nil {
		fmt.Fprintln(env.Out, "migrations: nothing to revert")
		return nil
	}
	fmt.Fprintf(env.Out, "reverted %05d %s\n", r.Version, r.Name)
	return nil
}

type migrateStatusCmd struct{}

func (migrateStatusCmd) Run(env *Env) error {
	s, err := env.openStore()
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.MigrateStatus(env.Ctx)
	if err != nil {
		return err
	}
	for _, m := range list {
		state := "pending"
		if m.Applied {
			state = "applied " + m.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(env.Out, "%05d %-30s %s\n", m.Version, m.Name, state)
	}
	return nil
}
