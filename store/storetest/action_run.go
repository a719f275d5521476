package storetest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// runFixture creates instance i1 of wf1 with events 1 and 2, for runs to
// refer to.
func runFixture(t *testing.T, s store.Store, tenant string) *fixture {
	t.Helper()
	f := newFixture(t, s, tenant)
	f.workflow("wf1")
	f.instance("i1", "wf1", "po", "1", flowtype.StatusInProgress)
	runEvents(t, s, tenant, 1, 2)
	return f
}

// runEvents adds events from..to (inclusive) to the fixture's instance i1:
// runs of different events never hold each other back.
func runEvents(t *testing.T, s store.Store, tenant string, from, to int) {
	t.Helper()
	var evs []*flowtype.Event
	for seq := from; seq <= to; seq++ {
		typ := flowtype.EventAfterApprove
		if seq%2 == 0 {
			typ = flowtype.EventAfterMoveStage
		}
		evs = append(evs, &flowtype.Event{TenantID: tenant, InstanceID: "i1", Seq: seq, Type: typ, Actor: "ann", At: at(0)})
	}
	requireNoError(t, s.EventInsert(t.Context(), evs), "EventInsert")
}

// newRun is the first run of event seq of i1. A run is identified by its
// instance, event and ordinal: give further runs of one event their own
// Ordinal.
func newRun(tenant, id string, seq int, due time.Time) *flowtype.ActionRun {
	return &flowtype.ActionRun{
		TenantID: tenant, ID: id, InstanceID: "i1", EventSeq: seq, Event: flowtype.EventAfterApprove, Ordinal: 1,
		ActionID: "a-" + id, Handler: "record", Parameters: json.RawMessage(`{"tag":"` + id + `"}`),
		State: json.RawMessage(`{"status":"in_progress","current_approvers":["ann"]}`),
		Tier:  flowtype.TierDatabase, Level: flowtype.LevelStage, Status: flowtype.RunPending,
		MaxAttempts: 3, NextRunAt: due, RunKey: "ignored: the store derives it", CreatedAt: due, UpdatedAt: due,
	}
}

func testActionRun(t *testing.T, s store.Store) {
	ctx := t.Context()
	runFixture(t, s, "t1")
	r1, r2 := newRun("t1", "r1", 1, at(1)), newRun("t1", "r2", 2, at(2))
	r2.Tier, r2.Level, r2.ActionID, r2.Parameters = flowtype.TierDefault, "", "", nil
	requireNoError(t, s.ActionRunInsert(ctx, []*flowtype.ActionRun{r1, r2}), "ActionRunInsert")
	requireNoError(t, s.ActionRunInsert(ctx, nil), "ActionRunInsert of none")
	requireEqual(t, []string{r1.RunKey, r2.RunKey}, []string{"i1:1:1", "i1:2:1"}, "run keys derived from instance, event and ordinal")
	bare := &flowtype.ActionRun{TenantID: "t1", ID: "r3", InstanceID: "i1", EventSeq: 1, Event: flowtype.EventAfterApprove,
		Ordinal: 2, Handler: "log", Tier: flowtype.TierSettings, MaxAttempts: 1}
	requireNoError(t, s.ActionRunInsert(ctx, []*flowtype.ActionRun{bare}), "ActionRunInsert with defaults")
	recent(t, bare.CreatedAt, "CreatedAt")
	requireEqual(t, bare.NextRunAt, bare.CreatedAt, "NextRunAt defaults to now")
	requireEqual(t, bare.Status, flowtype.RunPending, "Status defaults to pending")
	requireEqual(t, bare.RunKey, "i1:1:2", "RunKey set")

	got, err := s.ActionRunGet(ctx, "t1", "r1")
	requireNoError(t, err, "ActionRunGet")
	requireEqual(t, got, r1, "run r1")
	got, err = s.ActionRunGet(ctx, "t1", "r3")
	requireNoError(t, err, "ActionRunGet")
	requireEqual(t, got, bare, "run r3")
	_, err = s.ActionRunGet(ctx, "t1", "nope")
	requireNotFound(t, err, "ActionRunGet of an unknown run")

	// (instance, event, ordinal) identifies a run, and its run key with it:
	// a second run in a taken place is a conflict, and so is a taken id.
	// The statement is all or nothing: r8, in a free place, is not kept.
	r8 := newRun("t1", "r8", 1, at(1))
	r8.Ordinal = 3
	dup := newRun("t1", "r9", 1, at(1))
	requireConflict(t, s.ActionRunInsert(ctx, []*flowtype.ActionRun{r8, dup}),
		"ActionRunInsert of a taken (instance, event, ordinal), which would repeat a run key")
	dupID := newRun("t1", "r1", 2, at(1))
	dupID.Ordinal = 2
	requireConflict(t, s.ActionRunInsert(ctx, []*flowtype.ActionRun{dupID}), "ActionRunInsert of a taken id")
	requireNotFound(t, s.ActionRunInsert(ctx, []*flowtype.ActionRun{newRun("t1", "r7", 9, at(1))}),
		"ActionRunInsert for a missing event")

	list := func(p store.ActionRunListParams) []string {
		t.Helper()
		p.TenantID = "t1"
		got, err := s.ActionRunList(ctx, &p)
		requireNoError(t, err, "ActionRunList")
		return ids(got, func(r *flowtype.ActionRun) string { return r.ID })
	}
	requireEqual(t, list(store.ActionRunListParams{}), []string{"r1", "r2", "r3"}, "all runs (r8 rolled back)")
	requireEqual(t, list(store.ActionRunListParams{InstanceID: "i1", AfterID: "r1", Limit: 1}), []string{"r2"}, "page")
	requireEqual(t, list(store.ActionRunListParams{InstanceID: "i2"}), []string{}, "runs of another instance")

	// Claim, fail with a backoff, claim again after it, die, retry by hand.
	claim := func(owner string, now time.Time, n int) []*flowtype.ActionRun {
		t.Helper()
		got, err := s.ActionRunClaim(ctx, &store.ActionRunClaimParams{Owner: owner, Limit: n, Now: now, LeaseUntil: now.Add(time.Minute)})
		requireNoError(t, err, "ActionRunClaim")
		return got
	}
	finish := func(p store.ActionRunFinishParams) int {
		t.Helper()
		p.TenantID = "t1"
		n, err := s.ActionRunFinish(ctx, []*store.ActionRunFinishParams{&p})
		requireNoError(t, err, "ActionRunFinish")
		return n
	}
	// r3 is due now (stamped); keep it out of the way.
	requireEqual(t, finish(store.ActionRunFinishParams{ID: "r3", Owner: "", Status: flowtype.RunSucceeded, Now: at(0)}), 0,
		"finishing a run that is not running")
	claimed := claim("w1", at(1), 1)
	requireEqual(t, ids(claimed, func(r *flowtype.ActionRun) string { return r.ID }), []string{"r1"}, "claim the due run")
	c := claimed[0]
	requireEqual(t, []any{c.Status, c.Attempts, c.LeaseOwner, *c.LeaseUntil, c.NextRunAt, c.RunKey},
		[]any{flowtype.RunRunning, 1, "w1", at(61), at(61), "i1:1:1"}, "claimed run (same key on every attempt)")
	requireEqual(t, finish(store.ActionRunFinishParams{ID: "r1", Owner: "w2", Status: flowtype.RunSucceeded, Now: at(2)}), 0,
		"finish by another owner")
	requireEqual(t, finish(store.ActionRunFinishParams{ID: "r1", Owner: "w1", Status: flowtype.RunFailed,
		LastError: "boom", NextRunAt: at(100), DurationMS: 12, Now: at(3)}), 1, "record a failure")
	got, _ = s.ActionRunGet(ctx, "t1", "r1")
	requireEqual(t, []any{got.Status, got.Attempts, got.LastError, got.NextRunAt, got.LeaseOwner, got.LeaseUntil == nil, got.DurationMS},
		[]any{flowtype.RunFailed, 1, "boom", at(100), "", true, int64(12)}, "failed run")
	requireEqual(t, string(got.State), string(r1.State), "a failed run keeps its state for the next attempt")
	requireEqual(t, list(store.ActionRunListParams{Statuses: []flowtype.RunStatus{flowtype.RunFailed}}), []string{"r1"}, "failed runs")

	requireEqual(t, len(claim("w1", at(99), 10)), 1, "before its next run only r2 is due")
	again := claim("w1", at(100), 10)
	requireEqual(t, ids(again, func(r *flowtype.ActionRun) string { return r.ID }), []string{"r1"}, "due again at next_run_at")
	requireEqual(t, again[0].Attempts, 2, "second attempt")
	requireEqual(t, finish(store.ActionRunFinishParams{ID: "r1", Owner: "w1", Status: flowtype.RunDead, LastError: "boom 2", Now: at(101)}), 1,
		"record death")
	requireEqual(t, len(claim("w1", at(150), 10)), 0, "a dead run is never due (r2 is leased)")
	got, _ = s.ActionRunGet(ctx, "t1", "r1")
	requireEqual(t, []any{got.Status, string(got.State), got.RunKey}, []any{flowtype.RunDead, string(r1.State), "i1:1:1"},
		"a dead run keeps its state: it may be retried")

	res := json.RawMessage(`{"sent":1}`)
	requireEqual(t, finish(store.ActionRunFinishParams{ID: "r2", Owner: "w1", Status: flowtype.RunSucceeded, Result: res, Now: at(102)}), 1,
		"record a success")
	got, _ = s.ActionRunGet(ctx, "t1", "r2")
	requireEqual(t, []any{got.Status, string(got.Result), got.Attempts, got.LeaseOwner, got.LeaseUntil == nil},
		[]any{flowtype.RunSucceeded, `{"sent":1}`, 1, "", true}, "succeeded run")
	requireEqual(t, []any{got.State == nil, got.RunKey}, []any{true, "i1:2:1"},
		"a succeeded run drops its state (never executed again) and keeps its key")

	retried, err := s.ActionRunRetry(ctx, &store.ActionRunRetryParams{TenantID: "t1", ID: "r1", Now: at(200)})
	requireNoError(t, err, "ActionRunRetry")
	requireEqual(t, []any{retried.Status, retried.NextRunAt, retried.Attempts, retried.MaxAttempts, retried.LastError},
		[]any{flowtype.RunPending, at(200), 2, 3, "boom 2"}, "retried run (an attempt was left)")
	_, err = s.ActionRunRetry(ctx, &store.ActionRunRetryParams{TenantID: "t1", ID: "r2", Now: at(200)})
	requireCode(t, err, flowtype.CodeConflict, "ActionRunRetry of a succeeded run")
	_, err = s.ActionRunRetry(ctx, &store.ActionRunRetryParams{TenantID: "t1", ID: "nope", Now: at(200)})
	requireNotFound(t, err, "ActionRunRetry of an unknown run")
	_, err = s.ActionRunRetry(ctx, &store.ActionRunRetryParams{TenantID: "t2", ID: "r1", Now: at(200)})
	requireNotFound(t, err, "ActionRunRetry from another tenant")

	// A dead run that used every attempt gets one more.
	third := claim("w1", at(200), 10)
	requireEqual(t, third[0].Attempts, 3, "third attempt")
	finish(store.ActionRunFinishParams{ID: "r1", Owner: "w1", Status: flowtype.RunDead, LastError: "boom 3", Now: at(201)})
	retried, err = s.ActionRunRetry(ctx, &store.ActionRunRetryParams{TenantID: "t1", ID: "r1", Now: at(300)})
	requireNoError(t, err, "ActionRunRetry")
	requireEqual(t, []any{retried.Attempts, retried.MaxAttempts}, []any{3, 4}, "one more attempt allowed")
}

func testActionRunClaim(t *testing.T, s store.Store) {
	ctx := t.Context()
	runFixture(t, s, "t1")
	runFixture(t, s, "t2")
	runEvents(t, s, "t1", 3, 3)
	runEvents(t, s, "t2", 3, 3)
	var runs []*flowtype.ActionRun
	for i := range 6 {
		tenant := "t1"
		if i%2 == 1 {
			tenant = "t2"
		}
		// One run per event: none waits for another.
		runs = append(runs, newRun(tenant, seqName("r", i), i/2+1, at(10-i)))
	}
	for _, r := range runs {
		requireNoError(t, s.ActionRunInsert(ctx, []*flowtype.ActionRun{r}), "ActionRunInsert")
	}
	// Oldest due first, every tenant, at most Limit.
	got, err := s.ActionRunClaim(ctx, &store.ActionRunClaimParams{Owner: "w1", Limit: 4, Now: at(20), LeaseUntil: at(30)})
	requireNoError(t, err, "ActionRunClaim")
	requireEqual(t, len(got), 4, "claimed")
	seen := map[string]bool{}
	for _, r := range got {
		seen[r.TenantID+"/"+r.ID] = true
	}
	requireEqual(t, seen, map[string]bool{"t2/r005": true, "t1/r004": true, "t2/r003": true, "t1/r002": true}, "the four due first")
	none, err := s.ActionRunClaim(ctx, &store.ActionRunClaimParams{Owner: "w1", Limit: 0, Now: at(20), LeaseUntil: at(30)})
	requireNoError(t, err, "ActionRunClaim of none")
	requireEqual(t, len(none), 0, "limit 0")

	// A crashed owner's lease expires: its runs are due again for another.
	rest, err := s.ActionRunClaim(ctx, &store.ActionRunClaimParams{Owner: "w2", Limit: 10, Now: at(29), LeaseUntil: at(40)})
	requireNoError(t, err, "ActionRunClaim")
	requireEqual(t, len(rest), 2, "only the two unclaimed runs before the lease ends")
	taken, err := s.ActionRunClaim(ctx, &store.ActionRunClaimParams{Owner: "w2", Limit: 10, Now: at(30), LeaseUntil: at(40)})
	requireNoError(t, err, "ActionRunClaim")
	requireEqual(t, len(taken), 4, "w1's runs after its lease")
	for _, r := range taken {
		requireEqual(t, []any{r.LeaseOwner, r.Attempts}, []any{"w2", 2}, "re-leased run")
	}
	n, err := s.ActionRunFinish(ctx, []*store.ActionRunFinishParams{
		{TenantID: taken[0].TenantID, ID: taken[0].ID, Owner: "w1", Status: flowtype.RunSucceeded, Now: at(31)},
		{TenantID: taken[1].TenantID, ID: taken[1].ID, Owner: "w2", Status: flowtype.RunSucceeded, Now: at(31)},
	})
	requireNoError(t, err, "ActionRunFinish")
	requireEqual(t, n, 1, "the late owner's outcome is dropped, the new owner's kept")
}

// testActionRunConcurrentClaim has several claimers split a backlog: no
// run is handed out twice and none is left.
func testActionRunConcurrentClaim(t *testing.T, s store.Store) {
	ctx := t.Context()
	runFixture(t, s, "t1")
	const total = 300
	runEvents(t, s, "t1", 3, total)
	runs := make([]*flowtype.ActionRun, total)
	for i := range runs {
		runs[i] = newRun("t1", seqName("r", i), i+1, at(0)) // one per event: none waits for another
	}
	requireNoError(t, s.ActionRunInsert(ctx, runs), "ActionRunInsert")
	var mu sync.Mutex
	count := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ActionRunClaim(ctx, &store.ActionRunClaimParams{
					Owner: seqName("w", w), Limit: 7, Now: at(1), LeaseUntil: at(100)})
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, r := range got {
					count[r.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent ActionRunClaim: %v", err)
	}
	requireEqual(t, len(count), total, "every run claimed")
	for id, n := range count {
		if n != 1 {
			t.Fatalf("run %s claimed %d times", id, n)
		}
	}
}

// testActionRunOrder checks that the runs of one event run one after the
// other: a run is claimable once the runs before it are final.
func testActionRunOrder(t *testing.T, s store.Store) {
	ctx := t.Context()
	runFixture(t, s, "t1")
	var runs []*flowtype.ActionRun
	for i := range 3 {
		r := newRun("t1", seqName("a", i), 1, at(0))
		r.Ordinal = i + 1
		runs = append(runs, r)
	}
	other := newRun("t1", "b", 2, at(0)) // another event: not held back
	other.Ordinal = 2
	requireNoError(t, s.ActionRunInsert(ctx, append(runs, other)), "ActionRunInsert")
	got, err := s.ActionRunGet(ctx, "t1", "a001")
	requireNoError(t, err, "ActionRunGet")
	requireEqual(t, got.Ordinal, 2, "ordinal stored")

	claim := func(now time.Time) []string {
		t.Helper()
		got, err := s.ActionRunClaim(ctx, &store.ActionRunClaimParams{Owner: "w", Limit: 10, Now: now, LeaseUntil: now.Add(time.Second)})
		requireNoError(t, err, "ActionRunClaim")
		return ids(got, func(r *flowtype.ActionRun) string { return r.ID })
	}
	finish := func(id string, status flowtype.RunStatus, next time.Time) {
		t.Helper()
		n, err := s.ActionRunFinish(ctx, []*store.ActionRunFinishParams{{TenantID: "t1", ID: id, Owner: "w", Status: status,
			LastError: "x", NextRunAt: next, Now: next}})
		requireNoError(t, err, "ActionRunFinish")
		requireEqual(t, n, 1, "recorded")
	}
	requireEqual(t, claim(at(1)), []string{"a000", "b"}, "the first run of each event")
	finish("b", flowtype.RunSucceeded, at(1))
	finish("a000", flowtype.RunFailed, at(50))
	requireEqual(t, claim(at(10)), []string{}, "a failed run waiting for its retry holds the next back")
	requireEqual(t, claim(at(50)), []string{"a000"}, "the retry")
	finish("a000", flowtype.RunDead, at(51))
	requireEqual(t, claim(at(51)), []string{"a001"}, "a dead run lets the next go")
	finish("a001", flowtype.RunSucceeded, at(52))
	requireEqual(t, claim(at(52)), []string{"a002"}, "then the last")
}
