package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/client"
)

// The inbox workload: five roles of ten members; the measured user "u"
// belongs to three of them. Workflow inbox-k has one stage whose step is
// role rk with the "anyone" strategy, so each instance holds ten open
// tasks, one per member of its role, and u holds the tasks of three
// instances in five.
const (
	inboxRoles       = 5
	inboxRoleMembers = 10
	inboxUserRoles   = 3
	inboxUser        = "u"
	inboxPage        = 50
)

func inboxMember(role, j int) string {
	if j == 0 && role < inboxUserRoles {
		return inboxUser
	}
	return fmt.Sprintf("r%d-m%d", role, j)
}

func (r *rig) setupInbox(ctx context.Context) error {
	if _, err := r.e.SaveUser(ctx, tenant, &flowgate.User{ID: "500", Name: "Requester", Email: "req@bench.local", IsActive: true}); err != nil {
		return err
	}
	for k := range inboxRoles {
		role := fmt.Sprintf("r%d", k)
		if _, err := r.e.SaveRole(ctx, tenant, role, "Role "+role); err != nil {
			return err
		}
		for j := range inboxRoleMembers {
			u := inboxMember(k, j)
			if _, err := r.e.SaveUser(ctx, tenant, &flowgate.User{ID: u, Name: "User " + u, Email: u + "@bench.local", IsActive: true}); err != nil {
				return err
			}
			if err := r.e.AddRoleMember(ctx, tenant, role, u); err != nil {
				return err
			}
		}
		def, err := decodeWorkflow(fmt.Sprintf(`{"id": "inbox-%d", "name": "Inbox %d", "strategy": 1, "is_active": true,
			"pipelines": [{"name": "Review", "stages": [{"name": "Review", "stage_info": {"approvals": [
			{"approval_type": "role", "user_role": %q, "role_selection_strategy": "anyone"}]}}]}]}`, k, k, role))
		if err != nil {
			return err
		}
		if _, err := r.e.CreateWorkflow(ctx, tenant, def, &flowgate.WriteOpts{Actor: "500"}); err != nil {
			return err
		}
	}
	return nil
}

// seedInbox attaches instances from..to-1 (ten open tasks each) through
// the engine, many attaches to a transaction (AttachTx), and the same
// open tasks into the ideal engine's task table.
func (r *rig) seedInbox(ctx context.Context, id *ideal, from, to int) error {
	const batch = 250
	db := r.db.store.DB()
	for lo := from; lo < to; lo += batch {
		hi := min(lo+batch, to)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for i := lo; i < hi; i++ {
			_, err := r.e.AttachTx(ctx, tx, tenant, &flowgate.AttachParams{
				Actor: "500", WorkflowID: fmt.Sprintf("inbox-%d", i%inboxRoles),
				Subject: flowgate.SubjectInput{Type: subjectType, ID: fmt.Sprint(i), Data: subjectData(i)},
			})
			if err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("bench: attach inbox instance %d: %w", i, err)
			}
		}
		if err := id.seedTasks(ctx, tx, lo, hi); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// seedTasks writes the ideal engine's open tasks of instances lo..hi-1.
func (id *ideal) seedTasks(ctx context.Context, tx *sql.Tx, lo, hi int) error {
	var rows []string
	var args []any
	now := time.Now().UnixMicro()
	for i := lo; i < hi; i++ {
		for j := range inboxRoleMembers {
			n := len(args)
			rows = append(rows, fmt.Sprintf("($%d, $%d, $%d, 'current', $%d)", n+1, n+2, n+3, n+4))
			args = append(args, int64(i*inboxRoleMembers+j+1), int64(i), inboxMember(i%inboxRoles, j), now+int64(i))
		}
		if len(rows) >= 200 || i == hi-1 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ideal_tasks (id, instance_id, assignee, status, created_at) VALUES `+
				strings.Join(rows, ", "), args...); err != nil {
				return fmt.Errorf("bench: seed ideal tasks: %w", err)
			}
			rows, args = rows[:0], args[:0]
		}
	}
	return nil
}

// inboxReader times the two reads.
type inboxReader interface {
	page(ctx context.Context) (int, error)
	needsAction(ctx context.Context, subjectID string) (bool, error)
}

type libInbox struct{ e *flowgate.Engine }

func (l libInbox) page(ctx context.Context) (int, error) {
	items, err := l.e.Inbox(ctx, tenant, inboxUser, &flowgate.InboxParams{Limit: inboxPage})
	return len(items), err
}

func (l libInbox) needsAction(ctx context.Context, subjectID string) (bool, error) {
	return l.e.NeedsAction(ctx, tenant, subjectType, subjectID, inboxUser)
}

type httpInbox struct{ c *client.Client }

func (h httpInbox) page(ctx context.Context) (int, error) {
	p, err := h.c.Inbox(ctx, &client.ListOpts{Limit: inboxPage})
	if err != nil {
		return 0, err
	}
	return len(p.Items), nil
}

func (h httpInbox) needsAction(ctx context.Context, subjectID string) (bool, error) {
	st, err := h.c.WorkflowStatus(ctx, subjectType, subjectID)
	if err != nil {
		return false, err
	}
	return st.RequiresUserAction, nil
}

// idealInbox is the same two reads on the ideal engine's task table: one
// indexed range read, one indexed existence check.
type idealInbox struct{ pageStmt, needsStmt *sql.Stmt }

func (id *ideal) inbox(ctx context.Context) (*idealInbox, error) {
	p, err := id.db.PrepareContext(ctx, `SELECT id, instance_id, created_at FROM ideal_tasks
		WHERE assignee = $1 AND status = 'current' ORDER BY created_at DESC LIMIT $2`)
	if err != nil {
		return nil, err
	}
	n, err := id.db.PrepareContext(ctx, `SELECT EXISTS (SELECT 1 FROM ideal_tasks
		WHERE instance_id = $1 AND assignee = $2 AND status = 'current')`)
	if err != nil {
		return nil, err
	}
	return &idealInbox{pageStmt: p, needsStmt: n}, nil
}

func (ii *idealInbox) page(ctx context.Context) (int, error) {
	rows, err := ii.pageStmt.QueryContext(ctx, inboxUser, inboxPage)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var a, b, c int64
		if err := rows.Scan(&a, &b, &c); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

func (ii *idealInbox) needsAction(ctx context.Context, subjectID string) (bool, error) {
	var i int64
	fmt.Sscan(subjectID, &i)
	var ok bool
	err := ii.needsStmt.QueryRowContext(ctx, i, inboxUser).Scan(&ok)
	return ok, err
}

func (ii *idealInbox) close() {
	_ = ii.pageStmt.Close()
	_ = ii.needsStmt.Close()
}

// userTasks is the number of open tasks u holds among instances.
func userTasks(instances int) int {
	return instances/inboxRoles*inboxUserRoles + min(instances%inboxRoles, inboxUserRoles)
}

// timeReads times samples reads of each kind and returns their latencies
// and rates. Needs-action checks pick random subjects among instances.
func timeReads(ctx context.Context, rd inboxReader, samples, instances int, seed uint64) (pages, checks *latencies, pageRate, checkRate float64, err error) {
	// Start each timed series from a clean heap, so that one pays no
	// collection owed by the seeding or the series before it.
	runtime.GC()
	rng := rand.New(rand.NewPCG(seed, 7))
	pages, checks = &latencies{}, &latencies{}
	var pd, cd []time.Duration
	t0 := time.Now()
	for range samples {
		t := time.Now()
		n, err := rd.page(ctx)
		if err != nil {
			return nil, nil, 0, 0, err
		}
		if want := min(inboxPage, userTasks(instances)); n != want {
			return nil, nil, 0, 0, fmt.Errorf("bench: inbox page has %d items, want %d", n, want)
		}
		pd = append(pd, time.Since(t))
	}
	pageRate = rate(samples, time.Since(t0))
	t1 := time.Now()
	for range samples {
		i := rng.IntN(instances)
		t := time.Now()
		ok, err := rd.needsAction(ctx, fmt.Sprint(i))
		if err != nil {
			return nil, nil, 0, 0, err
		}
		if want := i%inboxRoles < inboxUserRoles; ok != want {
			return nil, nil, 0, 0, fmt.Errorf("bench: needs action on %d is %v, want %v", i, ok, want)
		}
		cd = append(cd, time.Since(t))
	}
	checkRate = rate(samples, time.Since(t1))
	pages.add(pd)
	checks.add(cd)
	return pages, checks, pageRate, checkRate, nil
}

// runInbox seeds a fresh database up to each open-task count in turn and
// times the inbox page and the needs-action check at each, next to the
// ideal engine's reads of the same rows.
func runInbox(ctx context.Context, t Target, mode string, sizes []int, samples int, logf func(string, ...any)) ([]*Result, error) {
	d, err := t.open(ctx, "inbox")
	if err != nil {
		return nil, err
	}
	defer d.close()
	r, err := newRig(ctx, d)
	if err != nil {
		return nil, err
	}
	defer r.close()
	if err := r.setupInbox(ctx); err != nil {
		return nil, err
	}
	id, err := newIdeal(ctx, d.store.DB(), d.dialect())
	if err != nil {
		return nil, err
	}
	defer id.close()
	ii, err := id.inbox(ctx)
	if err != nil {
		return nil, err
	}
	defer ii.close()
	var rd inboxReader = libInbox{r.e}
	if mode == "http" {
		h, err := newHTTPDriver(ctx, r.e)
		if err != nil {
			return nil, err
		}
		defer h.close()
		rd = httpInbox{h.as(inboxUser)}
	}
	var out []*Result
	seeded := 0
	for _, tasks := range sizes {
		began := time.Now()
		instances := tasks / inboxRoleMembers
		logf("inbox %s %s: seeding %d open tasks", t, mode, tasks)
		if err := r.seedInbox(ctx, id, seeded, instances); err != nil {
			return nil, err
		}
		seeded = max(seeded, instances)
		if d.dialect() == "postgres" {
			_, _ = d.store.DB().ExecContext(ctx, `ANALYZE`)
		} else {
			_, _ = d.store.DB().ExecContext(ctx, `PRAGMA optimize`)
		}
		logf("inbox %s %s: timing at %d open tasks", t, mode, tasks)
		// Warm both, then measure the ideal, the engine, the ideal again.
		if _, _, _, _, err := timeReads(ctx, rd, 50, instances, 1); err != nil {
			return nil, err
		}
		if _, _, _, _, err := timeReads(ctx, ii, 50, instances, 1); err != nil {
			return nil, err
		}
		resetPeakRSS()
		ip1, ic1, ipr1, icr1, err := timeReads(ctx, ii, samples/2, instances, 2)
		if err != nil {
			return nil, err
		}
		allocs := startAllocs()
		pages, checks, pageRate, checkRate, err := timeReads(ctx, rd, samples, instances, 3)
		if err != nil {
			return nil, err
		}
		perRead := allocs.per(2 * samples)
		ip2, ic2, ipr2, icr2, err := timeReads(ctx, ii, samples/2, instances, 4)
		if err != nil {
			return nil, err
		}
		ip1.add(ip2.all)
		ic1.add(ic2.all)
		rss := peakRSSMB()
		for _, k := range []struct {
			unit            string
			lat, ideal      *latencies
			rate, idealRate float64
		}{
			{"pages", pages, ip1, pageRate, (ipr1 + ipr2) / 2},
			{"checks", checks, ic1, checkRate, (icr1 + icr2) / 2},
		} {
			res := &Result{
				Scenario: ScenarioInbox, DB: d.dialect(), Sync: syncOf(t), Mode: mode, Clients: 1, Instances: instances,
				OpenTasks: tasks, Unit: k.unit, DecisionsPerSec: k.rate, AllocsPerDecision: perRead, PeakRSSMB: rss,
				IdealDecisionsPerSec: k.idealRate, IdealP99ms: k.ideal.percentile(99), Elapsed: time.Since(began).Seconds(),
			}
			k.lat.fill(res)
			if res.IdealDecisionsPerSec > 0 {
				res.Ratio = res.DecisionsPerSec / res.IdealDecisionsPerSec
			}
			out = append(out, res)
		}
	}
	return out, nil
}
