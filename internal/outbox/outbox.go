// Package outbox runs the jobs of Flowgate's transactional outbox: the
// action runs a command wrote in its own transaction. It has one job:
// claim due runs with a lease, run them, record each outcome, and back off
// (exponentially, with jitter) until a run succeeds or has used its
// attempts and is dead.
//
// Delivery is at least once: a run whose outcome was not recorded (the
// process died, or could not reach the database) is due again when its
// lease expires. Runs carry a stable key for handlers to deduplicate by.
//
// A Dispatcher is a start/stop service: Start launches a loop that polls
// on a ticker and can be woken (a committing command nudges it), Stop
// stops claiming and waits for the runs in flight. Several dispatchers,
// in one process or many, may share a database: on PostgreSQL claims skip
// each other's rows; on SQLite the single writer serializes them.
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// Store is what a dispatcher needs of the database.
type Store interface {
	ActionRunClaim(ctx context.Context, p *store.ActionRunClaimParams) ([]*flowtype.ActionRun, error)
	ActionRunFinish(ctx context.Context, results []*store.ActionRunFinishParams) (int, error)
}

// RunFunc executes one attempt of a run. It returns the result to record
// on success (nil for none). An error wrapped by Permanent is not retried.
type RunFunc func(ctx context.Context, run *flowtype.ActionRun) (result []byte, err error)

// Config configures a Dispatcher. Store and Run are required.
type Config struct {
	Store Store
	Run   RunFunc

	// Owner names this dispatcher in leases. Defaults to the host name,
	// the process id and a random suffix.
	Owner string
	// Workers bounds the runs executed at once. Defaults to 10.
	Workers int
	// BatchSize bounds the runs one claim takes. Defaults to 100.
	BatchSize int
	// PollInterval is how often the dispatcher looks for due runs when
	// nobody wakes it. Defaults to 1 second.
	PollInterval time.Duration
	// Timeout bounds one attempt. Defaults to 1 minute.
	Timeout time.Duration
	// Lease is how long a claimed run stays reserved; a run whose outcome
	// is not recorded by then is due again. It must exceed Timeout.
	// Defaults to Timeout + 1 minute.
	Lease time.Duration
	// Backoff is the delay before attempt n+1 after attempt n failed.
	// Defaults to Backoff (exponential from 5 s, capped at 1 h, jittered).
	Backoff func(attempt int) time.Duration
	// Logger receives errors and per-batch counts. Defaults to discarding.
	Logger *slog.Logger
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// OnRecorded, when set, is called after each batch of outcomes is
	// written (tests wait on it instead of sleeping).
	OnRecorded func(results []*store.ActionRunFinishParams)
}

func (c Config) withDefaults() (Config, error) {
	if c.Store == nil || c.Run == nil {
		return c, errors.New("outbox: Config.Store and Config.Run are required")
	}
	if c.Owner == "" {
		c.Owner = defaultOwner()
	}
	if c.Workers <= 0 {
		c.Workers = 10
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = time.Minute
	}
	if c.Lease <= 0 {
		c.Lease = c.Timeout + time.Minute
	}
	if c.Lease <= c.Timeout {
		return c, fmt.Errorf("outbox: Lease (%v) must exceed Timeout (%v)", c.Lease, c.Timeout)
	}
	if c.Backoff == nil {
		c.Backoff = Backoff
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

func defaultOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Dispatcher claims and runs due action runs. Create it with New.
type Dispatcher struct {
	cfg Config

	mu      sync.Mutex
	started bool
	stopped bool
	stop    chan struct{} // closed by Stop: no more claims
	done    chan struct{} // closed when the loop and every run have ended
	cancel  context.CancelFunc

	wake     chan struct{}
	freed    chan struct{}
	inflight atomic.Int64
	workers  sync.WaitGroup
	results  chan *store.ActionRunFinishParams
}

// New returns a dispatcher; it does nothing until Start.
func New(cfg Config) (*Dispatcher, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Dispatcher{
		cfg:  c,
		wake: make(chan struct{}, 1),
		// freed is nudged when a worker slot frees up.
		freed: make(chan struct{}, 1),
	}, nil
}

// Owner returns the name this dispatcher leases runs under.
func (d *Dispatcher) Owner() string { return d.cfg.Owner }

// Start launches the dispatcher. Cancelling ctx stops it as Stop does,
// and also cancels the runs in flight. Starting twice, or after Stop, is
// an error.
func (d *Dispatcher) Start(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started {
		return errors.New("outbox: dispatcher already started")
	}
	d.started = true
	runCtx, cancel := context.WithCancel(ctx)
	d.cancel = cancel
	d.stop = make(chan struct{})
	d.done = make(chan struct{})
	d.results = make(chan *store.ActionRunFinishParams, d.cfg.Workers)
	// Outcomes are recorded even after ctx ends: a run that finished must
	// not wait for its lease to expire.
	recordCtx := context.WithoutCancel(ctx)
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		d.record(recordCtx)
	}()
	go func() {
		d.loop(runCtx)
		d.workers.Wait()
		close(d.results)
		<-recorded
		cancel()
		close(d.done)
	}()
	return nil
}

// Wake makes the dispatcher look for due runs now rather than at its next
// poll. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Stop stops claiming and waits for the runs in flight to finish and their
// outcomes to be recorded. When ctx ends first, the runs' contexts are
// cancelled and Stop waits for them to return, then returns ctx's error.
// Stop before Start, and a second Stop, do nothing.
func (d *Dispatcher) Stop(ctx context.Context) error {
	d.mu.Lock()
	if !d.started || d.stopped {
		d.mu.Unlock()
		if d.started {
			<-d.done
		}
		return nil
	}
	d.stopped = true
	close(d.stop)
	d.mu.Unlock()
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
		d.cancel()
		<-d.done
		return ctx.Err()
	}
}

// loop claims while there are free workers and due runs, then waits for a
// poll tick, a wake-up, a freed worker (when it stopped for lack of one)
// or the end.
func (d *Dispatcher) loop(ctx context.Context) {
	ticker := time.NewTicker(d.cfg.PollInterval)
	defer ticker.Stop()
	for {
		full := d.claimAll(ctx)
		var freed chan struct{}
		if full {
			freed = d.freed
		}
		select {
		case <-ctx.Done():
			return
		case <-d.stop:
			return
		case <-ticker.C:
		case <-d.wake:
			// Under load commits follow each other a millisecond apart:
			// let a few more land, so that one claim (a write, on SQLite
			// the single writer's) takes the runs of many commands.
			select {
			case <-ctx.Done():
				return
			case <-d.stop:
				return
			case <-time.After(wakeLinger):
			}
		case <-freed:
		}
	}
}

// wakeLinger is how long a woken dispatcher waits before it claims.
const wakeLinger = 10 * time.Millisecond

// claimAll claims and starts runs until no run is due or every worker is
// busy; it reports the latter.
func (d *Dispatcher) claimAll(ctx context.Context) (full bool) {
	for {
		select {
		case <-d.stop:
			return false
		case <-ctx.Done():
			return false
		default:
		}
		inflight := int(d.inflight.Load())
		free := d.cfg.Workers - inflight
		if free <= 0 || (inflight > 0 && free < d.minClaim()) {
			// Wait for more free workers: under load, claiming for one
			// free worker at a time would cost a write per run.
			return true
		}
		n := min(free, d.cfg.BatchSize)
		now := d.cfg.Now()
		runs, err := d.cfg.Store.ActionRunClaim(ctx, &store.ActionRunClaimParams{
			Owner: d.cfg.Owner, Limit: n, Now: now, LeaseUntil: now.Add(d.cfg.Lease),
		})
		if err != nil {
			if ctx.Err() == nil {
				d.cfg.Logger.Error("outbox: claim action runs", "owner", d.cfg.Owner, "err", err)
			}
			return false
		}
		if len(runs) > 0 {
			d.cfg.Logger.Debug("outbox: claimed action runs", "owner", d.cfg.Owner, "count", len(runs))
		}
		for _, run := range runs {
			d.inflight.Add(1)
			d.workers.Add(1)
			go d.work(ctx, run)
		}
		if len(runs) < n {
			return false
		}
	}
}

// minClaim is the fewest free workers worth a claim while runs are in
// flight: half of them, at most a batch.
func (d *Dispatcher) minClaim() int {
	return max(1, min(d.cfg.Workers/2, d.cfg.BatchSize))
}

func (d *Dispatcher) work(ctx context.Context, run *flowtype.ActionRun) {
	defer d.workers.Done()
	res := d.execute(ctx, run)
	d.results <- res
	d.inflight.Add(-1)
	select {
	case d.freed <- struct{}{}:
	default:
	}
}

// execute runs one attempt and returns its outcome.
func (d *Dispatcher) execute(ctx context.Context, run *flowtype.ActionRun) *store.ActionRunFinishParams {
	out := &store.ActionRunFinishParams{TenantID: run.TenantID, ID: run.ID, Owner: d.cfg.Owner}
	if run.Attempts > run.MaxAttempts {
		// Its last attempt was leased and never recorded (a crash).
		out.Status, out.LastError = flowtype.RunDead, lastError(run.LastError, "lease expired during the last attempt")
		out.Now = d.cfg.Now()
		return out
	}
	start := d.cfg.Now()
	attemptCtx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	result, err := d.safeRun(attemptCtx, run)
	cancel()
	out.Now = d.cfg.Now()
	out.DurationMS = out.Now.Sub(start).Milliseconds()
	switch {
	case err == nil:
		out.Status, out.Result = flowtype.RunSucceeded, result
	case IsPermanent(err) || run.Attempts >= run.MaxAttempts:
		out.Status, out.LastError = flowtype.RunDead, err.Error()
	default:
		out.Status, out.LastError = flowtype.RunFailed, err.Error()
		out.NextRunAt = out.Now.Add(d.cfg.Backoff(run.Attempts))
	}
	return out
}

// safeRun calls Run, turning a panic into an error.
func (d *Dispatcher) safeRun(ctx context.Context, run *flowtype.ActionRun) (result []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler %s panicked: %v", run.Handler, p)
		}
	}()
	return d.cfg.Run(ctx, run)
}

func lastError(prev, msg string) string {
	if prev == "" {
		return msg
	}
	return msg + " (previous error: " + prev + ")"
}

// record writes outcomes until results is closed: after the first of a
// batch it lingers a few milliseconds for more (or until every worker has
// reported), so that under load one transaction records many outcomes.
func (d *Dispatcher) record(ctx context.Context) {
	const maxBatch = 200
	const linger = 5 * time.Millisecond
	for first := range d.results {
		batch := []*store.ActionRunFinishParams{first}
		timer := time.NewTimer(linger)
	more:
		for len(batch) < maxBatch {
			if d.inflight.Load() == 0 && len(d.results) == 0 {
				break // nothing else is coming
			}
			select {
			case r, ok := <-d.results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			case <-timer.C:
				break more
			}
		}
		timer.Stop()
		d.write(ctx, batch)
		// A recorded outcome may release the next run of its event.
		d.Wake()
	}
}

func (d *Dispatcher) write(ctx context.Context, batch []*store.ActionRunFinishParams) {
	var err error
	var n int
	for try := range 3 {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		n, err = d.cfg.Store.ActionRunFinish(wctx, batch)
		cancel()
		if err == nil {
			break
		}
		time.Sleep(time.Duration(try+1) * 100 * time.Millisecond)
	}
	if err != nil {
		// The runs stay leased and are due again when the lease expires.
		d.cfg.Logger.Error("outbox: record action run outcomes", "owner", d.cfg.Owner, "count", len(batch), "err", err)
		return
	}
	if n < len(batch) {
		d.cfg.Logger.Warn("outbox: some outcomes arrived after their lease expired", "owner", d.cfg.Owner,
			"dropped", len(batch)-n)
	}
	if d.cfg.OnRecorded != nil {
		d.cfg.OnRecorded(batch)
	}
}
