package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/flowgate/flowgate"
)

type tenantCmd struct {
	Create tenantCreateCmd `cmd:"" help:"Create a tenant."`
}

type tenantCreateCmd struct {
	ID   string `arg:"" help:"Tenant id."`
	Name string `help:"Display name (default: the id)."`
}

func (c *tenantCreateCmd) Run(env *Env) error {
	e, done, err := env.openEngine()
	if err != nil {
		return err
	}
	defer done()
	name := c.Name
	if name == "" {
		name = c.ID
	}
	t, err := e.CreateTenant(env.Ctx, c.ID, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Out, t.ID)
	return nil
}

type dirCmd struct {
	Import dirImportCmd `cmd:"" help:"Create or update the users, roles, memberships and forms of a file."`
}

type dirImportCmd struct {
	File string `arg:"" type:"existingfile" help:"Directory file (YAML or JSON)."`
}

func (c *dirImportCmd) Run(env *Env) error {
	e, done, err := env.openEngine()
	if err != nil {
		return err
	}
	defer done()
	if err := env.ensureTenant(e); err != nil {
		return err
	}
	return importDirectory(env, e, c.File)
}

// directoryFile is the shape of a directory file: what a fresh tenant needs
// before workflows can name approvers and forms.
type directoryFile struct {
	Users []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Email    string `json:"email"`
		Locale   string `json:"locale"`
		IsActive *bool  `json:"is_active"`
	} `json:"users"`
	Roles []struct {
		ID      string   `json:"id"`
		Name    string   `json:"name"`
		Members []string `json:"members"`
	} `json:"roles"`
	Forms []struct {
		ID     string          `json:"id"`
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
	} `json:"forms"`
}

func importDirectory(env *Env, e *flowgate.Engine, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	n, err := importDirectoryData(env.Ctx, e, env.Global.Tenant, path, raw)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Err, "directory: %d users, %d roles, %d forms\n", n.users, n.roles, n.forms)
	return nil
}

type dirCounts struct{ users, roles, forms int }

// importDirectoryData creates or updates what a directory file (YAML or
// JSON) lists, in tenant; path names the file in errors.
func importDirectoryData(ctx context.Context, e *flowgate.Engine, tenant, path string, raw []byte) (dirCounts, error) {
	var n dirCounts
	doc, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return n, fmt.Errorf("%s: %w", path, err)
	}
	var f directoryFile
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return n, fmt.Errorf("%s: %w", path, err)
	}
	for _, u := range f.Users {
		active := u.IsActive == nil || *u.IsActive
		if _, err := e.SaveUser(ctx, tenant, &flowgate.User{ID: u.ID, Name: u.Name, Email: u.Email, Locale: u.Locale, IsActive: active}); err != nil {
			return n, fmt.Errorf("%s: user %q: %w", path, u.ID, err)
		}
	}
	for _, r := range f.Roles {
		if _, err := e.SaveRole(ctx, tenant, r.ID, r.Name); err != nil {
			return n, fmt.Errorf("%s: role %q: %w", path, r.ID, err)
		}
		for _, m := range r.Members {
			if err := e.AddRoleMember(ctx, tenant, r.ID, m); err != nil {
				return n, fmt.Errorf("%s: role %q member %q: %w", path, r.ID, m, err)
			}
		}
	}
	for _, fm := range f.Forms {
		if _, err := e.SaveForm(ctx, tenant, &flowgate.Form{ID: fm.ID, Name: fm.Name, Schema: fm.Schema}); err != nil {
			return n, fmt.Errorf("%s: form %q: %w", path, fm.ID, err)
		}
	}
	return dirCounts{users: len(f.Users), roles: len(f.Roles), forms: len(f.Forms)}, nil
}
