package flowgate_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store/sqlstore"
)

// seen is what a recordingObserver saw of one command.
type seen struct {
	Kind       flowgate.CommandKind
	Action     flowgate.Action
	TenantID   string
	InstanceID string
	Code       flowgate.Code
	SameCtx    bool
}

type ctxMark struct{ name string }

// recordingObserver records the commands it sees; name marks the context
// its CommandStarted returns, so the test can check CommandEnded gets it.
type recordingObserver struct {
	name string
	mu   sync.Mutex
	log  *[]string
	got  []seen
}

func (o *recordingObserver) CommandStarted(ctx context.Context, c *flowgate.Command) context.Context {
	o.mu.Lock()
	*o.log = append(*o.log, o.name+" started")
	o.mu.Unlock()
	return context.WithValue(ctx, ctxMark{o.name}, true)
}

func (o *recordingObserver) CommandEnded(ctx context.Context, c *flowgate.Command, d time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	*o.log = append(*o.log, o.name+" ended")
	same := ctx.Value(ctxMark{o.name}) == true && d > 0
	o.got = append(o.got, seen{c.Kind, c.Action, c.TenantID, c.InstanceID, flowgate.CodeOf(err), same})
}

// TestObserver runs attach, start and decisions, accepted and refused,
// and checks what two joined observers saw, in which order.
func TestObserver(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var order []string
	a := &recordingObserver{name: "a", log: &order}
	b := &recordingObserver{name: "b", log: &order}
	s, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "flowgate.db"), &sqlstore.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e, err := flowgate.New(ctx, s, &flowgate.Config{Observer: flowgate.JoinObservers(a, nil, b)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateTenant(ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if _, err := e.SaveUser(ctx, "acme", &flowgate.User{ID: u, Name: u, IsActive: true}); err != nil {
			t.Fatal(err)
		}
	}
	def, err := definition.DecodeYAML([]byte(`
name_en: Review
strategy: 1
pipelines:
  - name_en: Finance
    stages:
      - name_en: Review
        stage_info: {approvals: [{approval_type: user, approval_user: bob}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	wf, err := e.CreateWorkflow(ctx, "acme", def, nil)
	if err != nil {
		t.Fatal(err)
	}
	no := false
	v, err := e.Attach(ctx, "acme", &flowgate.AttachParams{Actor: "alice", WorkflowID: wf.Definition.ID, AutoStart: &no,
		Subject: flowgate.SubjectInput{Type: "po", ID: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	id := v.Instance.ID
	if _, err := e.Start(ctx, "acme", id, "alice", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Approve(ctx, "acme", id, "alice", nil); flowgate.CodeOf(err) != flowtype.CodeNotAssignee {
		t.Fatalf("alice approves: %v", err)
	}
	if _, err := e.Approve(ctx, "acme", id, "bob", nil); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{flowgate.CommandAttach, "", "acme", id, "", true},
		{flowgate.CommandStart, "", "acme", id, "", true},
		{flowgate.CommandDecide, flowgate.ActionApprove, "acme", id, flowtype.CodeNotAssignee, true},
		{flowgate.CommandDecide, flowgate.ActionApprove, "acme", id, "", true},
	}
	for _, o := range []*recordingObserver{a, b} {
		if diff := cmp.Diff(want, o.got); diff != "" {
			t.Errorf("observer %s saw (-want +got):\n%s", o.name, diff)
		}
	}
	if diff := cmp.Diff([]string{"a started", "b started", "b ended", "a ended"}, order[:4]); diff != "" {
		t.Errorf("call order (-want +got):\n%s", diff)
	}
}

func TestJoinObservers(t *testing.T) {
	t.Parallel()
	var order []string
	a := &recordingObserver{name: "a", log: &order}
	if got := flowgate.JoinObservers(); got != nil {
		t.Errorf("JoinObservers() = %v, want nil", got)
	}
	if got := flowgate.JoinObservers(nil, nil); got != nil {
		t.Errorf("JoinObservers(nil, nil) = %v, want nil", got)
	}
	if got := flowgate.JoinObservers(nil, a); got != flowgate.Observer(a) {
		t.Errorf("JoinObservers(nil, a) = %v, want a itself", got)
	}
}
