package flowgate_test

import (
	"fmt"
	"testing"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Group K of SCENARIOS.md: role strategies.

// requireOneStep asserts that the tasks share one round and one step.
func requireOneStep(t *testing.T, tasks []*flowtype.Task) {
	t.Helper()
	for _, task := range tasks[1:] {
		if task.Round != tasks[0].Round || task.Step != tasks[0].Step {
			t.Fatalf("tasks on different steps: %+v and %+v", tasks[0], task)
		}
	}
}

func TestScenarioK01(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "anyone")))
		v := f.attachP("P", "42")
		requireTasks(t, v, "u1:current", "u2:current", "u3:current")
		requireOneStep(t, v.Tasks)
		for _, task := range v.Tasks {
			if task.RoleID != "finance" || task.StageID != "IR" {
				t.Fatalf("member task %+v", task)
			}
		}

		v = f.approve(v, "u2")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		got := f.get(v)
		requireTasks(t, got, "u1:cancelled", "u2:approved", "u3:cancelled", "r2:current")
		f.requireWritten(v, "after_approve(IR)", "after_move_stage(IR→BA)")
	})
}

func TestScenarioK02(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "consensus")))
		v := f.attachP("P", "42")
		requireTasks(t, v, "u1:current", "u2:current", "u3:current")

		v = f.approve(v, "u1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		f.requireWritten(v, "task_approved(IR)")
		v = f.approve(v, "u3")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		f.requireWritten(v, "task_approved(IR)")
		requireTasks(t, f.get(v), "u1:approved", "u2:current", "u3:approved")

		v = f.approve(v, "u2")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		f.requireWritten(v, "after_approve(IR)", "after_move_stage(IR→BA)")
		requireTasks(t, f.get(v), "u1:approved", "u2:approved", "u3:approved", "r2:current")
	})
}

func TestScenarioK03(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "round_robin")), approvals("BA", role("legal", "round_robin")))
		irTask := func(v *flowgate.InstanceView) string {
			t.Helper()
			var ir []*flowtype.Task
			for _, task := range v.Tasks {
				if task.StageID == "IR" {
					ir = append(ir, task)
				}
			}
			if len(ir) != 1 || ir[0].Status != flowtype.TaskCurrent || ir[0].RoleID != "finance" {
				t.Fatalf("instance %s: want one current IR task, got %v", v.Instance.SubjectID, taskStatuses(v))
			}
			return ir[0].Assignee
		}
		views := map[string]*flowgate.InstanceView{}
		var got []string
		for _, id := range []string{"42", "43", "44", "45"} {
			views[id] = f.attachP("P", id)
			got = append(got, irTask(views[id]))
		}
		if fmt.Sprint(got) != "[u1 u2 u3 u1]" {
			t.Fatalf("IR tasks of 42–45 go to %v, want [u1 u2 u3 u1]", got)
		}

		v43 := f.approve(views["43"], "u2")
		requirePosition(t, v43, flowtype.StatusInProgress, "Finance", "BA")
		requireTasks(t, f.get(v43), "u2:approved", "u4:current")

		must(f.e.SetUserActive(f.ctx, acme, "u2", false, "adm"))
		got = got[:0]
		for _, id := range []string{"46", "47"} {
			got = append(got, irTask(f.attachP("P", id)))
		}
		if fmt.Sprint(got) != "[u3 u1]" {
			t.Fatalf("IR tasks of 46, 47 go to %v, want [u3 u1]", got)
		}
	})
}

func TestScenarioK04(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", quorumCount("finance", 2)))
		v := f.attachP("P", "42")
		requireTasks(t, v, "u1:current", "u2:current", "u3:current")

		v = f.approve(v, "u1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		f.requireWritten(v, "task_approved(IR)")

		v = f.approve(v, "u3")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		f.requireWritten(v, "after_approve(IR)", "after_move_stage(IR→BA)")
		requireTasks(t, f.get(v), "u1:approved", "u2:cancelled", "u3:approved", "r2:current")
	})
}

func TestScenarioK05(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.role("board", "u1", "u2", "u3", "u4", "u5")
		f.createP("", approvals("IR", quorumPercent("board", 60)))
		f.createP("c", approvals("IR", quorumCount("finance", 5)))

		// 42: five members at 60 % need three approvals.
		v := f.attachP("P", "42")
		requireTasks(t, v, "u1:current", "u2:current", "u3:current", "u4:current", "u5:current")
		for _, u := range []string{"u1", "u2"} {
			v = f.approve(v, u)
			requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
			f.requireWritten(v, "task_approved(IR)")
		}
		v = f.approve(v, "u3")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "BA")
		f.requireWritten(v, "after_approve(IR)", "after_move_stage(IR→BA)")
		requireTasks(t, f.get(v), "u1:approved", "u2:approved", "u3:approved", "u4:cancelled", "u5:cancelled", "r2:current")

		// 43: a count of 5 with three members is clamped to 3.
		w := f.attachP("Pc", "43")
		for _, u := range []string{"u1", "u2"} {
			w = f.approve(w, u)
			requirePosition(t, w, flowtype.StatusInProgress, "Financec", "IRc")
			f.requireWritten(w, "task_approved(IRc)")
		}
		w = f.approve(w, "u3")
		requirePosition(t, w, flowtype.StatusInProgress, "Financec", "BAc")
		f.requireWritten(w, "after_approve(IRc)", "after_move_stage(IRc→BAc)")
	})
}

func TestScenarioK06(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "anyone")))
		v := f.attachP("P", "42")
		must(0, f.e.AddRoleMember(f.ctx, acme, "finance", "u4"))

		_, err := f.tryApprove(v, "u4")
		f.requireRefusedNoChange(err, flowtype.CodeNotAssignee, "You are not authorized to act on this step.", v)
		got := f.get(v)
		if len(tasksOf(got, "u4")) != 0 {
			t.Fatalf("u4 got a task: %v", taskStatuses(got))
		}
		requireTasks(t, got, "u1:current", "u2:current", "u3:current")
	})
}

func TestScenarioK07(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "anyone"), role("legal", "anyone")))
		v := f.attachP("P", "42")
		requireTasks(t, v, "u1:current", "u2:current", "u3:current", "@legal:pending")
		for _, task := range v.Tasks {
			if task.Status == flowtype.TaskPending && (task.RoleID != "legal" || task.Assignee != "" || task.Step != 1) {
				t.Fatalf("pending legal step: %+v", task)
			}
		}
		must(0, f.e.AddRoleMember(f.ctx, acme, "legal", "u6"))

		v = f.approve(v, "u1")
		requirePosition(t, v, flowtype.StatusInProgress, "Finance", "IR")
		f.requireWritten(v, "task_approved(IR)")
		got := f.get(v)
		requireTasks(t, got, "u1:approved", "u2:cancelled", "u3:cancelled", "u4:current", "u5:current", "u6:current")
		var legal []*flowtype.Task
		for _, task := range got.Tasks {
			if task.RoleID == "legal" {
				legal = append(legal, task)
			}
		}
		requireOneStep(t, legal)
	})
}

func TestScenarioK08(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		must(0, f.e.AddRoleMember(f.ctx, acme, "finance", "req"))
		f.createP("", approvals("IR", role("finance", "consensus")))
		f.createP("self", approvals("IR", role("finance", "consensus")), func(w *definition.Workflow) {
			w.AllowSelfApproval = true
		})
		requireTasks(t, f.attachP("P", "42"), "u1:current", "u2:current", "u3:current")
		requireTasks(t, f.attachP("Pself", "43"), "req:current", "u1:current", "u2:current", "u3:current")
	})
}

func TestScenarioK09(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.role("solo", "req")
		f.createP("", approvals("IR", role("solo", "anyone")))
		_, err := f.tryAttach("P", "purchase_request", "42", `{"amount": 1500}`, "req")
		f.requireRefused(err, flowtype.CodeNoActiveApprover, "Role 'solo' has no active members who may approve", nil)
		f.requireNoInstance("purchase_request", "42")
	})
}

func TestScenarioK10(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fx) {
		f.createP("", approvals("IR", role("finance", "anyone")))
		v := f.attachP("P", "42")
		must(0, f.e.RemoveRoleMember(f.ctx, acme, "finance", "u3", "adm"))

		got := f.get(v)
		requirePosition(t, got, flowtype.StatusInProgress, "Finance", "IR")
		requireTasks(t, got, "u1:current", "u2:current", "u3:cancelled")
		if got.Instance.Version != v.Instance.Version+1 {
			t.Fatalf("version %d after the membership change, want %d", got.Instance.Version, v.Instance.Version+1)
		}

		_, err := f.tryApprove(got, "u3")
		f.requireRefusedNoChange(err, flowtype.CodeNotAssignee, "You are not authorized to act on this step.", got)
	})
}
