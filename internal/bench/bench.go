// Package bench measures Flowgate against the physical limit of its
// database: each scenario runs on a fresh database (a SQLite file, or a
// PostgreSQL schema) next to the ideal engine (one conditional UPDATE and
// one INSERT per decision) on the same database and settings, in the same
// run, so that every figure comes with its limit and the ratio to it.
// flowgate bench and the package's Go benchmarks both drive it.
package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Scenario names.
const (
	ScenarioPurchase  = "purchase-4"
	ScenarioConsensus = "consensus"
	ScenarioInbox     = "inbox"
	ScenarioCleanup   = "cleanup"
	ScenarioIdeal     = "ideal"
)

// Scenarios lists every scenario, in the order a run takes them.
var Scenarios = []string{ScenarioPurchase, ScenarioConsensus, ScenarioInbox, ScenarioCleanup, ScenarioIdeal}

// Options configures a run. Zero values take the defaults, which keep
// flowgate bench --scenario all within 10 minutes on a 2-core machine.
type Options struct {
	// DB is a postgres:// URL (every measurement gets a schema of its own
	// there, dropped afterwards); empty runs SQLite files in Dir.
	DB  string
	Dir string
	// Syncs are SQLite's synchronous settings to run. Defaults to FULL
	// and NORMAL.
	Syncs []string
	// Scenarios to run (see Scenarios; "all" is every one). Defaults to
	// all.
	Scenarios []string
	// Modes are "library" and "http". Defaults to library.
	Modes []string
	// Clients are the concurrent clients of the decision scenarios.
	// Defaults to 1 and 16.
	Clients []int
	// Instances is purchase-4's instance count. Defaults to 2,000.
	Instances int
	// ConsensusInstances defaults to 300 (8 accepted decisions each).
	ConsensusInstances int
	// InboxTasks are the open-task counts the inbox is measured at.
	// Defaults to 10,000 and 100,000.
	InboxTasks []int
	// InboxSamples is the number of timed reads of each kind. Defaults
	// to 2,000.
	InboxSamples int
	// CleanupInstances is the finished-instance count cleaned up.
	// Defaults to 100,000.
	CleanupInstances int
	// ActionsDuring runs the action workers while the decisions are made,
	// as flowgate serve does, so that delivery (e-mail rendering, SMTP,
	// HTTP, the reads of each run) shares the machine with them. By
	// default the workers start once the decisions are done and the
	// delivery is timed on its own (drain_sec, actions_per_sec): a
	// decision's cost includes writing its action runs, not running them.
	ActionsDuring bool
	// Keep leaves the databases in place.
	Keep bool
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

func (o *Options) withDefaults() (*Options, error) {
	c := *o
	if len(c.Syncs) == 0 {
		c.Syncs = []string{"FULL", "NORMAL"}
	}
	for i, s := range c.Syncs {
		c.Syncs[i] = strings.ToUpper(s)
		if c.Syncs[i] != "FULL" && c.Syncs[i] != "NORMAL" {
			return nil, fmt.Errorf("bench: sync %q: want FULL or NORMAL", s)
		}
	}
	if len(c.Scenarios) == 0 || slices.Contains(c.Scenarios, "all") {
		c.Scenarios = Scenarios
	}
	for _, s := range c.Scenarios {
		if !slices.Contains(Scenarios, s) {
			return nil, fmt.Errorf("bench: unknown scenario %q (want one of %s, or all)", s, strings.Join(Scenarios, ", "))
		}
	}
	if len(c.Modes) == 0 {
		c.Modes = []string{"library"}
	}
	for _, m := range c.Modes {
		if m != "library" && m != "http" {
			return nil, fmt.Errorf("bench: mode %q: want library or http", m)
		}
	}
	if len(c.Clients) == 0 {
		c.Clients = []int{1, 16}
	}
	if c.Instances <= 0 {
		c.Instances = 2000
	}
	if c.ConsensusInstances <= 0 {
		c.ConsensusInstances = 300
	}
	if len(c.InboxTasks) == 0 {
		c.InboxTasks = []int{10_000, 100_000}
	}
	if c.InboxSamples <= 0 {
		c.InboxSamples = 2000
	}
	if c.CleanupInstances <= 0 {
		c.CleanupInstances = 100_000
	}
	return &c, nil
}

// Targets returns the databases a run measures: PostgreSQL when DB is a
// URL, else SQLite at each synchronous setting.
func (o *Options) Targets() []Target {
	if strings.HasPrefix(o.DB, "postgres://") || strings.HasPrefix(o.DB, "postgresql://") {
		return []Target{{Dialect: "postgres", BaseDSN: o.DB, Keep: o.Keep}}
	}
	var out []Target
	for _, s := range o.Syncs {
		out = append(out, Target{Dialect: "sqlite", Sync: s, Dir: o.Dir, Keep: o.Keep})
	}
	return out
}

// Run runs the selected scenarios on every target and hands each result to
// emit as it is measured.
func Run(ctx context.Context, o *Options, emit func(*Result) error) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	began := time.Now()
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, "bench: %5.1fs "+format+"\n", append([]any{time.Since(began).Seconds()}, args...)...)
		}
	}
	has := func(s string) bool { return slices.Contains(o.Scenarios, s) }
	for _, t := range o.Targets() {
		for _, sc := range []decisionScenario{purchase4, consensus} {
			if !has(sc.name) && !(sc.name == ScenarioPurchase && has(ScenarioIdeal)) {
				continue
			}
			n := o.Instances
			if sc.name == ScenarioConsensus {
				n = o.ConsensusInstances
			}
			for _, mode := range o.Modes {
				for _, clients := range o.Clients {
					if !has(sc.name) {
						// The ideal engine alone.
						if mode != "library" {
							continue
						}
						res, err := runIdealOnly(ctx, t, clients, n, logf)
						if err != nil {
							return err
						}
						if err := emit(res); err != nil {
							return err
						}
						continue
					}
					res, extra, err := runDecisions(ctx, t, sc, mode, clients, n, o.ActionsDuring, logf)
					if err != nil {
						return fmt.Errorf("%s on %s (%s, %d clients): %w", sc.name, t, mode, clients, err)
					}
					if err := emit(res); err != nil {
						return err
					}
					if sc.name == ScenarioPurchase && has(ScenarioIdeal) {
						for _, x := range extra {
							if err := emit(x); err != nil {
								return err
							}
						}
					}
				}
			}
		}
		if has(ScenarioInbox) {
			for _, mode := range o.Modes {
				results, err := runInbox(ctx, t, mode, o.InboxTasks, o.InboxSamples, logf)
				if err != nil {
					return fmt.Errorf("inbox on %s (%s): %w", t, mode, err)
				}
				for _, r := range results {
					if err := emit(r); err != nil {
						return err
					}
				}
			}
		}
	}
	if has(ScenarioCleanup) {
		return cleanupAll(ctx, o.Targets(), o.CleanupInstances, emit, logf)
	}
	return nil
}

// cleanupAll measures the cleanup on every target, seeding SQLite once.
func cleanupAll(ctx context.Context, targets []Target, n int, emit func(*Result) error, logf func(string, ...any)) error {
	var seed *cleanupSeed
	defer func() {
		if seed != nil {
			seed.drop()
		}
	}()
	for _, t := range targets {
		if seed == nil || t.Dialect == "postgres" {
			if seed != nil {
				seed.drop()
			}
			var err error
			if seed, err = seedCleanup(ctx, t, n, logf); err != nil {
				return fmt.Errorf("cleanup on %s: %w", t, err)
			}
		}
		res, err := runCleanup(ctx, t, seed, logf)
		if err != nil {
			return fmt.Errorf("cleanup on %s: %w", t, err)
		}
		if err := emit(res); err != nil {
			return err
		}
	}
	return nil
}

// runIdealOnly measures the ideal engine alone on purchase-4's shape.
func runIdealOnly(ctx context.Context, t Target, clients, n int, logf func(string, ...any)) (*Result, error) {
	d, err := t.open(ctx, "ideal")
	if err != nil {
		return nil, err
	}
	defer d.close()
	id, err := newIdeal(ctx, d.store.DB(), d.dialect())
	if err != nil {
		return nil, err
	}
	defer id.close()
	load := idealLoad{instances: n, clients: clients, waves: purchase4.waves}
	logf("ideal %s %d clients", t, clients)
	a, err := id.run(ctx, d, load)
	if err != nil {
		return nil, err
	}
	b, err := id.run(ctx, d, load)
	if err != nil {
		return nil, err
	}
	return idealResult(d, t, clients, n, a, b), nil
}

// Measure runs one measurement and returns its lines: what flowgate bench
// prints for it. n is the instance count (purchase-4, consensus, ideal,
// cleanup) or the open-task count (inbox, timed with samples reads of
// each kind). Go benchmarks and tests use it with small counts.
func Measure(ctx context.Context, t Target, scenario, mode string, clients, n, samples int) ([]*Result, error) {
	nolog := func(string, ...any) {}
	switch scenario {
	case ScenarioPurchase, ScenarioConsensus:
		sc := purchase4
		if scenario == ScenarioConsensus {
			sc = consensus
		}
		res, extra, err := runDecisions(ctx, t, sc, mode, clients, n, false, nolog)
		if err != nil {
			return nil, err
		}
		return append([]*Result{res}, extra...), nil
	case ScenarioIdeal:
		res, err := runIdealOnly(ctx, t, clients, n, nolog)
		if err != nil {
			return nil, err
		}
		return []*Result{res}, nil
	case ScenarioInbox:
		return runInbox(ctx, t, mode, []int{n}, samples, nolog)
	case ScenarioCleanup:
		var out []*Result
		err := cleanupAll(ctx, []Target{t}, n, func(r *Result) error { out = append(out, r); return nil }, nolog)
		return out, err
	}
	return nil, fmt.Errorf("bench: unknown scenario %q", scenario)
}
