package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/examples"
)

// The demo: tenant "demo" with the people of
// examples/directory/purchase-request.yaml, an admin, the README's
// Purchase Request workflow under the id "purchase-request", and purchase
// requests 1 to 4 in different states.
const (
	demoTenant   = "demo"
	demoWorkflow = "purchase-request"
	demoSubject  = "purchase_request"
)

type demoKey struct {
	Var, UserID, Name, Secret string
}

// seedDemo seeds an empty database and returns one key per demo user. On a
// database that already holds the demo it seeds nothing and returns new
// keys; a database holding anything else is refused.
func seedDemo(ctx context.Context, e *flowgate.Engine) ([]demoKey, error) {
	tenants, err := e.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case len(tenants) == 1 && tenants[0].ID == demoTenant:
	case len(tenants) > 0:
		return nil, errors.New("--demo seeds an empty database only, and this one holds other data: use another --db")
	default:
		if err := seedDemoData(ctx, e); err != nil {
			return nil, err
		}
	}
	return demoKeys(ctx, e)
}

func seedDemoData(ctx context.Context, e *flowgate.Engine) error {
	if _, err := e.CreateTenant(ctx, demoTenant, "Demo Company"); err != nil {
		return err
	}
	dir, err := examples.FS.ReadFile("directory/purchase-request.yaml")
	if err != nil {
		return err
	}
	if _, err := importDirectoryData(ctx, e, demoTenant, "directory/purchase-request.yaml", dir); err != nil {
		return err
	}
	if _, err := e.SaveUser(ctx, demoTenant, &flowgate.User{ID: "admin", Name: "Ada Admin", Email: "admin@example.com", IsActive: true}); err != nil {
		return err
	}
	doc, err := examples.FS.ReadFile("purchase-request.yaml")
	if err != nil {
		return err
	}
	def, err := definition.DecodeYAML(doc)
	if err != nil {
		return err
	}
	def.ID = demoWorkflow
	if _, err := e.CreateWorkflow(ctx, demoTenant, def, &flowgate.WriteOpts{Actor: "admin"}); err != nil {
		return err
	}
	if _, err := e.SaveSubjectType(ctx, demoTenant, &flowgate.SubjectType{
		Type: demoSubject, StatusField: "status", CompletionStatusValue: "approved", RejectionStatusValue: "rejected",
	}); err != nil {
		return err
	}
	return seedDemoRequests(ctx, e)
}

// The forms of the example's stages, filled as the README fills them.
var demoForms = map[string]string{
	"Initial Review":         `{"reviewer_comment": "Initial review passed - budget code verified", "budget_code": "BDG-2024-001"}`,
	"Budget Approval":        `{"budget_manager_comment": "Budget approved - sufficient funds available", "allocated_budget": "50000.00"}`,
	"Final Finance Sign-off": `{"cfo_comment": "Financially approved - ready for executive review", "finance_ref": "FIN-2024-PR-001"}`,
}

// seedDemoRequests leaves request 1 at Budget Approval, 2 completed, 3
// rejected and 4 sent back to its requester (Rita, user 500).
func seedDemoRequests(ctx context.Context, e *flowgate.Engine) error {
	requests := []struct {
		id, title string
		amount    int
		steps     []string
	}{
		{"1", "Standing desks", 1800, []string{"approve"}},
		{"2", "Laptops for the new hires", 12500, []string{"approve", "approve", "approve", "approve", "approve"}},
		{"3", "Office coffee machine", 900, []string{"reject"}},
		{"4", "Conference travel", 3200, []string{"send_back"}},
	}
	for _, r := range requests {
		data, _ := json.Marshal(map[string]any{"title": r.title, "amount": r.amount})
		v, err := e.Attach(ctx, demoTenant, &flowgate.AttachParams{
			Actor: "500", WorkflowID: demoWorkflow,
			Subject:  flowgate.SubjectInput{Type: demoSubject, ID: r.id, Data: data, Status: map[string]string{"status": "submitted"}, CreatedBy: "500"},
			Metadata: json.RawMessage(`{"priority": "normal", "department": "finance"}`),
		})
		if err != nil {
			return fmt.Errorf("request %s: %w", r.id, err)
		}
		for _, step := range r.steps {
			task := v.CurrentTasks()[0]
			d := &flowgate.Decision{Actor: task.Assignee}
			switch step {
			case "approve":
				d.Action = flowgate.ActionApprove
				if v.CurrentStage != nil {
					if form := demoForms[v.CurrentStage.Name.Default()]; form != "" {
						d.FormData = json.RawMessage(form)
					}
				}
			case "reject":
				d.Action, d.Reason = flowgate.ActionReject, "Insufficient budget allocation for this quarter"
			case "send_back":
				d.Action, d.Reason, d.StageID = flowgate.ActionSendBack, "Please provide additional cost breakdown details", v.CurrentStage.ID
			}
			if v, err = e.Decide(ctx, demoTenant, v.Instance.ID, d); err != nil {
				return fmt.Errorf("request %s: %s: %w", r.id, step, err)
			}
		}
	}
	return nil
}

// demoKeys creates a key per demo user: an admin key for the admin.
func demoKeys(ctx context.Context, e *flowgate.Engine) ([]demoKey, error) {
	users, err := e.ListUsers(ctx, demoTenant, "", 100)
	if err != nil {
		return nil, err
	}
	var out []demoKey
	for _, u := range users {
		first, _, _ := strings.Cut(u.Name, " ")
		k := demoKey{Var: strings.ToUpper(first), UserID: u.ID, Name: u.Name}
		if u.ID == "admin" {
			k.Var = "ADMIN"
		}
		if k.Secret, _, err = e.CreateAPIKey(ctx, demoTenant, &flowgate.APIKeyParams{
			UserID: u.ID, Name: "demo", Admin: u.ID == "admin", CreatedBy: "flowgate serve --demo",
		}); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b demoKey) int { return strings.Compare(a.Var, b.Var) })
	return out, nil
}

func printDemo(env *Env, url string, keys []demoKey) {
	fmt.Fprintf(env.Out, "\nDemo tenant %q: the README's Purchase Request workflow (id %q) and purchase requests 1-4\n", demoTenant, demoWorkflow)
	fmt.Fprintln(env.Out, "(1 at Budget Approval, 2 completed, 3 rejected, 4 sent back to Rita).")
	fmt.Fprintln(env.Out, "One API key per demo user, shown once. Paste these lines into another shell:")
	fmt.Fprintln(env.Out)
	fmt.Fprintf(env.Out, "export FG=%s\n", url)
	for _, k := range keys {
		fmt.Fprintf(env.Out, "export %s=%s  # user %s, %s\n", k.Var, k.Secret, k.UserID, k.Name)
	}
	fmt.Fprintln(env.Out)
}
