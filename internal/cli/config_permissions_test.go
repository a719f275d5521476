package cli

import (
	"reflect"
	"testing"

	"github.com/flowgate/flowgate"
)

// The file's grants reach the engine: entries parsed into roles, users and
// everyone, tenants' grants kept apart, the switches and the department
// type copied.
func TestEngineConfigPermissions(t *testing.T) {
	t.Parallel()
	var c fileConfig
	c.Permissions.RequirePermissionToStart = true
	c.Permissions.Grants = grantsConfig{
		"start_workflow":    {"*"},
		"approve_workflow":  {"finance", "role:user:odd", " user:cfo "},
		"delegate_workflow": {},
	}
	c.Tenants = map[string]tenantConfig{
		"acme":   {Permissions: &tenantPermissions{Grants: grantsConfig{"reject_workflow": {"user:u1"}}}},
		"globex": {},
	}
	c.DepartmentLinkType = "hr.department"
	got := engineConfig(&c, nil)
	want := flowgate.Permissions{
		RequireToStart: true,
		Grants: flowgate.Grants{
			flowgate.PermissionStart:    {Everyone: true},
			flowgate.PermissionApprove:  {Roles: []string{"finance", "user:odd"}, Users: []string{"cfo"}},
			flowgate.PermissionDelegate: {},
		},
		Tenants: map[string]flowgate.Grants{
			"acme": {flowgate.PermissionReject: {Users: []string{"u1"}}},
		},
	}
	if !reflect.DeepEqual(got.Permissions, want) {
		t.Fatalf("Permissions =\n%+v\nwant\n%+v", got.Permissions, want)
	}
	if got.DepartmentLinkType != "hr.department" {
		t.Fatalf("DepartmentLinkType = %q", got.DepartmentLinkType)
	}
	var problems []string
	c.checkPermissions(func(path, format string, a ...any) { problems = append(problems, path) })
	if len(problems) != 0 {
		t.Fatalf("unexpected problems at %v", problems)
	}
}
