package flowgate_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"pgregory.net/rapid"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// TestProperty drives random sequences of commands by random users (the
// right ones and wrong ones) on a workflow mixing user steps and role
// steps (anyone, consensus, quorum) over a few subjects, on SQLite, and
// checks the invariants of SEMANTICS §3 after every command. The number of
// checks defaults to 20 here (10 under the race detector); -rapid.checks
// (or RAPID_CHECKS) overrides it.
func TestProperty(t *testing.T) {
	t.Parallel()
	if !rapidFlagSet("rapid.checks", "RAPID_CHECKS") {
		checks := "20"
		if raceDetector() {
			checks = "10" // the race detector slows SQLite some twentyfold
		}
		setFlag(t, "rapid.checks", checks)
	}
	template := propertyTemplate(t)
	dir := t.TempDir()
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		path := filepath.Join(dir, fmt.Sprintf("check%d.db", n))
		copyFile(t, template, path)
		s, err := sqlstore.Open(context.Background(), path, &sqlstore.Options{Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		e, err := flowgate.New(context.Background(), s, &flowgate.Config{})
		if err != nil {
			t.Fatal(err)
		}
		m := &propModel{e: e, ctx: context.Background(), lastProgress: map[string]int{}, mayRegress: map[string]bool{}}
		actions := m.actions()
		// Every subject starts with an instance, so that every command has
		// one to act on (rapid ends a sequence at its first skipped step).
		for _, subject := range propSubjects {
			m.attach(rt, subject)
		}
		rt.Repeat(actions)
		m.touched = ""
		m.check(rt)
	})
}

// rapidFlagSet reports whether a rapid setting was given on the command
// line or in the environment.
func rapidFlagSet(name, env string) bool {
	if _, ok := os.LookupEnv(env); ok {
		return true
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// setFlag sets a flag for the test and restores it afterwards (no other
// test of the package uses rapid).
func setFlag(t *testing.T, name, value string) {
	f := flag.Lookup(name)
	if f == nil {
		t.Fatalf("no flag %s", name)
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

// Property workflow "PR": pipeline A with S1 [user r1, role finance
// anyone] and S2 [role legal consensus]; pipeline B with S3 [role finance
// quorum count 2] and S4 [user mgr].
var (
	propSubjects = []string{"1", "2", "3"}
	propStarters = []string{"req", "u1", "u4", "mgr"}
	propUsers    = []string{"req", "r1", "mgr", "cfo", "u1", "u2", "u3", "u4", "u5"}
	propTargets  = []string{"S1", "S2", "S3", "S4", "nope", ""}
)

func propDef() *definition.Workflow {
	stage := func(id string, order int, s ...definition.Step) definition.Stage {
		return definition.Stage{ID: id, Name: definition.Name{"en": id}, Order: order, IsActive: true,
			Info: definition.Info{Approvals: s, Color: definition.DefaultStageColor}}
	}
	return &definition.Workflow{
		ID: "PR", Name: definition.Name{"en": "Property"}, Strategy: 1, IsActive: true,
		Pipelines: []definition.Pipeline{
			{ID: "A", Name: definition.Name{"en": "A"}, Order: 0, Stages: []definition.Stage{
				stage("S1", 0, user("r1"), role("finance", "anyone")),
				stage("S2", 1, role("legal", "consensus")),
			}},
			{ID: "B", Name: definition.Name{"en": "B"}, Order: 1, Stages: []definition.Stage{
				stage("S3", 0, quorumCount("finance", 2)),
				stage("S4", 1, user("mgr")),
			}},
		},
	}
}

// propertyTemplate builds a migrated SQLite file with fixture P's
// directory and workflow PR; every check starts from a copy.
func propertyTemplate(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "template.db")
	s, err := sqlstore.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := newFx(t, s)
	if _, err := f.e.CreateWorkflow(f.ctx, acme, propDef(), &flowgate.WriteOpts{Actor: "adm"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(from + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(to + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// propModel is the state a check keeps between commands.
type propModel struct {
	e   *flowgate.Engine
	ctx context.Context
	// lastProgress is each instance's progress after the previous command.
	lastProgress map[string]int
	// mayRegress names the instance the last command sent back or
	// resubmitted: its progress may go down once.
	mayRegress map[string]bool
	// touched is the subject the last command acted on ("" for all): a
	// command touches only its own subject's instances, so the check after
	// it reads those (and every subject once a sequence ends).
	touched string
}

// propSnapshot is what a refused command must leave as it was.
type propSnapshot struct {
	view   *flowgate.InstanceView
	events int
	tasks  string
}

func (m *propModel) snap(t *rapid.T, subject string) *propSnapshot {
	v, err := m.e.SubjectInstance(m.ctx, acme, "purchase_request", subject)
	if flowtype.CodeOf(err) == flowtype.CodeNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	hist, err := m.e.History(m.ctx, acme, v.Instance.ID, &flowgate.HistoryParams{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	tasks, _ := json.Marshal(v.Tasks)
	return &propSnapshot{view: v, events: len(hist), tasks: string(tasks)}
}

// command runs one decision on a subject's instance and checks the
// outcome: a refusal changes nothing, a success bumps the version by one
// and writes at least one event. The actor is usually one who may act
// (kind "holder": a holder of a current task; "starter": the starter) and
// otherwise any user, wrong ones included.
func (m *propModel) command(t *rapid.T, name, kind string, run func(id, actor string) (*flowgate.InstanceView, error)) {
	subject := rapid.SampledFrom(propSubjects).Draw(t, "subject")
	m.touched = subject
	before := m.snap(t, subject)
	if before == nil {
		t.Fatalf("subject %s has no instance", subject)
	}
	var right []string
	switch kind {
	case "holder":
		right = sortedCopy(currentAssignees(before.view))
	case "starter":
		right = []string{before.view.Instance.StartedBy}
	}
	var actor string
	if len(right) > 0 && rapid.IntRange(0, 3).Draw(t, "pick a user who may act") > 0 {
		actor = rapid.SampledFrom(right).Draw(t, "actor")
	} else {
		actor = rapid.SampledFrom(propUsers).Draw(t, "actor")
	}
	name = fmt.Sprintf("%s by %s on %s", name, actor, subject)
	_, err := run(before.view.Instance.ID, actor)
	after := m.snap(t, subject)
	if err != nil {
		if flowtype.CodeOf(err) == "" {
			t.Fatalf("%s: not a refusal: %v", name, err)
		}
		t.Logf("%s refused: %v", name, err)
		if after.view.Instance.ID != before.view.Instance.ID || after.view.Instance.Version != before.view.Instance.Version ||
			after.events != before.events || after.tasks != before.tasks {
			t.Fatalf("refused %s changed the instance: version %d→%d, events %d→%d, tasks\n%s\n%s", name,
				before.view.Instance.Version, after.view.Instance.Version, before.events, after.events, before.tasks, after.tasks)
		}
		return
	}
	t.Logf("%s: %s at %q", name, after.view.Instance.Status, after.view.Instance.CurrentStageID)
	if after.view.Instance.Version != before.view.Instance.Version+1 || after.events <= before.events {
		t.Fatalf("%s: version %d→%d, events %d→%d", name, before.view.Instance.Version, after.view.Instance.Version,
			before.events, after.events)
	}
}

// attach has a random starter attach PR to the subject; a refusal (the
// subject has an active instance) must create nothing.
func (m *propModel) attach(t *rapid.T, subject string) {
	m.touched = subject
	actor := rapid.SampledFrom(propStarters).Draw(t, "starter")
	before, _ := m.e.SubjectInstances(m.ctx, acme, "purchase_request", subject)
	v, err := m.e.Attach(m.ctx, acme, &flowgate.AttachParams{
		Actor: actor, WorkflowID: "PR",
		Subject: flowgate.SubjectInput{Type: "purchase_request", ID: subject, Data: json.RawMessage(`{"amount": 1500}`)},
	})
	after, _ := m.e.SubjectInstances(m.ctx, acme, "purchase_request", subject)
	if err != nil {
		if flowtype.CodeOf(err) == "" {
			t.Fatalf("attach: not a refusal: %v", err)
		}
		t.Logf("attach %s by %s refused: %v", subject, actor, err)
		if len(after) != len(before) {
			t.Fatalf("refused attach created an instance")
		}
		return
	}
	t.Logf("attach %s by %s: %s", subject, actor, v.Instance.ID)
	if len(after) != len(before)+1 {
		t.Fatalf("attach: %d instances → %d", len(before), len(after))
	}
}

func (m *propModel) actions() map[string]func(*rapid.T) {
	reason := func(t *rapid.T) string { return rapid.SampledFrom([]string{"", "because"}).Draw(t, "reason") }
	approve := func(t *rapid.T) {
		m.command(t, "approve", "holder", func(id, actor string) (*flowgate.InstanceView, error) {
			return m.e.Approve(m.ctx, acme, id, actor, nil)
		})
	}
	return map[string]func(*rapid.T){
		"": m.check,
		"attach": func(t *rapid.T) {
			m.attach(t, rapid.SampledFrom(propSubjects).Draw(t, "subject"))
		},
		// Approvals are drawn more often, so that instances get far.
		"approve":       approve,
		"approve again": approve,
		"reject": func(t *rapid.T) {
			why := reason(t)
			m.command(t, "reject", "holder", func(id, actor string) (*flowgate.InstanceView, error) {
				return m.e.Reject(m.ctx, acme, id, actor, why, nil)
			})
		},
		"send back": func(t *rapid.T) {
			why := reason(t)
			target := rapid.SampledFrom(propTargets).Draw(t, "target")
			m.command(t, "send back to "+target, "holder", func(id, actor string) (*flowgate.InstanceView, error) {
				v, err := m.e.SendBack(m.ctx, acme, id, actor, target, why, nil)
				if err == nil {
					m.mayRegress[id] = true
				}
				return v, err
			})
		},
		"resubmit": func(t *rapid.T) {
			m.command(t, "resubmit", "starter", func(id, actor string) (*flowgate.InstanceView, error) {
				v, err := m.e.Resubmit(m.ctx, acme, id, actor, nil)
				if err == nil {
					m.mayRegress[id] = true
				}
				return v, err
			})
		},
		"delegate": func(t *rapid.T) {
			to := rapid.SampledFrom(append([]string{"ghost"}, propUsers...)).Draw(t, "delegate")
			m.command(t, "delegate to "+to, "holder", func(id, actor string) (*flowgate.InstanceView, error) {
				return m.e.Delegate(m.ctx, acme, id, actor, to, nil)
			})
		},
		// Withdrawing ends an instance at once: any user may try, so that
		// it succeeds less often than the other commands.
		"withdraw": func(t *rapid.T) {
			m.command(t, "withdraw", "anyone", func(id, actor string) (*flowgate.InstanceView, error) {
				return m.e.Withdraw(m.ctx, acme, id, actor, nil)
			})
		},
	}
}

// check asserts the invariants over every instance of the subject the last
// command touched, or of every subject.
func (m *propModel) check(t *rapid.T) {
	subjects := propSubjects
	if m.touched != "" {
		subjects = []string{m.touched}
	}
	for _, subject := range subjects {
		list, err := m.e.SubjectInstances(m.ctx, acme, "purchase_request", subject)
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, inst := range list {
			if !inst.Status.Finished() {
				active++
			}
			m.checkInstance(t, inst.ID)
		}
		if active > 1 {
			t.Fatalf("subject %s has %d active instances", subject, active)
		}
	}
	clear(m.mayRegress)
}

func (m *propModel) checkInstance(t *rapid.T, id string) {
	v, err := m.e.GetInstance(m.ctx, acme, id)
	if err != nil {
		t.Fatal(err)
	}
	inst := v.Instance
	hist, err := m.e.History(m.ctx, acme, id, &flowgate.HistoryParams{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range hist {
		if ev.Seq != i+1 {
			t.Fatalf("instance %s: event %d (%s) has seq %d", id, i, ev.Type, ev.Seq)
		}
	}
	if inst.NextSeq != len(hist)+1 {
		t.Fatalf("instance %s: next seq %d with %d events", id, inst.NextSeq, len(hist))
	}

	open, current := v.OpenTasks(), v.CurrentTasks()
	switch inst.Status {
	case flowtype.StatusCompleted, flowtype.StatusRejected, flowtype.StatusWithdrawn, flowtype.StatusAwaitingResubmission:
		if len(open) > 0 {
			t.Fatalf("instance %s is %s with open tasks %v", id, inst.Status, taskStatuses(v))
		}
	case flowtype.StatusInProgress:
		// One current stage, one current step, and someone to act on it.
		if len(current) == 0 {
			t.Fatalf("instance %s is in progress with no current task: %v", id, taskStatuses(v))
		}
		for _, task := range open {
			if task.StageID != inst.CurrentStageID || task.Round != current[0].Round {
				t.Fatalf("instance %s at %s has an open task elsewhere: %+v", id, inst.CurrentStageID, task)
			}
		}
		for _, task := range current {
			if task.Step != current[0].Step {
				t.Fatalf("instance %s: current tasks on steps %d and %d", id, current[0].Step, task.Step)
			}
		}
	}
	if inst.Status == flowtype.StatusCompleted && (inst.CurrentStageID != "" || v.ProgressPercentage != 100) {
		t.Fatalf("completed instance %s at %q, progress %d", id, inst.CurrentStageID, v.ProgressPercentage)
	}

	progress := v.ProgressPercentage
	if inst.Status == flowtype.StatusRejected || inst.Status == flowtype.StatusWithdrawn {
		if progress != 0 {
			t.Fatalf("%s instance %s shows progress %d", inst.Status, id, progress)
		}
		return
	}
	if last, ok := m.lastProgress[id]; ok && progress < last && !m.mayRegress[id] {
		t.Fatalf("instance %s: progress went from %d to %d", id, last, progress)
	}
	m.lastProgress[id] = progress
}
