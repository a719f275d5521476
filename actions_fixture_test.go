package flowgate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/action/email"
	"github.com/flowgate/flowgate/definition"
	"github.com/flowgate/flowgate/flowtype"
)

// Helpers for the action tests (scenario group L and the delivery tests).

// recCall is one call of the "record" handler.
type recCall struct {
	Instance, Event, Stage, Tag string
	Tier                        flowtype.Tier
	Level                       flowtype.Level
	RunKey, DelegatedTo         string
	Data                        map[string]any
}

// recorder is SCENARIOS group L's "record" handler: it stores every call.
type recorder struct {
	mu    sync.Mutex
	calls []recCall
}

func (r *recorder) handle(ctx context.Context, req *flowgate.ActionRequest) error {
	var p struct{ Tag string }
	if err := req.Params(&p); err != nil {
		return err
	}
	if ev := flowgate.EventFromContext(ctx); ev != req.Event {
		return fmt.Errorf("EventFromContext: %v, want the request's event", ev)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, recCall{
		Instance: req.Instance.ID, Event: string(req.Event.Type), Stage: req.Event.StageID, Tag: p.Tag,
		Tier: req.Tier, Level: req.Level, RunKey: req.RunKey, DelegatedTo: req.Context.DelegatedTo, Data: req.Context.Data,
	})
	return nil
}

// of returns the calls for an instance's events of one type, in call order.
func (r *recorder) of(instanceID, event string) []recCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []recCall
	for _, c := range r.calls {
		if c.Instance == instanceID && c.Event == event {
			out = append(out, c)
		}
	}
	return out
}

func (r *recorder) tags(instanceID, event string) []string {
	var out []string
	for _, c := range r.of(instanceID, event) {
		out = append(out, c.Tag)
	}
	return out
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// mailbox collects the e-mails the "email" handler sends through its hook.
type mailbox struct {
	mu   sync.Mutex
	msgs []*email.Message
}

func (m *mailbox) send(_ context.Context, msg *email.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

func (m *mailbox) all() []*email.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.msgs)
}

// signal is broadcast each time workers record outcomes.
type signal struct {
	mu  sync.Mutex
	gen int
	ch  chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }

func (s *signal) bump(string, string, flowgate.RunStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	close(s.ch)
	s.ch = make(chan struct{})
}

// since returns the current generation and a channel closed at the next.
func (s *signal) since() (int, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen, s.ch
}

// actionRig is an engine with actions configured, the record and fail
// handlers, a mailbox, and running workers.
type actionRig struct {
	t    *testing.T
	f    *fx
	e    *flowgate.Engine
	rec  *recorder
	mail *mailbox
	sig  *signal
}

// withActions replaces f.e by an engine with cfg (the mailbox as its
// e-mail sender, fast test workers unless cfg sets them), registers
// "record" and "fail", and starts its workers; a previous rig's workers
// are stopped first.
func (f *fx) withActions(cfg flowgate.Config, prev *actionRig) *actionRig {
	f.t.Helper()
	if prev != nil {
		if err := prev.e.StopWorkers(context.Background()); err != nil {
			f.t.Fatal(err)
		}
	}
	rig := &actionRig{t: f.t, f: f, rec: &recorder{}, mail: &mailbox{}, sig: newSignal()}
	if prev != nil {
		rig.rec, rig.mail = prev.rec, prev.mail
	}
	if cfg.Email.Send == nil && cfg.Email.SMTP.Host == "" {
		cfg.Email.Send = rig.mail.send
	}
	if cfg.Workers.PollInterval == 0 {
		cfg.Workers.PollInterval = 20 * time.Millisecond
	}
	if cfg.Workers.Backoff == nil {
		cfg.Workers.Backoff = func(int) time.Duration { return time.Hour }
	}
	cfg.Workers.OnRecorded = rig.sig.bump
	e, err := flowgate.New(f.ctx, f.s, &cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	e.AddHandler("record", rig.rec.handle)
	e.AddHandler("fail", func(context.Context, *flowgate.ActionRequest) error { return fmt.Errorf("always fails") })
	if err := e.StartWorkers(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = e.StopWorkers(context.Background()) })
	rig.e, f.e = e, e
	return rig
}

// settle waits until the tenant has no pending or running action run.
func (r *actionRig) settle() {
	r.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		_, next := r.sig.since()
		open := must(r.e.ListActionRuns(r.f.ctx, acme, &flowgate.ListActionRunsParams{
			Statuses: []flowgate.RunStatus{flowtype.RunPending, flowtype.RunRunning}, Limit: 500}))
		if len(open) == 0 {
			return
		}
		select {
		case <-next:
		case <-deadline:
			r.t.Fatalf("action runs still open after 30 s: %d", len(open))
		}
	}
}

// runs lists an instance's action runs.
func (r *actionRig) runs(v *flowgate.InstanceView) []*flowgate.ActionRun {
	r.t.Helper()
	return must(r.e.ListActionRuns(r.f.ctx, acme, &flowgate.ListActionRunsParams{InstanceID: v.Instance.ID, Limit: 500}))
}

// record is an action of the record handler with a tag.
func record(id, event, tag string, order int) definition.Action {
	return definition.Action{ID: id, ActionType: event, Handler: "record", Order: order, IsActive: true,
		Parameters: json.RawMessage(`{"tag":"` + tag + `"}`)}
}

// onStage, onPipeline and onWorkflow add actions to a definition.
func onStage(id string, acts ...definition.Action) func(*definition.Workflow) {
	return func(w *definition.Workflow) {
		_, s := w.FindStage(id)
		s.Actions = append(s.Actions, acts...)
	}
}

func onPipeline(id string, acts ...definition.Action) func(*definition.Workflow) {
	return func(w *definition.Workflow) {
		p := w.FindPipeline(id)
		p.Actions = append(p.Actions, acts...)
	}
}

func onWorkflow(acts ...definition.Action) func(*definition.Workflow) {
	return func(w *definition.Workflow) { w.Actions = append(w.Actions, acts...) }
}
