package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/action/email"
	"github.com/flowgate/flowgate/action/webhook"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/examples"
	"github.com/flowgate/flowgate/flowtype"
)

const (
	tenant      = "bench"
	subjectType = "purchase_request"
)

// rig is an engine on a fresh database with the local sinks its actions
// deliver to.
type rig struct {
	db    *database
	e     *flowgate.Engine
	sinks *sinks
}

// newRig opens an engine on d whose e-mails go to the SMTP sink and whose
// webhooks go to the HTTP sink, with the tenant created.
func newRig(ctx context.Context, d *database) (*rig, error) {
	sk, err := startSinks()
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := flowgate.New(ctx, d.store, &flowgate.Config{
		Logger: quiet,
		Email: email.Config{
			SMTP: email.SMTP{Host: "127.0.0.1", Port: sk.smtpPort, TLSPolicy: "none", Timeout: 30 * time.Second},
			From: "Flowgate <noreply@bench.local>", Logger: quiet,
		},
		Webhook: webhook.Config{DefaultSecret: "bench-secret", Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        64,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
		}},
	})
	if err != nil {
		sk.close()
		return nil, err
	}
	if _, err := e.GetTenant(ctx, tenant); errors.Is(err, flowgate.ErrNotFound) {
		_, err = e.CreateTenant(ctx, tenant, "Bench")
		if err != nil {
			sk.close()
			return nil, err
		}
	} else if err != nil {
		sk.close()
		return nil, err
	}
	return &rig{db: d, e: e, sinks: sk}, nil
}

func (r *rig) close() {
	stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = r.e.StopWorkers(stop)
	r.sinks.close()
}

// directoryFile is the shape of examples/directory/*.yaml.
type directoryFile struct {
	Users []struct {
		ID, Name, Email, Locale string
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

// The forms of the seed's stages, filled as its README fills them.
var stageForms = map[string]json.RawMessage{
	"Initial Review":         json.RawMessage(`{"reviewer_comment": "Initial review passed - budget code verified", "budget_code": "BDG-2024-001"}`),
	"Budget Approval":        json.RawMessage(`{"budget_manager_comment": "Budget approved - sufficient funds available", "allocated_budget": "50000.00"}`),
	"Final Finance Sign-off": json.RawMessage(`{"cfo_comment": "Financially approved - ready for executive review", "finance_ref": "FIN-2024-PR-001"}`),
}

// setupPurchase loads the seed: the people, roles and forms of
// examples/directory/purchase-request.yaml (with the Executive role
// holding one member, so that each of the four stages has one approver),
// the Purchase Request workflow of examples/purchase-request.yaml with an
// e-mail and a webhook action on every action event, and its subject type.
// It returns the workflow id.
func (r *rig) setupPurchase(ctx context.Context) (string, error) {
	raw, err := examples.FS.ReadFile("directory/purchase-request.yaml")
	if err != nil {
		return "", err
	}
	doc, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return "", err
	}
	var dir directoryFile
	if err := json.Unmarshal(doc, &dir); err != nil {
		return "", err
	}
	for _, u := range dir.Users {
		if _, err := r.e.SaveUser(ctx, tenant, &flowgate.User{ID: u.ID, Name: u.Name, Email: u.Email, Locale: u.Locale, IsActive: true}); err != nil {
			return "", err
		}
	}
	for _, role := range dir.Roles {
		if _, err := r.e.SaveRole(ctx, tenant, role.ID, role.Name); err != nil {
			return "", err
		}
		members := role.Members
		if role.ID == "3" { // Executive: one approver, Erin
			members = members[:1]
		}
		for _, m := range members {
			if err := r.e.AddRoleMember(ctx, tenant, role.ID, m); err != nil {
				return "", err
			}
		}
	}
	for _, f := range dir.Forms {
		if _, err := r.e.SaveForm(ctx, tenant, &flowgate.Form{ID: f.ID, Name: f.Name, Schema: f.Schema}); err != nil {
			return "", err
		}
	}
	wf, err := examples.FS.ReadFile("purchase-request.yaml")
	if err != nil {
		return "", err
	}
	def, err := definition.DecodeYAML(wf)
	if err != nil {
		return "", err
	}
	def.ID = "purchase-request"
	def.Actions = append(def.Actions, r.everyEventActions()...)
	if _, err := r.e.CreateWorkflow(ctx, tenant, def, &flowgate.WriteOpts{Actor: "500"}); err != nil {
		return "", err
	}
	if _, err := r.e.SaveSubjectType(ctx, tenant, &flowgate.SubjectType{
		Type: subjectType, StatusField: "status", CompletionStatusValue: "approved", RejectionStatusValue: "rejected",
	}); err != nil {
		return "", err
	}
	return def.ID, nil
}

// everyEventActions returns an e-mail action (to the requester) and a
// webhook action (to the HTTP sink) for every event type that runs
// actions, as workflow-level actions.
func (r *rig) everyEventActions() []definition.Action {
	var out []definition.Action
	hook, _ := json.Marshal(map[string]any{"url": r.sinks.webURL})
	for _, ev := range flowtype.ActionEvents {
		out = append(out,
			definition.Action{ActionType: string(ev), Handler: "email", Order: 1, IsActive: true,
				Parameters: json.RawMessage(`{"recipients": ["creator"]}`)},
			definition.Action{ActionType: string(ev), Handler: "webhook", Order: 2, IsActive: true, Parameters: hook})
	}
	return out
}

// subjectData is the document of purchase request i.
func subjectData(i int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"title": "Purchase %d", "amount": %d}`, i, 500+i%20000))
}

// decodeWorkflow reads a JSON definition whose id is given in the document.
func decodeWorkflow(doc string) (*definition.Workflow, error) {
	var head struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(doc), &head); err != nil {
		return nil, err
	}
	def, err := definition.DecodeJSON([]byte(doc))
	if err != nil {
		return nil, err
	}
	def.ID = head.ID
	return def, nil
}
