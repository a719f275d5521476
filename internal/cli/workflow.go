package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
)

type workflowCmd struct {
	Validate workflowValidateCmd `cmd:"" help:"Check definition files without a database."`
	Import   workflowImportCmd   `cmd:"" help:"Create (or update, when the file names an existing id) a workflow from a file. Prints its id."`
	Export   workflowExportCmd   `cmd:"" help:"Print a workflow version as YAML or JSON."`
	List     workflowListCmd     `cmd:"" help:"List the tenant's workflows."`
}

// formatOf picks the file format from a flag or the file's extension.
func formatOf(flag, path string) string {
	if flag != "" {
		return flag
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return "json"
	}
	return "yaml"
}

type workflowValidateCmd struct {
	Files  []string `arg:"" type:"existingfile" help:"Definition files (YAML or JSON)."`
	Format string   `enum:"yaml,json," default:"" help:"File format (default: from the extension)."`
}

func (c *workflowValidateCmd) Run(env *Env) error {
	bad := 0
	for _, f := range c.Files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		def, err := definition.Decode(data, formatOf(c.Format, f))
		if err == nil {
			err = definition.Validate(def, nil)
		}
		if err != nil {
			bad++
			fmt.Fprintf(env.Out, "%s: invalid\n", f)
			printProblems(env.Out, err)
			continue
		}
		if ok, msg := definition.Completeness(def); !ok {
			bad++
			fmt.Fprintf(env.Out, "%s: incomplete: %s\n", f, msg)
			continue
		}
		fmt.Fprintf(env.Out, "%s: valid\n", f)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files failed validation", bad, len(c.Files))
	}
	return nil
}

type workflowImportCmd struct {
	File      string `arg:"" type:"existingfile" help:"Definition file (YAML or JSON)."`
	Format    string `enum:"yaml,json," default:"" help:"File format (default: from the extension)."`
	Directory string `type:"existingfile" help:"A directory file (users, roles, forms) to import first."`
}

func (c *workflowImportCmd) Run(env *Env) error {
	e, done, err := env.openEngine()
	if err != nil {
		return err
	}
	defer done()
	if err := env.ensureTenant(e); err != nil {
		return err
	}
	if c.Directory != "" {
		if err := importDirectory(env, e, c.Directory); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(c.File)
	if err != nil {
		return err
	}
	d, err := e.ImportWorkflow(env.Ctx, env.Global.Tenant, data, formatOf(c.Format, c.File), nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Out, d.Definition.ID)
	state := "complete"
	if !d.Complete {
		state = "incomplete: " + d.CompletenessMessage
	}
	fmt.Fprintf(env.Err, "imported workflow %q as %s version %d (%s)\n", d.Definition.Name.Default(), d.Definition.ID, d.Version, state)
	return nil
}

type workflowExportCmd struct {
	ID      string `arg:"" help:"Workflow id."`
	Version int    `help:"Version to export (default: the current one)."`
	Format  string `enum:"yaml,json" default:"yaml" help:"Output format."`
	Output  string `short:"o" help:"Write to this file instead of stdout."`
}

func (c *workflowExportCmd) Run(env *Env) error {
	e, done, err := env.openEngine()
	if err != nil {
		return err
	}
	defer done()
	data, err := e.ExportWorkflow(env.Ctx, env.Global.Tenant, c.ID, c.Version, c.Format)
	if err != nil {
		return err
	}
	if c.Output != "" {
		return os.WriteFile(c.Output, data, 0o644)
	}
	_, err = env.Out.Write(data)
	return err
}

type workflowListCmd struct{}

func (workflowListCmd) Run(env *Env) error {
	e, done, err := env.openEngine()
	if err != nil {
		return err
	}
	defer done()
	list, err := e.ListWorkflows(env.Ctx, env.Global.Tenant, &flowgate.ListWorkflowsParams{Limit: 500})
	if err != nil {
		return err
	}
	for _, d := range list {
		state := "active"
		if !d.IsActive() {
			state = "inactive"
		}
		fmt.Fprintf(env.Out, "%s\tv%d\t%s\t%s\n", d.Definition.ID, d.CurrentVersion, state, d.Definition.Name.Default())
	}
	return nil
}
