package bench_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/flowgate/flowgate/internal/bench"
	"github.com/flowgate/flowgate/internal/dbtest"
)

// The hot paths as Go benchmarks: each runs one measurement of a scenario
// (the same code as flowgate bench) sized by b.N, and reports the
// figures flowgate bench prints. CI runs them once (-benchtime=1x) to keep
// them compiling and working; for real figures use flowgate bench, or a
// larger -benchtime here, for example:
//
//	go test -run '^$' -bench 'Purchase4/sqlite-FULL/16' -benchtime 50x ./internal/bench

// targets are SQLite at both synchronous settings, and PostgreSQL when
// FLOWGATE_TEST_POSTGRES names a database.
func targets(b *testing.B) []bench.Target {
	out := []bench.Target{
		{Dialect: "sqlite", Sync: "FULL", Dir: b.TempDir()},
		{Dialect: "sqlite", Sync: "NORMAL", Dir: b.TempDir()},
	}
	if dsn := os.Getenv(dbtest.EnvPostgres); dsn != "" {
		out = append(out, bench.Target{Dialect: "postgres", BaseDSN: dsn})
	}
	return out
}

func name(t bench.Target) string { return strings.ReplaceAll(t.String(), "/", "-") }

func report(b *testing.B, results []*bench.Result) {
	b.Helper()
	r := results[0]
	b.ReportMetric(r.DecisionsPerSec, r.Unit+"/s")
	b.ReportMetric(r.IdealDecisionsPerSec, "ideal-"+r.Unit+"/s")
	b.ReportMetric(r.Ratio, "ratio")
	b.ReportMetric(r.P99ms, "p99-ms")
	if r.BytesPerInstance > 0 {
		b.ReportMetric(r.BytesPerInstance, "B/instance")
	}
}

func measure(b *testing.B, t bench.Target, scenario, mode string, clients, n, samples int) {
	b.Helper()
	results, err := bench.Measure(context.Background(), t, scenario, mode, clients, n, samples)
	if err != nil {
		b.Fatal(err)
	}
	report(b, results)
}

// BenchmarkPurchase4 attaches 20·b.N purchase-4 instances and approves
// their four stages, by 1 and by 16 clients.
func BenchmarkPurchase4(b *testing.B) {
	for _, t := range targets(b) {
		for _, clients := range []int{1, 16} {
			b.Run(name(t)+"/"+itoa(clients), func(b *testing.B) {
				measure(b, t, bench.ScenarioPurchase, "library", clients, 20*b.N, 0)
			})
		}
	}
}

// BenchmarkPurchase4HTTP is purchase-4 over the HTTP API on loopback.
func BenchmarkPurchase4HTTP(b *testing.B) {
	t := bench.Target{Dialect: "sqlite", Sync: "NORMAL", Dir: b.TempDir()}
	measure(b, t, bench.ScenarioPurchase, "http", 16, 20*b.N, 0)
}

// BenchmarkConsensus runs 5·b.N instances through a 5-member consensus and
// a 3-of-5 quorum, the approvers of a stage deciding at once.
func BenchmarkConsensus(b *testing.B) {
	for _, t := range targets(b) {
		b.Run(name(t), func(b *testing.B) {
			measure(b, t, bench.ScenarioConsensus, "library", 4, 5*b.N, 0)
		})
	}
}

// BenchmarkInbox times the inbox page and the needs-action check at
// 2,000·b.N open tasks.
func BenchmarkInbox(b *testing.B) {
	for _, t := range targets(b)[1:] {
		b.Run(name(t), func(b *testing.B) {
			measure(b, t, bench.ScenarioInbox, "library", 1, 2000*b.N, 200)
		})
	}
}

// BenchmarkCleanup deletes 2,000·b.N finished purchase-4 instances.
func BenchmarkCleanup(b *testing.B) {
	for _, t := range targets(b) {
		b.Run(name(t), func(b *testing.B) {
			measure(b, t, bench.ScenarioCleanup, "library", 1, 2000*b.N, 0)
		})
	}
}

// BenchmarkIdeal is the minimal engine alone.
func BenchmarkIdeal(b *testing.B) {
	for _, t := range targets(b) {
		b.Run(name(t), func(b *testing.B) {
			measure(b, t, bench.ScenarioIdeal, "library", 16, 100*b.N, 0)
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
