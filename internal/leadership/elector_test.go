package leadership

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowgate/flowgate/internal/dbtest"
)

// interval is short so that tests move fast; assertions never depend on it,
// they poll with a generous deadline.
const interval = 50 * time.Millisecond

// eventually polls cond until it holds, failing the test after 15 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// candidate is an elector running in the background, as one replica would.
type candidate struct {
	el *Elector
	// leading counts the lead calls in progress; terms counts them all.
	leading, terms atomic.Int32
	stop           context.CancelFunc
	done           chan error
}

func start(t *testing.T, db *sql.DB, dialect string, shared *atomic.Int32) *candidate {
	t.Helper()
	el, err := New(Config{DB: db, Dialect: dialect, Interval: interval})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	c := &candidate{el: el, stop: cancel, done: make(chan error, 1)}
	go func() {
		c.done <- el.Run(ctx, func(ctx context.Context) {
			c.terms.Add(1)
			c.leading.Add(1)
			if shared != nil {
				shared.Add(1)
				defer shared.Add(-1)
			}
			defer c.leading.Add(-1)
			<-ctx.Done()
		})
	}()
	t.Cleanup(func() { cancel(); <-c.done })
	return c
}

// halt stops the candidate and waits for Run to return.
func (c *candidate) halt(t *testing.T) {
	t.Helper()
	c.stop()
	select {
	case err := <-c.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		c.done <- nil // for the cleanup
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if c.el.IsLeader() || c.leading.Load() != 0 {
		t.Fatal("a stopped elector still leads")
	}
}

// openPostgres opens n pools on one fresh schema, as n replicas would.
func openPostgres(t *testing.T, n int) []*sql.DB {
	t.Helper()
	dsn := dbtest.DSN(t, dbtest.Postgres)
	dbs := make([]*sql.DB, n)
	for i := range dbs {
		dbs[i] = dbtest.OpenDSN(t, dsn).DB()
	}
	return dbs
}

// leaders returns the candidates that lead now.
func leaders(cs ...*candidate) []*candidate {
	var out []*candidate
	for _, c := range cs {
		if c.el.IsLeader() {
			out = append(out, c)
		}
	}
	return out
}

func TestSQLiteIsAlwaysLeader(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbtest.SQLite).DB()
	c := start(t, db, DialectSQLite, nil)
	eventually(t, "the SQLite process leads", func() bool { return c.el.IsLeader() && c.leading.Load() == 1 })
	c.halt(t)
}

func TestPostgresElectsExactlyOneLeader(t *testing.T) {
	t.Parallel()
	dbs := openPostgres(t, 3)
	var shared atomic.Int32
	cs := []*candidate{start(t, dbs[0], DialectPostgres, &shared), start(t, dbs[1], DialectPostgres, &shared), start(t, dbs[2], DialectPostgres, &shared)}
	eventually(t, "one candidate leads", func() bool { return len(leaders(cs...)) == 1 })
	first := leaders(cs...)[0]
	// Followers try every interval: over many of their tries, none may
	// win while the leader holds the lock.
	for range 20 {
		time.Sleep(interval)
		if got := leaders(cs...); len(got) != 1 || got[0] != first || shared.Load() > 1 {
			t.Fatalf("%d leaders (%d leading at once), want the first one only", len(got), shared.Load())
		}
	}

	// The leader stops: it unlocks, and another candidate takes over.
	first.halt(t)
	var rest []*candidate
	for _, c := range cs {
		if c != first {
			rest = append(rest, c)
		}
	}
	eventually(t, "another candidate leads", func() bool { return len(leaders(rest...)) == 1 })
	if first.terms.Load() != 1 {
		t.Fatalf("the stopped leader led %d terms, want 1", first.terms.Load())
	}
}

func TestPostgresLeaderWhoseSessionIsKilledStepsDown(t *testing.T) {
	t.Parallel()
	dbs := openPostgres(t, 3) // the third pool plays the operator
	a, b := start(t, dbs[0], DialectPostgres, nil), start(t, dbs[1], DialectPostgres, nil)
	eventually(t, "one candidate leads", func() bool { return len(leaders(a, b)) == 1 })
	old := leaders(a, b)[0]
	other := a
	if old == a {
		other = b
	}
	pid := old.el.pid.Load()
	var killed bool
	if err := dbs[2].QueryRowContext(t.Context(), `SELECT pg_terminate_backend($1)`, pid).Scan(&killed); err != nil || !killed {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, killed, err)
	}
	eventually(t, "the other candidate leads and the old leader stepped down", func() bool {
		return other.el.IsLeader() && !old.el.IsLeader() && old.leading.Load() == 0
	})
	// The old leader campaigns again, as a follower now.
	for range 10 {
		time.Sleep(interval)
		if len(leaders(a, b)) != 1 {
			t.Fatal("two leaders after the takeover")
		}
	}
	if old.terms.Load() != 1 || old.el.IsLeader() {
		t.Fatal("the old leader came back while the other still leads")
	}
}

func TestPostgresSchemasElectIndependently(t *testing.T) {
	t.Parallel()
	one, two := openPostgres(t, 1)[0], openPostgres(t, 1)[0]
	a, b := start(t, one, DialectPostgres, nil), start(t, two, DialectPostgres, nil)
	eventually(t, "each schema has its leader", func() bool { return a.el.IsLeader() && b.el.IsLeader() })
}

func TestRunRefusesASecondRun(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbtest.SQLite).DB()
	el, err := New(Config{DB: db, Dialect: DialectSQLite})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	entered := make(chan struct{})
	wg.Go(func() { _ = el.Run(ctx, func(ctx context.Context) { close(entered); <-ctx.Done() }) })
	<-entered
	if err := el.Run(ctx, func(context.Context) {}); err == nil {
		t.Fatal("a second concurrent Run was accepted")
	}
	cancel()
	wg.Wait()
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no db", Config{Dialect: DialectSQLite}},
		{"unknown dialect", Config{DB: &sql.DB{}, Dialect: "mysql"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(tc.cfg); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
}
