package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/flowgate/flowgate"
)

type keyCmd struct {
	Create keyCreateCmd `cmd:"" help:"Create an API key for a user of --tenant; prints the key alone (it is shown once)."`
	List   keyListCmd   `cmd:"" help:"List the tenant's API keys (never their secrets)."`
	Revoke keyRevokeCmd `cmd:"" help:"Revoke an API key at once."`
}

type keyCreateCmd struct {
	User  string `required:"" help:"The user the key acts as."`
	Name  string `help:"A label for the key."`
	Admin bool   `help:"May change definitions, the directory and keys."`
	ActAs bool   `name:"act-as" help:"May act for any user of the tenant (Flowgate-Acting-User header)."`
}

func (c *keyCreateCmd) Run(env *Env) error {
	e, done, err := env.openEngine()
	if err != nil {
		return err
	}
	defer done()
	if err := requireTenant(env, e); err != nil {
		return err
	}
	secret, _, err := e.CreateAPIKey(env.Ctx, env.Global.Tenant, &flowgate.APIKeyParams{
		UserID: c.User, Name: c.Name, Admin: c.Admin, ActAs: c.ActAs, CreatedBy: "flowgate key create",
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Out, secret)
	return nil
}

type keyListCmd struct{}

func (keyListCmd) Run(env *Env) error {
	e, done, err := env.openEngine()
	if err != nil {
		return err
	}
	defer done()
	keys, err := e.ListAPIKeys(env.Ctx, env.Global.Tenant)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tPREFIX\tUSER\tADMIN\tACT AS\tLAST USED\tREVOKED\tNAME")
	for _, k := range keys {
		fmt.Fprintf(w, "%s\t%s…\t%s\t%v\t%v\t%s\t%s\t%s\n", k.ID, k.Prefix, k.UserID, k.Admin, k.ActAs, when(k.LastUsedAt), when(k.RevokedAt), k.Name)
	}
	return w.Flush()
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

type keyRevokeCmd struct {
	ID string `arg:"" help:"The key's id (see key list)."`
}

func (c *keyRevokeCmd) Run(env *Env) error {
	e, done, err := env.openEngine()
	if err != nil {
		return err
	}
	defer done()
	return e.RevokeAPIKey(env.Ctx, env.Global.Tenant, c.ID)
}

// requireTenant refuses to work in a tenant that does not exist.
func requireTenant(env *Env, e *flowgate.Engine) error {
	_, err := e.GetTenant(env.Ctx, env.Global.Tenant)
	if errors.Is(err, flowgate.ErrNotFound) {
		return fmt.Errorf("tenant %q does not exist: create it with flowgate tenant create %s", env.Global.Tenant, env.Global.Tenant)
	}
	return err
}
