package flowgate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// engineWith is a second engine on the fixture's database with cfg; the
// fixture's own engine (no permissions) sets the world up.
func (f *fx) engineWith(cfg *flowgate.Config) *flowgate.Engine {
	f.t.Helper()
	return must(flowgate.New(f.ctx, f.s, cfg))
}

// permGrants gives start_workflow to the role requesters (req) and the
// three decision permissions to the role approvers (u1).
func (f *fx) permGrants() flowgate.Grants {
	f.t.Helper()
	f.role("requesters", "req")
	f.role("approvers", "u1")
	return flowgate.Grants{
		flowgate.PermissionStart:    {Roles: []string{"requesters"}},
		flowgate.PermissionApprove:  {Roles: []string{"approvers"}},
		flowgate.PermissionReject:   {Roles: []string{"approvers"}},
		flowgate.PermissionDelegate: {Roles: []string{"approvers"}},
	}
}

// requirePermissionDenied asserts err is permission_denied and, for an
// instance, that nothing was written: same version, same events, same tasks.
func (f *fx) requirePermissionDenied(label string, err error, before *flowgate.InstanceView) {
	f.t.Helper()
	if c := flowtype.CodeOf(err); c != flowtype.CodePermissionDenied {
		f.t.Fatalf("%s: want permission_denied, got %v", label, err)
	}
	if before != nil {
		f.requireRefusedNoChange(err, flowtype.CodePermissionDenied, "", before)
	}
}

// The switches × a user with or without the grant × every command that a
// grant governs.
func TestPermissionsTable(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		grants := f.permGrants()
		wf := f.createP("", approvals("IR", role("finance", "anyone"))).Definition.ID
		n := 0
		subject := func() string { n++; return fmt.Sprintf("perm-%d", n) }
		type command struct {
			name            string
			granted, denied string // actors
			// setup (with the fixture's engine) returns the instance the
			// command acts on, nil for attach.
			setup func(actor, id string) *flowgate.InstanceView
			run   func(e *flowgate.Engine, actor, id string, v *flowgate.InstanceView) (*flowgate.InstanceView, error)
			// want is the status an allowed command leaves.
			want flowtype.Status
		}
		attached := func(_, id string) *flowgate.InstanceView { return f.attachP(wf, id) }
		decide := func(d flowgate.Decision) func(e *flowgate.Engine, actor, id string, v *flowgate.InstanceView) (*flowgate.InstanceView, error) {
			return func(e *flowgate.Engine, actor, _ string, v *flowgate.InstanceView) (*flowgate.InstanceView, error) {
				d.Actor = actor
				return e.Decide(f.ctx, acme, v.Instance.ID, &d)
			}
		}
		commands := []command{
			{"attach", "req", "u7", func(string, string) *flowgate.InstanceView { return nil },
				func(e *flowgate.Engine, actor, id string, _ *flowgate.InstanceView) (*flowgate.InstanceView, error) {
					return e.Attach(f.ctx, acme, &flowgate.AttachParams{Actor: actor, WorkflowID: wf,
						Subject: flowgate.SubjectInput{Type: "purchase_request", ID: id}})
				}, flowtype.StatusInProgress},
			{"attach without auto-start", "req", "u7", func(string, string) *flowgate.InstanceView { return nil },
				func(e *flowgate.Engine, actor, id string, _ *flowgate.InstanceView) (*flowgate.InstanceView, error) {
					off := false
					return e.Attach(f.ctx, acme, &flowgate.AttachParams{Actor: actor, WorkflowID: wf, AutoStart: &off,
						Subject: flowgate.SubjectInput{Type: "purchase_request", ID: id}})
				}, flowtype.StatusNotStarted},
			{"start", "req", "u7",
				func(actor, id string) *flowgate.InstanceView {
					off := false
					return must(f.e.Attach(f.ctx, acme, &flowgate.AttachParams{Actor: actor, WorkflowID: wf, AutoStart: &off,
						Subject: flowgate.SubjectInput{Type: "purchase_request", ID: id}}))
				},
				func(e *flowgate.Engine, actor, _ string, v *flowgate.InstanceView) (*flowgate.InstanceView, error) {
					return e.Start(f.ctx, acme, v.Instance.ID, actor, nil)
				}, flowtype.StatusInProgress},
			{"approve", "u1", "u2", attached, decide(flowgate.Decision{Action: flowgate.ActionApprove}), flowtype.StatusInProgress},
			{"reject", "u1", "u2", attached, decide(flowgate.Decision{Action: flowgate.ActionReject, Reason: "no budget"}), flowtype.StatusRejected},
			{"send back", "u1", "u2", attached, decide(flowgate.Decision{Action: flowgate.ActionSendBack, Reason: "fix it", StageID: "IR"}),
				flowtype.StatusAwaitingResubmission},
			{"delegate", "u1", "u2", attached, decide(flowgate.Decision{Action: flowgate.ActionDelegate, UserID: "u7"}), flowtype.StatusInProgress},
		}
		for _, required := range []bool{false, true} {
			e := f.engineWith(&flowgate.Config{Permissions: flowgate.Permissions{
				RequireToStart: required, RequireToApprove: required, Grants: grants,
			}})
			for _, c := range commands {
				for _, granted := range []bool{true, false} {
					label := fmt.Sprintf("%s, required %v, granted %v", c.name, required, granted)
					actor := c.granted
					if !granted {
						actor = c.denied
					}
					id := subject()
					before := c.setup(actor, id)
					v, err := c.run(e, actor, id, before)
					if required && !granted {
						f.requirePermissionDenied(label, err, before)
						if before == nil {
							f.requireNoInstance("purchase_request", id)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s: want allowed, got %v", label, err)
					}
					if v.Instance.Status != c.want {
						t.Fatalf("%s: status %s, want %s", label, v.Instance.Status, c.want)
					}
				}
			}
		}
	})
}

// Resubmit and withdraw are the starter's: no grant is needed, even with
// both switches on and no grant at all.
func TestPermissionsResubmitWithdrawNeedNoGrant(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		wf := f.createP("", approvals("IR", role("finance", "anyone"))).Definition.ID
		e := f.engineWith(&flowgate.Config{Permissions: flowgate.Permissions{
			RequireToStart: true, RequireToApprove: true,
			Grants: flowgate.Grants{flowgate.PermissionReject: {Users: []string{"u1"}}},
		}})
		v := f.attachP(wf, "p1")
		v = must(e.SendBack(f.ctx, acme, v.Instance.ID, "u1", "IR", "fix it", nil))
		v = must(e.Resubmit(f.ctx, acme, v.Instance.ID, "req", nil))
		v = must(e.Withdraw(f.ctx, acme, v.Instance.ID, "req", nil))
		if v.Instance.Status != flowtype.StatusWithdrawn {
			t.Fatalf("status %s, want withdrawn", v.Instance.Status)
		}
	})
}

// A membership removed is seen by the next command: the task stays the
// user's, the decision is refused, and writes nothing.
func TestPermissionsRoleRemovedThenRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		grants := f.permGrants()
		wf := f.createP("", approvals("IR", role("finance", "anyone"))).Definition.ID
		e := f.engineWith(&flowgate.Config{Permissions: flowgate.Permissions{RequireToApprove: true, Grants: grants}})
		v := f.attachP(wf, "p1")
		must(0, f.e.RemoveRoleMember(f.ctx, acme, "approvers", "u1", "adm"))
		if ok := must(e.HasPermission(f.ctx, acme, "u1", flowgate.PermissionApprove)); ok {
			t.Fatal("u1 still holds approve_workflow after leaving approvers")
		}
		_, err := e.Approve(f.ctx, acme, v.Instance.ID, "u1", nil)
		f.requirePermissionDenied("approve after removal", err, v)
		if len(tasksOf(f.get(v), "u1")) != 1 || tasksOf(f.get(v), "u1")[0].Status != flowtype.TaskCurrent {
			t.Fatalf("u1's task changed: %v", taskStatuses(f.get(v)))
		}
		must(0, f.e.AddRoleMember(f.ctx, acme, "approvers", "u1"))
		v = must(e.Approve(f.ctx, acme, v.Instance.ID, "u1", nil))
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
	})
}

// A permission is checked after the assignee rules: a user with the grant
// but no task is not_assignee, and so is a user with neither.
func TestPermissionsAfterAssignee(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		grants := f.permGrants()
		must(0, f.e.AddRoleMember(f.ctx, acme, "approvers", "u4"))
		wf := f.createP("", approvals("IR", role("finance", "anyone"))).Definition.ID
		e := f.engineWith(&flowgate.Config{Permissions: flowgate.Permissions{RequireToApprove: true, Grants: grants}})
		v := f.attachP(wf, "p1")
		for _, actor := range []string{"u4", "u7"} {
			_, err := e.Approve(f.ctx, acme, v.Instance.ID, actor, nil)
			f.requireRefusedNoChange(err, flowtype.CodeNotAssignee, "", v)
		}
	})
}

// "*", direct user grants, inactive users, and a tenant's own grants
// replacing the global ones permission by permission.
func TestPermissionsGrantKinds(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.role("approvers", "u1")
		e := f.engineWith(&flowgate.Config{Permissions: flowgate.Permissions{
			Grants: flowgate.Grants{
				flowgate.PermissionStart:    {Everyone: true},
				flowgate.PermissionApprove:  {Roles: []string{"approvers"}},
				flowgate.PermissionReject:   {Users: []string{"u2"}},
				flowgate.PermissionDelegate: {},
			},
			Tenants: map[string]flowgate.Grants{
				acme: {flowgate.PermissionApprove: {Users: []string{"u3"}}},
			},
		}})
		must(f.e.SaveUser(f.ctx, acme, &flowgate.User{ID: "gone", Name: "gone", IsActive: false}))
		for _, tc := range []struct {
			tenant, user string
			perm         flowgate.Permission
			want         bool
		}{
			{acme, "u7", flowgate.PermissionStart, true},
			{acme, "gone", flowgate.PermissionStart, false},
			{acme, "nobody", flowgate.PermissionStart, false},
			{"globex", "x1", flowgate.PermissionStart, true},
			{acme, "u3", flowgate.PermissionApprove, true},  // acme's own grant
			{acme, "u1", flowgate.PermissionApprove, false}, // the global grant is replaced in acme
			{acme, "u2", flowgate.PermissionReject, true},   // not overridden: global
			{acme, "u1", flowgate.PermissionReject, false},
			{acme, "u1", flowgate.PermissionDelegate, false}, // an empty grant: nobody
		} {
			if got := must(e.HasPermission(f.ctx, tc.tenant, tc.user, tc.perm)); got != tc.want {
				t.Errorf("HasPermission(%s, %s, %s) = %v, want %v", tc.tenant, tc.user, tc.perm, got, tc.want)
			}
		}
	})
}

func TestPermissionsConfigValidated(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		for _, p := range []flowgate.Permissions{
			{Grants: flowgate.Grants{"approve": {Everyone: true}}},
			{Grants: flowgate.Grants{flowgate.PermissionApprove: {Roles: []string{""}}}},
			{Tenants: map[string]flowgate.Grants{acme: {flowgate.PermissionStart: {Users: []string{""}}}}},
		} {
			if _, err := flowgate.New(f.ctx, f.s, &flowgate.Config{Permissions: p}); err == nil || !strings.Contains(err.Error(), "Config.Permissions") {
				t.Errorf("New with %+v: %v, want a Config.Permissions error", p, err)
			}
		}
	})
}

// department_link_type is recorded for departments saved without a type,
// on create and on later edits, and exports show it.
func TestDepartmentLinkType(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		e := f.engineWith(&flowgate.Config{DepartmentLinkType: "hr.department"})
		def := must(definition.DecodeJSON([]byte(`{"name_en": "Dept", "name_ar": "قسم", "pipelines": [
			{"name_en": "A", "name_ar": "أ", "department_id": 7, "number_of_stages": 1},
			{"name_en": "B", "name_ar": "ب", "department": {"type": "crm.team", "id": "t1"}, "number_of_stages": 1},
			{"name_en": "C", "name_ar": "ج", "number_of_stages": 1}]}`)))
		d := must(e.CreateWorkflow(f.ctx, acme, def, nil))
		wantDept := func(d *flowgate.WorkflowDetail, i int, want *definition.Department) {
			t.Helper()
			got := d.Definition.Pipelines[i].Department
			if (got == nil) != (want == nil) || got != nil && *got != *want {
				t.Fatalf("pipeline %d department %+v, want %+v", i, got, want)
			}
		}
		wantDept(d, 0, &definition.Department{Type: "hr.department", ID: "7"})
		wantDept(d, 1, &definition.Department{Type: "crm.team", ID: "t1"})
		wantDept(d, 2, nil)
		out := string(must(e.ExportWorkflow(f.ctx, acme, d.Definition.ID, 0, "json")))
		if !strings.Contains(out, `"hr.department"`) {
			t.Fatalf("export does not show the department type:\n%s", out)
		}
		// A department set later without a type gets it too.
		pid := d.Definition.Pipelines[2].ID
		d = must(e.UpdatePipeline(f.ctx, acme, pid, func(p *definition.Pipeline) error {
			p.Department = &definition.Department{ID: "9"}
			return nil
		}, nil))
		wantDept(d, 2, &definition.Department{Type: "hr.department", ID: "9"})
		// Without the setting the id is stored as given.
		d = must(f.e.CreateWorkflow(f.ctx, acme, def, nil))
		wantDept(d, 0, &definition.Department{ID: "7"})
	})
}
