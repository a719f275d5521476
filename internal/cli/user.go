package cli

import (
	"fmt"

	"github.com/flowgate/flowgate"
)

type userCmd struct {
	Create userCreateCmd `cmd:"" help:"Create (or replace) a user of --tenant; prints its id."`
}

type userCreateCmd struct {
	ID       string `arg:"" help:"User id (the host application's)."`
	Name     string `help:"Display name."`
	Email    string `help:"E-mail address (notifications, OIDC mapping)."`
	Locale   string `help:"Language tag, such as en or ar."`
	Inactive bool   `help:"Create the user inactive."`
}

func (c *userCreateCmd) Run(env *Env) error {
	e, done, err := env.openEngine()
	if err != nil {
		return err
	}
	defer done()
	if err := requireTenant(env, e); err != nil {
		return err
	}
	u, err := e.SaveUser(env.Ctx, env.Global.Tenant, &flowgate.User{
		ID: c.ID, Name: c.Name, Email: c.Email, Locale: c.Locale, IsActive: !c.Inactive,
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Out, u.ID)
	return nil
}
