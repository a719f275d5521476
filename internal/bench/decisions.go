package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// decisionScenario is a workload of decisions: purchase-4 or consensus.
type decisionScenario struct {
	name string
	// setup loads the workflow and its directory and returns the
	// workflow's id.
	setup func(ctx context.Context, r *rig) (string, error)
	// waves is the shape the ideal engine reproduces (see idealLoad).
	waves []int
	// drive takes an attached instance to its end, timing each decision
	// with rec and counting refused concurrent decisions.
	drive func(ctx context.Context, drv driver, st *state, rec *recorder) error
}

// recorder is one client's timings.
type recorder struct {
	mu        sync.Mutex
	durations []time.Duration
	conflicts int
}

func (r *recorder) add(d time.Duration) {
	r.mu.Lock()
	r.durations = append(r.durations, d)
	r.mu.Unlock()
}

func (r *recorder) refused() {
	r.mu.Lock()
	r.conflicts++
	r.mu.Unlock()
}

// refused reports whether err is the engine's refusal of a decision
// rather than a failure.
func refused(err error) bool {
	var fe *flowgate.Error
	return errors.As(err, &fe) || refusedHTTP(err)
}

var purchase4 = decisionScenario{
	name:  "purchase-4",
	setup: func(ctx context.Context, r *rig) (string, error) { return r.setupPurchase(ctx) },
	waves: []int{1, 1, 1, 1},
	drive: func(ctx context.Context, drv driver, st *state, rec *recorder) error {
		for !st.done() {
			if len(st.holders) != 1 {
				return fmt.Errorf("bench: instance %s at %q has %d current tasks, want 1", st.id, st.stage, len(st.holders))
			}
			t := time.Now()
			next, err := drv.approve(ctx, st.id, st.holders[0], stageForms[st.stage])
			if err != nil {
				return fmt.Errorf("bench: approve %s at %q: %w", st.id, st.stage, err)
			}
			rec.add(time.Since(t))
			st = next
		}
		if st.status != string(flowtype.StatusCompleted) {
			return fmt.Errorf("bench: instance %s ended %s", st.id, st.status)
		}
		return nil
	},
}

var consensus = decisionScenario{
	name:  "consensus",
	setup: func(ctx context.Context, r *rig) (string, error) { return r.setupConsensus(ctx) },
	waves: []int{5, 3},
	drive: func(ctx context.Context, drv driver, st *state, rec *recorder) error {
		for !st.done() {
			holders := st.holders
			if len(holders) == 0 {
				return fmt.Errorf("bench: instance %s at %q has no current task", st.id, st.stage)
			}
			err := parallel(len(holders), func(i int) error {
				t := time.Now()
				_, err := drv.approve(ctx, st.id, holders[i], nil)
				if err != nil {
					if refused(err) {
						rec.refused()
						return nil
					}
					return fmt.Errorf("bench: approve %s as %s: %w", st.id, holders[i], err)
				}
				rec.add(time.Since(t))
				return nil
			})
			if err != nil {
				return err
			}
			next, err := drv.get(ctx, st.id)
			if err != nil {
				return err
			}
			if next.stage == st.stage && next.status == st.status {
				return fmt.Errorf("bench: instance %s did not leave %q", st.id, st.stage)
			}
			st = next
		}
		if st.status != string(flowtype.StatusCompleted) {
			return fmt.Errorf("bench: instance %s ended %s", st.id, st.status)
		}
		return nil
	},
}

// runDecisions measures a decision scenario on a fresh database: the ideal
// engine first, then n instances attached and decided to completion by
// clients at once with the action workers delivering to the local sinks,
// the ideal engine again. The rate counts the accepted decisions; the
// actions are drained before the database is measured.
func runDecisions(ctx context.Context, t Target, sc decisionScenario, mode string, clients, n int, actionsDuring bool, logf func(string, ...any)) (*Result, []*Result, error) {
	began := time.Now()
	d, err := t.open(ctx, sc.name)
	if err != nil {
		return nil, nil, err
	}
	defer d.close()
	r, err := newRig(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	defer r.close()
	wf, err := sc.setup(ctx, r)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: %s setup: %w", sc.name, err)
	}
	id, err := newIdeal(ctx, d.store.DB(), d.dialect())
	if err != nil {
		return nil, nil, err
	}
	defer id.close()
	load := idealLoad{instances: n, clients: clients, waves: sc.waves}
	logf("%s %s %s %d clients: ideal engine", sc.name, t, mode, clients)
	idealA, err := id.run(ctx, d, load)
	if err != nil {
		return nil, nil, err
	}

	var drv driver = libDriver{r.e}
	if mode == "http" {
		h, err := newHTTPDriver(ctx, r.e)
		if err != nil {
			return nil, nil, err
		}
		drv = h
	}
	defer drv.close()
	before, err := d.bytes(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	if actionsDuring {
		if err := r.e.StartWorkers(ctx); err != nil {
			return nil, nil, err
		}
	}
	resetPeakRSS()
	logf("%s %s %s %d clients: %d instances", sc.name, t, mode, clients, n)
	states := make([]*state, n)
	shares := split(n, clients)
	t0 := time.Now()
	err = parallel(clients, func(c int) error {
		for _, i := range shares[c] {
			st, err := drv.attach(ctx, wf, fmt.Sprint(i+1), subjectData(i))
			if err != nil {
				return fmt.Errorf("bench: attach %d: %w", i+1, err)
			}
			states[i] = st
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	starts := time.Since(t0)
	allocs := startAllocs()
	lat := &latencies{}
	var conflicts atomic.Int64
	t1 := time.Now()
	err = parallel(clients, func(c int) error {
		rec := &recorder{}
		for _, i := range shares[c] {
			if err := sc.drive(ctx, drv, states[i], rec); err != nil {
				return err
			}
		}
		lat.add(rec.durations)
		conflicts.Add(int64(rec.conflicts))
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	elapsed := time.Since(t1)
	decisions := lat.count()
	res := &Result{
		Scenario: sc.name, DB: d.dialect(), Sync: syncOf(t), Mode: mode, Clients: clients, Instances: n, Unit: "decisions",
		StartsPerSec: rate(n, starts), DecisionsPerSec: rate(decisions, elapsed),
		AllocsPerDecision: allocs.per(decisions), Conflicts: int(conflicts.Load()),
	}
	lat.fill(res)
	t2 := time.Now()
	if actionsDuring {
		res.Note = "actions delivered during the decisions"
	} else if err := r.e.StartWorkers(ctx); err != nil {
		return nil, nil, err
	}
	delivered, note, err := drain(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	res.DrainSec, res.Actions = time.Since(t2).Seconds(), delivered
	if !actionsDuring {
		res.ActionsPerSec = rate(delivered, time.Since(t2))
	}
	if note != "" {
		res.Note = strings.TrimPrefix(res.Note+"; "+note, "; ")
	}
	res.PeakRSSMB = peakRSSMB()
	if err := r.e.StopWorkers(ctx); err != nil {
		return nil, nil, err
	}
	after, err := d.bytes(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	res.BytesPerInstance = float64(after-before) / float64(n)

	logf("%s %s %s %d clients: ideal engine again", sc.name, t, mode, clients)
	idealB, err := id.run(ctx, d, load)
	if err != nil {
		return nil, nil, err
	}
	res.IdealDecisionsPerSec, res.IdealP99ms, res.IdealBytes = idealA.mean(idealB)
	if res.IdealDecisionsPerSec > 0 {
		res.Ratio = res.DecisionsPerSec / res.IdealDecisionsPerSec
	}
	res.Elapsed = time.Since(began).Seconds()
	var extra []*Result
	if mode == "library" {
		extra = append(extra, idealResult(d, t, clients, n, idealA, idealB))
	}
	return res, extra, nil
}

// idealResult is the ideal engine's own line.
func idealResult(d *database, t Target, clients, n int, a, b *idealRun) *Result {
	rateMean, p99, bytes := a.mean(b)
	lat := &latencies{}
	lat.add(a.lat.all)
	lat.add(b.lat.all)
	res := &Result{
		Scenario: "ideal", DB: d.dialect(), Sync: syncOf(t), Mode: "library", Clients: clients, Instances: n, Unit: "decisions",
		StartsPerSec: (a.startsPerSec + b.startsPerSec) / 2, DecisionsPerSec: rateMean, BytesPerInstance: bytes,
		IdealDecisionsPerSec: rateMean, Ratio: 1, IdealP99ms: p99, IdealBytes: bytes,
	}
	lat.fill(res)
	return res
}

func syncOf(t Target) string {
	if t.Dialect == "postgres" {
		return ""
	}
	return t.Sync
}

// drain waits until every action run is final and returns how many were
// delivered to the sinks, with a note when some failed for good.
func drain(ctx context.Context, r *rig) (int, string, error) {
	db := r.db.store.DB()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var open int
		if err := db.QueryRowContext(ctx,
			`SELECT COUNT(*) FROM action_runs WHERE status IN ('pending', 'failed', 'running')`).Scan(&open); err != nil {
			return 0, "", err
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			return 0, "", fmt.Errorf("bench: %d action runs still open after 10 minutes", open)
		}
		select {
		case <-ctx.Done():
			return 0, "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	var dead int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM action_runs WHERE status = 'dead'`).Scan(&dead); err != nil {
		return 0, "", err
	}
	note := ""
	if dead > 0 {
		note = fmt.Sprintf("%d action runs dead", dead)
	}
	return r.sinks.delivered(), note, nil
}

// setupConsensus loads a workflow of two stages: a 5-member consensus,
// then a 3-of-5 quorum, with the same actions as purchase-4.
func (r *rig) setupConsensus(ctx context.Context) (string, error) {
	if _, err := r.e.SaveUser(ctx, tenant, &flowgate.User{ID: "500", Name: "Requester", Email: "req@bench.local", IsActive: true}); err != nil {
		return "", err
	}
	for _, role := range []string{"board", "committee"} {
		if _, err := r.e.SaveRole(ctx, tenant, role, role); err != nil {
			return "", err
		}
	}
	for i := 1; i <= 5; i++ {
		u := fmt.Sprintf("m%d", i)
		if _, err := r.e.SaveUser(ctx, tenant, &flowgate.User{ID: u, Name: "Member " + u, Email: u + "@bench.local", IsActive: true}); err != nil {
			return "", err
		}
		for _, role := range []string{"board", "committee"} {
			if err := r.e.AddRoleMember(ctx, tenant, role, u); err != nil {
				return "", err
			}
		}
	}
	doc := `{"id": "consensus", "name": "Board decision", "strategy": 1, "is_active": true, "pipelines": [{"name": "Board", "stages": [
		{"name": "Board consensus", "stage_info": {"approvals": [{"approval_type": "role", "user_role": "board", "role_selection_strategy": "consensus"}]}},
		{"name": "Committee quorum", "stage_info": {"approvals": [{"approval_type": "role", "user_role": "committee", "role_selection_strategy": "quorum", "quorum_count": 3}]}}]}]}`
	def, err := decodeWorkflow(doc)
	if err != nil {
		return "", err
	}
	def.Actions = append(def.Actions, r.everyEventActions()...)
	if _, err := r.e.CreateWorkflow(ctx, tenant, def, &flowgate.WriteOpts{Actor: "500"}); err != nil {
		return "", err
	}
	if _, err := r.e.SaveSubjectType(ctx, tenant, &flowgate.SubjectType{
		Type: subjectType, StatusField: "status", CompletionStatusValue: "approved", RejectionStatusValue: "rejected",
	}); err != nil {
		return "", err
	}
	return def.ID, nil
}
