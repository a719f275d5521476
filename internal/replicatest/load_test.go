package replicatest

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/client"
)

// plan is what the load does with one instance.
type plan int

const (
	planComplete plan = iota // every stage approved: completed
	planPartial              // Triage and Managers approved: in progress at CFO
	planReject               // Triage and Managers approved, the CFO rejects
)

func (p plan) String() string { return [...]string{"complete", "partial", "reject"}[p] }

// planOf spreads the plans over the instances: mostly complete, with
// enough running and rejected ones that cleanup has something to keep.
func planOf(i int) plan {
	switch i % 6 {
	case 1:
		return planPartial
	case 4:
		return planReject
	}
	return planComplete
}

// phase is one stage's decisions on one instance, sent concurrently by
// every approver of the stage; wantOK of them must be answered 2xx, the
// others 409 conflict (their task was closed by the winners).
type phase struct {
	stage  int
	action string
	actors []string
	wantOK int
}

var (
	phaseTriage   = phase{stTriage, "approved", []string{"r1", "r2", "r3"}, 1}
	phaseManagers = phase{stManagers, "approved", []string{"m1", "m2", "m3"}, 3}
	phaseCFO      = phase{stCFO, "approved", []string{"cfo"}, 1}
	phaseReject   = phase{stCFO, "rejected", []string{"cfo"}, 1}
	phaseBoard    = phase{stBoard, "approved", []string{"b1", "b2", "b3"}, 2}
)

func (p plan) phases() []phase {
	switch p {
	case planPartial:
		return []phase{phaseTriage, phaseManagers}
	case planReject:
		return []phase{phaseTriage, phaseManagers, phaseReject}
	}
	return []phase{phaseTriage, phaseManagers, phaseCFO, phaseBoard}
}

// instance is one attached instance and what the load did with it.
type instance struct {
	idx      int
	id       string
	plan     plan
	outcomes []*outcome // every decision sent, phase by phase
	stopped  string     // why the plan stopped early (a failure), if it did
}

// outcome is one decision (one idempotency key) and its final answer.
type outcome struct {
	stage    int
	action   string
	actor    string
	key      string
	attempts int    // requests sent for this key: 1 + retries
	status   int    // final HTTP status; 0 when it never got one
	code     string // problem code and refusal of a 4xx
	lastErr  string // the last transport error or 5xx, when status is 0
	events   []api.Event
}

func (o *outcome) String() string {
	s := fmt.Sprintf("%s %s by %s (key %s): ", stageNames[o.stage], o.action, o.actor, o.key)
	switch {
	case o.status == 0:
		return s + fmt.Sprintf("no answer after %d attempts: %s", o.attempts, o.lastErr)
	case o.code != "":
		return s + fmt.Sprintf("HTTP %d %s after %d attempts", o.status, o.code, o.attempts)
	}
	return s + fmt.Sprintf("HTTP %d after %d attempts", o.status, o.attempts)
}

// driver sends requests round-robin over the replicas through at most
// `clients` concurrent requests. A request that fails in transport or
// with a 5xx is sent again, with the same Idempotency-Key, to another
// replica: what a real client behind a load balancer does.
type driver struct {
	replicas []*replica
	key      string
	runID    string
	hc       *http.Client
	sem      chan struct{}
	rr       atomic.Uint64

	sent        atomic.Int64 // decisions (keys)
	hedges      atomic.Int64 // decisions sent twice at once
	requests    atomic.Int64 // HTTP requests, retries included
	retriedKeys atomic.Int64 // keys that needed more than one request
	transport   atomic.Int64 // transport errors seen
	answeredBy  []atomic.Int64

	// done counts finished decisions; when it reaches killAt, onKill runs
	// (once, in its own goroutine).
	done     atomic.Int64
	killAt   int64
	onKill   func()
	killOnce sync.Once

	mu           sync.Mutex
	serverErrors []string // every 5xx: each one is a bug
	failures     []string // broken expectations, with instance and key
}

func newDriver(replicas []*replica, key string, clients int) *driver {
	return &driver{
		replicas: replicas, key: key, runID: fmt.Sprintf("run%d", time.Now().UnixNano()),
		hc: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: clients, IdleConnTimeout: 30 * time.Second,
		}},
		sem:        make(chan struct{}, clients),
		answeredBy: make([]atomic.Int64, len(replicas)),
	}
}

// pick returns the next replica round-robin, never avoid (the one that
// just failed) when there is another.
func (d *driver) pick(avoid int) int {
	for {
		i := int(d.rr.Add(1) % uint64(len(d.replicas)))
		if i != avoid || len(d.replicas) == 1 {
			return i
		}
	}
}

// send calls fn with a client of a replica until it gets an answer that
// is not a 5xx, retrying elsewhere for up to a minute.
func (d *driver) send(ctx context.Context, actor string, o *outcome, fn func(c *client.Client) error) {
	avoid := -1
	deadline := time.Now().Add(time.Minute)
	for attempt := 1; ; attempt++ {
		d.sem <- struct{}{}
		i := d.pick(avoid)
		c := client.New(d.replicas[i].URL(), d.key, client.ActingAs(actor), client.WithHTTPClient(d.hc))
		err := fn(c)
		<-d.sem
		d.requests.Add(1)
		o.attempts = attempt
		if attempt == 2 {
			d.retriedKeys.Add(1)
		}
		p := client.ProblemOf(err)
		if err == nil || p != nil {
			d.answeredBy[i].Add(1)
		}
		switch {
		case err == nil:
			o.status = http.StatusOK
			return
		case p != nil && p.Status < 500:
			o.status, o.code = p.Status, p.Code
			if p.Refusal != "" {
				o.code += "/" + p.Refusal
			}
			return
		case p != nil:
			d.note(&d.serverErrors, "%s answered %d to key %s: %v", d.replicas[i].name, p.Status, o.key, err)
		default:
			d.transport.Add(1)
		}
		o.lastErr = fmt.Sprintf("%s: %v", d.replicas[i].name, err)
		if time.Now().After(deadline) || ctx.Err() != nil {
			return
		}
		avoid = i
		time.Sleep(min(time.Duration(attempt)*20*time.Millisecond, 300*time.Millisecond))
	}
}

func (d *driver) note(list *[]string, format string, a ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	*list = append(*list, fmt.Sprintf(format, a...))
}

// attach attaches and starts (auto_start) one instance for the requester.
func (d *driver) attach(ctx context.Context, wfID string, in *instance) {
	o := &outcome{actor: "req", key: fmt.Sprintf("%s/attach/%d", d.runID, in.idx), action: "attach"}
	body := map[string]any{
		"subject":     map[string]any{"type": "expense", "id": fmt.Sprintf("exp-%d", in.idx), "data": map[string]any{"amount": 100 + in.idx}},
		"workflow_id": wfID, "auto_start": true,
	}
	var got *api.Instance
	d.send(ctx, "req", o, func(c *client.Client) error {
		v, err := c.Attach(ctx, body, &client.CommandOpts{IdempotencyKey: o.key})
		got = v
		return err
	})
	if o.status != http.StatusOK || got.Status != "in_progress" {
		d.note(&d.failures, "attach of instance %d: %s (status %q)", in.idx, o, got.Status)
		return
	}
	in.id = got.ID
}

// drive runs the instance's plan phase by phase; the approvers of a phase
// decide concurrently, in a random order, so that they race.
func (d *driver) drive(ctx context.Context, in *instance) {
	for _, ph := range in.plan.phases() {
		actors := append([]string(nil), ph.actors...)
		rand.Shuffle(len(actors), func(i, j int) { actors[i], actors[j] = actors[j], actors[i] })
		outs := make([]*outcome, len(actors))
		var wg sync.WaitGroup
		for i, actor := range actors {
			o := &outcome{stage: ph.stage, action: ph.action, actor: actor,
				key: fmt.Sprintf("%s/%s/%s/%s", d.runID, in.id, stageNames[ph.stage], actor)}
			outs[i] = o
			wg.Go(func() { d.decide(ctx, in, o) })
		}
		wg.Wait()
		in.outcomes = append(in.outcomes, outs...)
		if msg := judgePhase(ph, outs); msg != "" {
			in.stopped = msg
			d.note(&d.failures, "instance %d (%s, plan %s): %s", in.idx, in.id, in.plan, msg)
			return
		}
	}
}

func (d *driver) decide(ctx context.Context, in *instance, o *outcome) {
	d.sent.Add(1)
	body := map[string]any{"action": o.action}
	if o.action == "rejected" {
		body["reason"] = "over budget"
	}
	post := func(o *outcome) {
		var got *api.Instance
		d.send(ctx, o.actor, o, func(c *client.Client) error {
			v, err := c.Decide(ctx, in.id, body, &client.CommandOpts{IdempotencyKey: o.key})
			got = v
			return err
		})
		if o.status == http.StatusOK {
			o.events = got.Events
		}
	}
	if !d.hedged(o.key) {
		post(o)
	} else {
		// A hedged request: the same request, same key, sent at once to
		// two replicas, as a client whose first try seems slow does.
		// Exactly one may take effect; both must give the same answer.
		d.hedges.Add(1)
		h := *o
		var wg sync.WaitGroup
		wg.Go(func() { post(o) })
		wg.Go(func() { post(&h) })
		wg.Wait()
		if msg := sameAnswer(o, &h); msg != "" {
			d.note(&d.failures, "instance %d (%s): hedged %s", in.idx, in.id, msg)
		}
	}
	if n := d.done.Add(1); n == d.killAt && d.onKill != nil {
		d.killOnce.Do(func() { go d.onKill() })
	}
}

// hedged picks about one decision in hedgeEvery, by key.
func (d *driver) hedged(key string) bool {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return h.Sum32()%hedgeEvery == 0
}

const hedgeEvery = 8

// sameAnswer compares the answers to the two copies of a hedged request:
// the same status, and for a 2xx the same events (one executed, the other
// was answered from its idempotency record). It returns what differs.
func sameAnswer(a, b *outcome) string {
	seqs := func(o *outcome) string {
		var s []string
		for _, e := range o.events {
			s = append(s, fmt.Sprintf("%d %s", e.Seq, e.Type))
		}
		return strings.Join(s, ", ")
	}
	if a.status != b.status || a.code != b.code || seqs(a) != seqs(b) {
		return fmt.Sprintf("%s answered differently:\n    %s [%s]\n    %s [%s]", a.key, a, seqs(a), b, seqs(b))
	}
	return ""
}

// judgePhase checks a phase's answers: exactly wantOK 2xx, the others 409
// conflict. It returns what is wrong, or "".
func judgePhase(ph phase, outs []*outcome) string {
	ok := 0
	var bad []string
	for _, o := range outs {
		switch {
		case o.status == http.StatusOK:
			ok++
		case o.status == http.StatusConflict && strings.HasPrefix(o.code, "conflict"):
		default:
			bad = append(bad, o.String())
		}
	}
	if ok != ph.wantOK || len(bad) > 0 {
		all := make([]string, len(outs))
		for i, o := range outs {
			all[i] = o.String()
		}
		return fmt.Sprintf("%s: %d of %d decisions answered 2xx, want %d; answers:\n    %s",
			stageNames[ph.stage], ok, len(outs), ph.wantOK, strings.Join(all, "\n    "))
	}
	return ""
}

// plannedDecisions counts the decisions the plans send.
func plannedDecisions(instances []*instance) int64 {
	n := 0
	for _, in := range instances {
		for _, ph := range in.plan.phases() {
			n += len(ph.actors)
		}
	}
	return int64(n)
}

// forEach runs fn over the instances with n goroutines.
func forEach(instances []*instance, n int, fn func(in *instance)) {
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(instances) {
					return
				}
				fn(instances[i])
			}
		})
	}
	wg.Wait()
}
