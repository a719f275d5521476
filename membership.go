package flowgate

import (
	"context"
	"fmt"
	"sort"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// RemoveRoleMember removes a user from a role. Their open tasks held
// through the role are cancelled in the same transaction and each affected
// step is judged again without them: a consensus or quorum step that is now
// satisfied settles and moves its instance as an approval would, with actor
// as the actor and data.cause "membership_change" (SEMANTICS §3.3). A
// change that would leave a current step with nobody to act is refused with
// no_active_approver, naming the instance, and changes nothing.
func (e *Engine) RemoveRoleMember(ctx context.Context, tenantID, roleID, userID, actor string) error {
	return e.inTx(ctx, nil, func(x store.Executor) error {
		if err := x.RoleMemberRemove(ctx, tenantID, roleID, userID); err != nil {
			return err
		}
		tasks, err := x.TaskListOpenViaRole(ctx, tenantID, roleID, userID)
		if err != nil {
			return err
		}
		return e.withdrawTasks(ctx, x, tenantID, actor, tasks)
	})
}

// SetUserActive switches a user on or off. Deactivating cancels the user's
// role-held open tasks as RemoveRoleMember does, and is refused with
// no_active_approver while the user holds an open direct task (a user step,
// a self-approval or a delegation).
func (e *Engine) SetUserActive(ctx context.Context, tenantID, userID string, active bool, actor string) (*User, error) {
	var out *User
	err := e.inTx(ctx, nil, func(x store.Executor) error {
		u, err := x.UserGet(ctx, tenantID, userID)
		if err != nil {
			return err
		}
		if !active && u.IsActive {
			if err := e.deactivate(ctx, x, tenantID, userID, actor); err != nil {
				return err
			}
		}
		out, err = x.UserUpsert(ctx, &store.UserUpsertParams{
			TenantID: tenantID, ID: u.ID, Name: u.Name, Email: u.Email, Locale: u.Locale, IsActive: active,
		})
		return err
	})
	return out, err
}

func (e *Engine) deactivate(ctx context.Context, x store.Executor, tenantID, userID, actor string) error {
	open, err := x.TaskListOpenByAssignee(ctx, tenantID, userID)
	if err != nil {
		return err
	}
	var viaRole []*flowtype.Task
	for _, t := range open {
		if !t.ViaRole {
			return flowtype.Refuse(flowtype.CodeNoActiveApprover, fmt.Sprintf(
				"User '%s' holds an open task on instance %s; delegate it before deactivating the user", userID, t.InstanceID))
		}
		viaRole = append(viaRole, t)
	}
	return e.withdrawTasks(ctx, x, tenantID, actor, viaRole)
}

// withdrawTasks cancels role-held tasks after a directory change and
// re-judges their steps, one instance at a time.
func (e *Engine) withdrawTasks(ctx context.Context, x store.Executor, tenantID, actor string, tasks []*flowtype.Task) error {
	byInstance := map[string]map[string]bool{}
	for _, t := range tasks {
		if byInstance[t.InstanceID] == nil {
			byInstance[t.InstanceID] = map[string]bool{}
		}
		byInstance[t.InstanceID][t.ID] = true
	}
	ids := make([]string, 0, len(byInstance))
	for id := range byInstance {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := e.newRun(ctx, x, tenantID, actor)
		if err := r.load(id); err != nil {
			return err
		}
		if err := r.membershipChange(byInstance[id]); err != nil {
			return err
		}
		if err := r.write(); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) membershipChange(cancel map[string]bool) error {
	type stepKey struct{ round, step int }
	steps := map[stepKey]*flowtype.Task{}
	for _, t := range r.tasks {
		if cancel[t.ID] && t.Status.Open() {
			r.close(t, flowtype.TaskCancelled)
			steps[stepKey{t.Round, t.Step}] = t
		}
	}
	r.data = map[string]any{"cause": "membership_change"}
	for k, t := range steps {
		if t.Status != flowtype.TaskCancelled || t.Round != r.round() {
			continue
		}
		unit := r.cw.unitOf(t.PipelineID, t.StageID)
		open := false
		for _, o := range r.stepTasks(k.round, k.step) {
			open = open || o.Status.Open()
		}
		if r.settled(k.round, k.step) {
			if _, err := r.advance(k.round, k.step, unit); err != nil {
				return err
			}
			continue
		}
		if !open {
			return flowtype.Refuse(flowtype.CodeNoActiveApprover, fmt.Sprintf(
				"This change would leave instance %s with nobody who may act on its current step", r.inst.ID))
		}
	}
	return nil
}
