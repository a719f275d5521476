package flowgate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// A two-stage purchase approval from definition to completion.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "flowgate-example")
	defer os.RemoveAll(dir)

	s, err := sqlstore.Open(ctx, filepath.Join(dir, "flowgate.db"), &sqlstore.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	e, _ := flowgate.New(ctx, s, &flowgate.Config{})

	e.CreateTenant(ctx, "acme", "Acme")
	for _, u := range []string{"alice", "bob", "carol"} {
		e.SaveUser(ctx, "acme", &flowgate.User{ID: u, Name: u, IsActive: true})
	}
	def, err := definition.DecodeYAML([]byte(`
name_en: Purchase Approval
strategy: 1
pipelines:
  - name_en: Finance
    stages:
      - name_en: Review
        stage_info: {approvals: [{approval_type: user, approval_user: bob}]}
      - name_en: Sign-off
        stage_info: {approvals: [{approval_type: user, approval_user: carol}]}
`))
	if err != nil {
		panic(err)
	}
	wf, err := e.CreateWorkflow(ctx, "acme", def, nil)
	if err != nil {
		panic(err)
	}

	inst, err := e.Attach(ctx, "acme", &flowgate.AttachParams{
		Actor:      "alice",
		WorkflowID: wf.Definition.ID,
		Subject:    flowgate.SubjectInput{Type: "purchase_request", ID: "42", Data: json.RawMessage(`{"amount": 1500}`)},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(inst.Instance.Status, inst.CurrentStage.Name["en"], inst.ProgressPercentage)

	_, err = e.Approve(ctx, "acme", inst.Instance.ID, "carol", nil)
	fmt.Println(flowgate.CodeOf(err))

	inst, _ = e.Approve(ctx, "acme", inst.Instance.ID, "bob", nil)
	fmt.Println(inst.Instance.Status, inst.CurrentStage.Name["en"], inst.ProgressPercentage, inst.EventTypes())

	inst, _ = e.Approve(ctx, "acme", inst.Instance.ID, "carol", nil)
	fmt.Println(inst.Instance.Status, inst.ProgressPercentage, inst.EventTypes())
	// Output:
	// in_progress Review 0
	// not_assignee
	// in_progress Sign-off 50 [after_approve after_move_stage]
	// completed 100 [after_approve on_workflow_complete]
}
