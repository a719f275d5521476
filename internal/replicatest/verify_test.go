package replicatest

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/client"
	"github.com/flowgate/flowgate/flowtype"
)

// reporter collects failures and reports the first few of each check, so
// that one systematic bug does not print thousands of lines.
type reporter struct {
	t     *testing.T
	check string
	n     int
}

func (r *reporter) errorf(format string, a ...any) {
	r.t.Helper()
	r.n++
	if r.n <= 15 {
		r.t.Errorf("%s: "+format, append([]any{r.check}, a...)...)
	}
}

func (r *reporter) done() {
	r.t.Helper()
	if r.n > 15 {
		r.t.Errorf("%s: %d failures in all (15 shown)", r.check, r.n)
	}
}

// taskIDOf returns the task a decision event names (data.task_id).
func taskIDOf(e api.Event) string {
	var d struct {
		TaskID string `json:"task_id"`
	}
	_ = json.Unmarshal(e.Data, &d)
	return d.TaskID
}

func stageOf(e api.Event) string {
	if e.StageID == nil {
		return ""
	}
	return *e.StageID
}

// readHistories reads every instance's history through the API, spread
// over the replicas: the history is what the API promises a client.
func readHistories(t *testing.T, d *driver, instances []*instance) map[string][]api.Event {
	t.Helper()
	out := make(map[string][]api.Event, len(instances))
	var failed []string
	forEach(instances, 8, func(in *instance) {
		if in.id == "" {
			return
		}
		c := client.New(d.replicas[in.idx%len(d.replicas)].URL(), d.key)
		var events []api.Event
		cursor := ""
		for {
			page, err := c.History(t.Context(), in.id, &client.ListOpts{Limit: 500, Cursor: cursor})
			if err != nil {
				d.note(&failed, "history of %s: %v", in.id, err)
				return
			}
			events = append(events, page.Items...)
			if page.NextCursor == nil || *page.NextCursor == "" {
				break
			}
			cursor = *page.NextCursor
		}
		d.mu.Lock()
		out[in.id] = events
		d.mu.Unlock()
	})
	for _, f := range failed {
		t.Error(f)
	}
	return out
}

// checkDecisionsInHistory: every decision answered 2xx is in its
// instance's history exactly once, as the event its answer reported; and
// every decision event of the history is one answered 2xx (a decision
// that committed while its client was told otherwise is lost to the
// client).
func checkDecisionsInHistory(t *testing.T, instances []*instance, histories map[string][]api.Event) {
	t.Helper()
	r := &reporter{t: t, check: "decision in history"}
	defer r.done()
	for _, in := range instances {
		if in.id == "" {
			continue
		}
		hist := histories[in.id]
		answered := map[int]*outcome{} // seq of the decision event -> outcome
		for _, o := range in.outcomes {
			if o.status != http.StatusOK {
				continue
			}
			var mine []api.Event
			for _, e := range o.events {
				if taskIDOf(e) != "" {
					mine = append(mine, e)
				}
			}
			if len(mine) != 1 {
				r.errorf("instance %s: the answer to %s reports %d decision events, want 1: %+v", in.id, o, len(mine), o.events)
				continue
			}
			want := mine[0]
			if prev := answered[want.Seq]; prev != nil {
				r.errorf("instance %s: two decisions answered with event %d: %s and %s", in.id, want.Seq, prev, o)
			}
			answered[want.Seq] = o
			matches := 0
			for _, e := range hist {
				if taskIDOf(e) == taskIDOf(want) && e.Actor == o.actor {
					matches++
					if e.Seq != want.Seq || e.Type != want.Type {
						r.errorf("instance %s: %s answered event %d %s, the history has %d %s", in.id, o, want.Seq, want.Type, e.Seq, e.Type)
					}
				}
			}
			if matches != 1 {
				r.errorf("instance %s: %s is %d times in the history, want once", in.id, o, matches)
			}
		}
		for _, e := range hist {
			if taskIDOf(e) != "" && answered[e.Seq] == nil {
				r.errorf("instance %s: history event %d %s by %s (task %s) answers no decision the clients were told succeeded",
					in.id, e.Seq, e.Type, e.Actor, taskIDOf(e))
			}
		}
	}
}

// checkNoDoubleAdvance checks each instance's history and final state
// against its plan: every stage approved at most once (exactly when the
// plan got past it), entered at most once, the terminal events matching
// the status, and sequence numbers without gaps or repeats.
func checkNoDoubleAdvance(t *testing.T, db *sql.DB, s *seeded, instances []*instance, histories map[string][]api.Event) {
	t.Helper()
	r := &reporter{t: t, check: "advance"}
	defer r.done()
	states := readInstances(t, db)
	approvals := readApprovals(t, db)
	for _, in := range instances {
		if in.id == "" || in.stopped != "" {
			continue // already reported by the load
		}
		hist := histories[in.id]
		count := map[string]int{} // type/stage -> events
		for i, e := range hist {
			if e.Seq != i+1 {
				r.errorf("instance %s: history event %d has seq %d", in.id, i+1, e.Seq)
			}
			count[e.Type+"/"+stageOf(e)]++
		}
		approvedStages := map[plan]int{planComplete: stageCount, planPartial: stCFO, planReject: stCFO}[in.plan]
		for st, id := range s.stageIDs {
			want := 0
			if st < approvedStages {
				want = 1
			}
			if n := count["after_approve/"+id]; n != want {
				r.errorf("instance %s (plan %s): stage %s approved %d times, want %d", in.id, in.plan, stageNames[st], n, want)
			}
			if n := count["after_move_stage/"+id]; n > 1 {
				r.errorf("instance %s: stage %s entered %d times", in.id, stageNames[st], n)
			}
			wantTasks := 0
			if st < approvedStages {
				wantTasks = approvalsNeeded[st]
			}
			if got := approvals[in.id][id]; len(got) != wantTasks || hasRepeat(got) {
				r.errorf("instance %s (plan %s): stage %s has approved tasks by %v, want %d distinct approvers", in.id, in.plan, stageNames[st], got, wantTasks)
			}
		}
		wantStatus, wantStage, completes, rejects := "completed", "", 1, 0
		switch in.plan {
		case planPartial:
			wantStatus, wantStage, completes = "in_progress", s.stageIDs[stCFO], 0
		case planReject:
			wantStatus, completes, rejects = "rejected", 0, 1
		}
		total := func(typ string) int {
			n := 0
			for k, v := range count {
				if strings.HasPrefix(k, typ+"/") {
					n += v
				}
			}
			return n
		}
		if total("on_workflow_start") != 1 || total("on_workflow_complete") != completes || total("after_reject") != rejects {
			r.errorf("instance %s (plan %s): %d starts, %d completions, %d rejections in the history, want 1, %d, %d",
				in.id, in.plan, total("on_workflow_start"), total("on_workflow_complete"), total("after_reject"), completes, rejects)
		}
		st := states[in.id]
		if st.status != wantStatus || (wantStage != "" && st.stage != wantStage) {
			r.errorf("instance %s (plan %s): status %s at stage %q, want %s at %q", in.id, in.plan, st.status, st.stage, wantStatus, wantStage)
		}
		if len(hist) != st.nextSeq-1 {
			r.errorf("instance %s: %d history events, next_seq %d", in.id, len(hist), st.nextSeq)
		}
	}
}

func hasRepeat(list []string) bool {
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s] {
			return true
		}
		seen[s] = true
	}
	return false
}

type instanceState struct {
	status, stage string
	nextSeq       int
}

func readInstances(t *testing.T, db *sql.DB) map[string]instanceState {
	t.Helper()
	out := map[string]instanceState{}
	query(t, db, `SELECT id, status, current_stage_id, next_seq FROM instances WHERE tenant_id = $1`, []any{tenant}, func(rows *sql.Rows) error {
		var id string
		var s instanceState
		if err := rows.Scan(&id, &s.status, &s.stage, &s.nextSeq); err != nil {
			return err
		}
		out[id] = s
		return nil
	})
	return out
}

// readApprovals returns the approvers of the approved tasks, by instance
// and stage.
func readApprovals(t *testing.T, db *sql.DB) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	query(t, db, `SELECT instance_id, stage_id, acted_by FROM tasks WHERE tenant_id = $1 AND status = 'approved' ORDER BY acted_by`,
		[]any{tenant}, func(rows *sql.Rows) error {
			var inst, stage, by string
			if err := rows.Scan(&inst, &stage, &by); err != nil {
				return err
			}
			if out[inst] == nil {
				out[inst] = map[string][]string{}
			}
			out[inst][stage] = append(out[inst][stage], by)
			return nil
		})
	return out
}

// query runs a query and calls scan for each row; an error fails the test.
func query(t *testing.T, db *sql.DB, q string, args []any, scan func(*sql.Rows) error) {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// listRuns reads every action run through the API (the run key is the
// API's promise to handlers, whatever the store keeps).
func listRuns(t *testing.T, d *driver) []api.ActionRun {
	t.Helper()
	c := client.New(d.replicas[0].URL(), d.key)
	var out []api.ActionRun
	cursor := ""
	for {
		page, err := c.ListActionRuns(t.Context(), &client.ListOpts{Limit: 500, Cursor: cursor})
		if err != nil {
			t.Fatalf("list action runs: %v", err)
		}
		out = append(out, page.Items...)
		if page.NextCursor == nil || *page.NextCursor == "" {
			return out
		}
		cursor = *page.NextCursor
	}
}

// waitRunsFinished polls until no action run is pending, running or
// failed (waiting for a retry), for at most timeout.
func waitRunsFinished(t *testing.T, db *sql.DB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		open := map[string]int{}
		query(t, db, `SELECT status, COUNT(*) FROM action_runs WHERE tenant_id = $1 AND status NOT IN ('succeeded', 'dead') GROUP BY status`,
			[]any{tenant}, func(rows *sql.Rows) error {
				var s string
				var n int
				if err := rows.Scan(&s, &n); err != nil {
					return err
				}
				open[s] = n
				return nil
			})
		if len(open) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("action runs not finished %v after the load: %v open by status", timeout, open)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// checkRuns: each action event has its runs (one per workflow action, two
// for the Managers stage's after_approve), every run succeeded, and the
// sink received every run key, counted once after deduplication.
func checkRuns(t *testing.T, s *seeded, runs []api.ActionRun, histories map[string][]api.Event, sk *sink) (deliveries, duplicates int) {
	t.Helper()
	r := &reporter{t: t, check: "action runs"}
	defer r.done()
	byEvent := map[string]int{}
	for _, run := range runs {
		byEvent[fmt.Sprintf("%s/%d", run.InstanceID, run.EventSeq)]++
		if run.Status != string(flowtype.RunSucceeded) || run.Handler != "webhook" {
			r.errorf("run %s (%s) is %s after %d attempts: %v", run.RunKey, run.Handler, run.Status, run.Attempts, deref(run.LastError))
		}
	}
	wantRuns := 0
	for inst, hist := range histories {
		for _, e := range hist {
			if !flowtype.EventType(e.Type).IsActionEvent() {
				continue
			}
			want := 1
			if e.Type == string(flowtype.EventAfterApprove) && stageOf(e) == s.stageIDs[stManagers] {
				want = 2
			}
			wantRuns += want
			if got := byEvent[fmt.Sprintf("%s/%d", inst, e.Seq)]; got != want {
				r.errorf("instance %s event %d %s has %d runs, want %d", inst, e.Seq, e.Type, got, want)
			}
		}
	}
	if len(runs) != wantRuns {
		r.errorf("%d runs in all, want %d", len(runs), wantRuns)
	}
	ok, failed, rejected := sk.snapshot()
	for _, msg := range rejected {
		r.errorf("the sink refused a delivery: %s", msg)
	}
	known := map[string]bool{}
	for _, run := range runs {
		known[run.RunKey] = true
		if ok[run.RunKey] == 0 {
			r.errorf("run %s (status %s, %d attempts) never reached the sink", run.RunKey, run.Status, run.Attempts)
		}
		if sk.failsFirst(run.RunKey) && failed[run.RunKey] == 0 {
			r.errorf("run %s was not answered its deliberate 500", run.RunKey)
		}
	}
	for key, n := range ok {
		deliveries += n
		duplicates += n - 1
		if !known[key] {
			r.errorf("the sink received run key %s, which no action run has", key)
		}
	}
	return deliveries, duplicates
}

// checkCleanup runs the cleanup commands against the database the
// replicas still use: the statistics, a dry run and a real run must agree
// on the completed instances, which go, while the running and rejected
// ones stay, readable through the API.
func checkCleanup(t *testing.T, bin, dsn string, db *sql.DB, d *driver, instances []*instance) {
	t.Helper()
	byPlan := map[plan][]*instance{}
	for _, in := range instances {
		byPlan[in.plan] = append(byPlan[in.plan], in)
	}
	completed := len(byPlan[planComplete])
	g := []string{"--db", dsn, "--tenant", tenant}
	stats := runCLI(t, bin, append(g, "cleanup", "--stats")...)
	if want := fmt.Sprintf("Completed: %d (", completed); !strings.Contains(stats, want) {
		t.Errorf("cleanup --stats: no %q in:\n%s", want, stats)
	}
	dry := runCLI(t, bin, append(g, "cleanup", "--days", "0", "--status", "completed", "--dry-run")...)
	real := runCLI(t, bin, append(g, "cleanup", "--days", "0", "--status", "completed")...)
	for _, c := range []struct{ name, out, prefix string }{
		{"dry run", dry, "Would delete (dry run): "}, {"cleanup", real, "Deleted: "},
	} {
		if want := fmt.Sprintf("%s%d instances", c.prefix, completed); !strings.HasPrefix(c.out, want) {
			t.Errorf("%s printed %q, want it to start with %q", c.name, strings.TrimSpace(c.out), want)
		}
	}
	left := map[string]int{}
	query(t, db, `SELECT status, COUNT(*) FROM instances WHERE tenant_id = $1 GROUP BY status`, []any{tenant}, func(rows *sql.Rows) error {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return err
		}
		left[s] = n
		return nil
	})
	want := map[string]int{"in_progress": len(byPlan[planPartial]), "rejected": len(byPlan[planReject])}
	if fmt.Sprint(left) != fmt.Sprint(want) {
		t.Errorf("instances left by status after cleanup: %v, want %v", left, want)
	}
	var orphans int
	if err := db.QueryRowContext(t.Context(), `SELECT
		(SELECT COUNT(*) FROM events e WHERE tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.tenant_id = e.tenant_id AND i.id = e.instance_id)) +
		(SELECT COUNT(*) FROM action_runs r WHERE tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.tenant_id = r.tenant_id AND i.id = r.instance_id)) +
		(SELECT COUNT(*) FROM idempotency_keys k WHERE tenant_id = $1 AND instance_id <> '' AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.tenant_id = k.tenant_id AND i.id = k.instance_id))`,
		tenant).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("cleanup left %d events, action runs or idempotency records of deleted instances", orphans)
	}
	// Through the API of each replica: a deleted instance is gone, a
	// running one is intact (no replica serves a stale cached copy).
	for i, rp := range d.replicas {
		c := client.New(rp.URL(), d.key)
		if gone := byPlan[planComplete][i]; gone.id != "" {
			if _, err := c.GetInstance(t.Context(), gone.id); client.ProblemOf(err) == nil || client.ProblemOf(err).Status != http.StatusNotFound {
				t.Errorf("%s: GET of deleted instance %s: %v, want 404", rp.name, gone.id, err)
			}
		}
		if kept := byPlan[planPartial][i]; kept.id != "" {
			v, err := c.GetInstance(t.Context(), kept.id)
			if err != nil || v.Status != "in_progress" {
				t.Errorf("%s: GET of running instance %s: %v (status %q)", rp.name, kept.id, err, v.Status)
			}
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// summary formats counts sorted by key, for the log.
func summary(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
