package api_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/client"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/store"
)

// purchase is the seed README's "Complete Example: Purchase Request
// Workflow", driven over HTTP with the README's own payloads.
type purchase struct {
	ev       *env
	users    map[string]*client.Client
	wf       *api.Workflow
	stageIDs []string // Initial Review, Budget Approval, Final Finance Sign-off, Executive Approval
}

// newPurchase creates the workflow from the README's WorkFlowSerializer
// payload (company 1: the tenant is "1"), then configures each stage with
// the README's StageSerializer partial updates.
func newPurchase(t *testing.T, s store.Store) *purchase {
	t.Helper()
	ctx := t.Context()
	ev := newEnv(t, s, "1", nil)
	pr := &purchase{ev: ev, users: ev.directory()}
	payload, err := os.ReadFile("../examples/purchase-request-original.json")
	if err != nil {
		t.Fatal(err)
	}
	wf, err := ev.admin.CreateWorkflow(ctx, json.RawMessage(payload))
	requireOK(t, err, "POST /workflows with the README's payload")
	if wf.NameEn != "Purchase Request Approval" || wf.NameAr != "موافقة طلب الشراء" || wf.Company != "1" ||
		wf.PipelinesCount != 2 || wf.TotalStagesCount != 4 || wf.WorkflowSummary.TotalStages != 4 {
		t.Fatalf("created workflow: %+v", wf)
	}
	finance, exec := wf.Pipelines[0], wf.Pipelines[1]
	if finance.NameEn != "Finance Review" || finance.StagesCount != 3 || exec.StagesCount != 1 ||
		str(finance.DepartmentID) != "1" || finance.Stages[0].NameEn != "Stage 1" || finance.Stages[0].NameAr != "المرحلة 1" {
		t.Fatalf("pipelines: %+v", wf.Pipelines)
	}
	configs := []struct {
		stage, pipeline string
		body            string
	}{
		{finance.Stages[0].ID, finance.ID, `{"name_en": "Initial Review", "name_ar": "المراجعة الأولية", "pipeline_id": %q,
			"stage_info": {"color": "#3498db", "approvals": [{"approval_type": "role", "user_role": 1,
			"role_selection_strategy": "round_robin", "required_form": 1}]}}`},
		{finance.Stages[1].ID, finance.ID, `{"name_en": "Budget Approval", "name_ar": "موافقة الميزانية", "pipeline_id": %q,
			"stage_info": {"color": "#f39c12", "approvals": [{"approval_type": "role", "user_role": 2,
			"role_selection_strategy": "anyone", "required_form": 2}]}}`},
		{finance.Stages[2].ID, finance.ID, `{"name_en": "Final Finance Sign-off", "name_ar": "الموافقة المالية النهائية", "pipeline_id": %q,
			"stage_info": {"color": "#27ae60", "approvals": [{"approval_type": "user", "approval_user": 123, "required_form": 3}]}}`},
		{exec.Stages[0].ID, exec.ID, `{"name_en": "Executive Approval", "name_ar": "موافقة تنفيذية", "pipeline_id": %q,
			"stage_info": {"color": "#8e44ad", "approvals": [{"approval_type": "role", "user_role": 3,
			"role_selection_strategy": "consensus"}]}}`},
	}
	for _, c := range configs {
		body := []byte(sprintf(c.body, c.pipeline))
		st, err := ev.admin.UpdateStage(ctx, c.stage, json.RawMessage(body))
		requireOK(t, err, "PATCH /stages/"+c.stage)
		if st.ApprovalsCount != 1 || st.WorkflowVersion != 1 {
			t.Fatalf("stage after PATCH: %+v", st)
		}
		pr.stageIDs = append(pr.stageIDs, c.stage)
	}
	wf, err = ev.admin.GetWorkflow(ctx, wf.ID, 0)
	requireOK(t, err, "GET /workflows/{id}")
	if !wf.IsActive || wf.WorkflowSummary.TotalApprovals != 4 || wf.Pipelines[0].Stages[2].NameEn != "Final Finance Sign-off" {
		t.Fatalf("configured workflow: active %v, approvals %d, %+v", wf.IsActive, wf.WorkflowSummary.TotalApprovals, wf.Pipelines[0].Stages)
	}
	ac := wf.Pipelines[0].Stages[0].ApprovalConfiguration.Approvals[0]
	if ac.ApprovalTypeDisplay != "Role-based Approval" || str(ac.StrategyDisplay) != "Rotate approval among role users" ||
		str(ac.UserRoleName) != "Finance Reviewer" || str(ac.RequiredFormName) != "Initial Review Form" {
		t.Fatalf("approval configuration: %+v", ac)
	}
	pr.wf = wf
	return pr
}

// attach attaches the workflow to purchase request id as Rita (500), as
// the README's create_purchase_request does.
func (pr *purchase) attach(t *testing.T, id string) *api.Instance {
	t.Helper()
	in, err := pr.users["500"].Attach(t.Context(), map[string]any{
		"workflow_id": pr.wf.ID,
		"subject":     map[string]any{"type": "purchase_request", "id": id, "data": map[string]any{"title": "Laptops", "amount": 1500}},
		"metadata":    map[string]any{"amount": 1500.0, "priority": "normal", "department": "finance"},
	}, nil)
	requireOK(t, err, "POST /instances")
	return in
}

// act posts a README body to workflow_action as the first user holding a
// current task.
func (pr *purchase) act(t *testing.T, subject string, body string) *api.Instance {
	t.Helper()
	in, err := pr.ev.admin.SubjectInstance(t.Context(), "purchase_request", subject)
	requireOK(t, err, "GET instance")
	who := currentAssignees(in)
	if len(who) == 0 {
		t.Fatalf("%s: nobody holds a current task: %+v", subject, in.Tasks)
	}
	out, err := pr.users[who[0]].WorkflowAction(t.Context(), "purchase_request", subject, json.RawMessage(body), nil)
	requireOK(t, err, who[0]+" acts on "+subject)
	return out
}

func (pr *purchase) status(t *testing.T, subject, user string) *api.WorkflowStatus {
	t.Helper()
	st, err := pr.users[user].WorkflowStatus(t.Context(), "purchase_request", subject)
	requireOK(t, err, "workflow_status")
	return st
}

func TestPurchaseRequestEndToEnd(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		pr := newPurchase(t, s)

		in := pr.attach(t, "42")
		if in.Status != "in_progress" || stageName(in.CurrentStage) != "Initial Review" ||
			stageName(in.CurrentPipeline) != "Finance Review" || in.StartedBy != "500" || in.ProgressPercentage != 0 {
			t.Fatalf("after attach: %s at %s/%s, %d%%", in.Status, stageName(in.CurrentPipeline), stageName(in.CurrentStage), in.ProgressPercentage)
		}
		st := pr.status(t, "42", "500")
		if str(st.CurrentStage) != "Initial Review" || str(st.NextStage) != "Budget Approval" || st.RequiresUserAction ||
			st.WorkflowName != "Purchase Request Approval" || str(st.StartedBy) != "500" {
			t.Fatalf("workflow_status: %+v", st)
		}
		reviewer := currentAssignees(in)[0]
		if st := pr.status(t, "42", reviewer); !st.RequiresUserAction || !st.CanApprove {
			t.Fatalf("reviewer's workflow_status: %+v", st)
		}

		steps := []struct {
			body        string
			stage, next string
			progress    int
		}{
			{`{"action": "APPROVED", "form_data": {"reviewer_comment": "Initial review passed - budget code verified", "budget_code": "BDG-2024-001"}}`,
				"Budget Approval", "Final Finance Sign-off", 25},
			{`{"action": "APPROVED", "form_data": {"budget_manager_comment": "Budget approved - sufficient funds available", "allocated_budget": "50000.00"}}`,
				"Final Finance Sign-off", "Executive Approval", 50},
			{`{"action": "APPROVED", "form_data": {"cfo_comment": "Financially approved - ready for executive review", "finance_ref": "FIN-2024-PR-001"}}`,
				"Executive Approval", "Workflow Complete", 75},
		}
		for _, step := range steps {
			in = pr.act(t, "42", step.body)
			st := pr.status(t, "42", "500")
			if stageName(in.CurrentStage) != step.stage || in.ProgressPercentage != step.progress || str(st.NextStage) != step.next {
				t.Fatalf("after approval: at %s (%d%%), next %s; want %s (%d%%), next %s",
					stageName(in.CurrentStage), in.ProgressPercentage, str(st.NextStage), step.stage, step.progress, step.next)
			}
		}
		if stageName(in.CurrentPipeline) != "Executive Approval" || len(currentAssignees(in)) != 2 {
			t.Fatalf("executive stage: pipeline %s, current %v", stageName(in.CurrentPipeline), currentAssignees(in))
		}
		in = pr.act(t, "42", `{"action": "APPROVED"}`)
		if in.Status != "in_progress" {
			t.Fatalf("consensus: one executive's approval completed the workflow")
		}
		in = pr.act(t, "42", `{"action": "APPROVED"}`)
		if in.Status != "completed" || in.ProgressPercentage != 100 || in.CurrentStage != nil || in.CompletedAt == nil {
			t.Fatalf("after the last approval: %s %d%% at %s", in.Status, in.ProgressPercentage, stageName(in.CurrentStage))
		}
		if st := pr.status(t, "42", "500"); st.Status != "completed" || str(st.NextStage) != "Workflow Complete" || st.ProgressPercentage != 100 {
			t.Fatalf("workflow_status after completion: %+v", st)
		}
		hist, err := pr.users["500"].SubjectHistory(ctx, "purchase_request", "42", nil)
		requireOK(t, err, "history")
		var types []string
		for _, e := range hist.Items {
			types = append(types, e.Type)
		}
		want := []string{"on_workflow_start", "after_approve", "after_move_stage", "after_approve", "after_move_stage",
			"after_approve", "after_move_pipeline", "after_move_stage", "task_approved", "after_approve", "on_workflow_complete"}
		if sprintf("%v", types) != sprintf("%v", want) {
			t.Fatalf("history %v, want %v", types, want)
		}

		// Step 6 of the README: rejection, resubmission, delegation.
		pr.attach(t, "43")
		pr.act(t, "43", `{"action": "APPROVED", "form_data": {"reviewer_comment": "ok"}}`)
		in = pr.act(t, "43", `{"action": "REJECTED", "reason": "Insufficient budget allocation for this quarter"}`)
		var meta map[string]string
		_ = json.Unmarshal(in.Metadata, &meta)
		if in.Status != "rejected" || stageName(in.CurrentStage) != "Budget Approval" ||
			meta["rejection_reason"] != "Insufficient budget allocation for this quarter" {
			t.Fatalf("after REJECTED: %s at %s, metadata %s", in.Status, stageName(in.CurrentStage), in.Metadata)
		}
		if st := pr.status(t, "43", "500"); st.NextStage != nil || st.ProgressPercentage != 0 {
			t.Fatalf("workflow_status after rejection: %+v", st)
		}

		pr.attach(t, "44")
		pr.act(t, "44", `{"action": "APPROVED", "form_data": {"reviewer_comment": "ok"}}`)
		in = pr.act(t, "44", sprintf(`{"action": "NEEDS_RESUBMISSION", "stage_id": %q, "reason": "Please provide additional cost breakdown details"}`, pr.stageIDs[0]))
		if in.Status != "awaiting_resubmission" || stageName(in.CurrentStage) != "Initial Review" || len(currentAssignees(in)) != 0 {
			t.Fatalf("after NEEDS_RESUBMISSION: %s at %s", in.Status, stageName(in.CurrentStage))
		}
		if st := pr.status(t, "44", "500"); !st.RequiresUserAction || st.CanApprove {
			t.Fatalf("the starter's workflow_status while awaiting resubmission: %+v", st)
		}
		in, err = pr.users["500"].WorkflowAction(ctx, "purchase_request", "44", map[string]any{"action": "resubmitted"}, nil)
		requireOK(t, err, "resubmit")
		if in.Status != "in_progress" || stageName(in.CurrentStage) != "Initial Review" || len(currentAssignees(in)) != 1 {
			t.Fatalf("after resubmit: %s at %s, current %v", in.Status, stageName(in.CurrentStage), currentAssignees(in))
		}

		in = pr.attach(t, "45")
		delegator := currentAssignees(in)[0]
		in = pr.act(t, "45", `{"action": "DELEGATED", "user_id": 123, "reason": "Amount exceeds my approval limit"}`)
		if got := currentAssignees(in); len(got) != 1 || got[0] != "123" {
			t.Fatalf("after DELEGATED: current %v", got)
		}
		inbox, err := pr.users["123"].Inbox(ctx, nil)
		requireOK(t, err, "inbox of the delegate")
		if len(inbox.Items) != 1 || inbox.Items[0].Subject.ID != "45" || stageName(inbox.Items[0].Stage) != "Initial Review" ||
			str(inbox.Items[0].DelegatedFrom) == "<null>" {
			t.Fatalf("delegate's inbox: %+v", inbox.Items)
		}
		if inbox, _ := pr.users[delegator].Inbox(ctx, nil); len(inbox.Items) != 0 {
			t.Fatalf("delegator's inbox still holds %d items", len(inbox.Items))
		}
		in = pr.act(t, "45", `{"action": "APPROVED", "form_data": {"reviewer_comment": "approved on behalf"}}`)
		if stageName(in.CurrentStage) != "Budget Approval" {
			t.Fatalf("the delegate's approval left the instance at %s", stageName(in.CurrentStage))
		}

		// The reports of the original.
		structure, err := pr.ev.admin.WorkflowStructure(ctx, pr.wf.ID)
		requireOK(t, err, "structure")
		if structure.TotalPipelines != 2 || structure.TotalStages != 4 || !structure.Pipelines[0].Stages[0].HasForms ||
			structure.Pipelines[0].Stages[0].ApprovalTypes["role"] != 1 {
			t.Fatalf("structure: %+v", structure)
		}
		summary, err := pr.ev.admin.ApprovalSummary(ctx, pr.wf.ID)
		requireOK(t, err, "approval summary")
		if summary.TotalApprovals != 4 || summary.ByType["role"] != 3 || summary.ByType["user"] != 1 ||
			summary.ByStrategy["consensus"] != 1 || summary.StagesWithForms != 3 {
			t.Fatalf("approval summary: %+v", summary)
		}
		stats, err := pr.ev.admin.Statistics(ctx)
		requireOK(t, err, "statistics")
		if stats.Overview.TotalWorkflows != 1 || stats.Overview.ActiveWorkflows != 1 || stats.Overview.TotalStages != 4 ||
			stats.ByCompany["Acme Corp"].Approvals != 4 {
			t.Fatalf("statistics: %+v", stats)
		}
		svg, err := pr.ev.admin.Diagram(ctx, pr.wf.ID)
		requireOK(t, err, "diagram")
		if len(svg) < 100 || string(svg[:4]) != "<svg" {
			t.Fatalf("diagram: %.80s", svg)
		}
	})
}
