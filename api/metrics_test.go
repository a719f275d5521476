package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/api"
	"github.com/flowgate/flowgate/internal/dbtest"
	"github.com/flowgate/flowgate/metrics"
	"github.com/flowgate/flowgate/store"
)

// scrape reads /metrics and returns its families by name.
func scrape(t *testing.T, sm *small) map[string]*dto.MetricFamily {
	t.Helper()
	r, err := sm.users["req"].Do(t.Context(), http.MethodGet, "/metrics", nil, nil)
	requireOK(t, err, "GET /metrics")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", r.Status, r.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, r.Body)
	}
	return fams
}

// sample returns the value of the family's sample with exactly these
// labels (a histogram's count), and whether there is one.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetrics decides through the API and reads the counters, the
// latency histograms, the database's gauges and the pool statistics back
// from /metrics, on both databases.
func TestMetrics(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		obs := metrics.NewObserver()
		reg := prometheus.NewRegistry()
		reg.MustRegister(obs, metrics.NewStoreCollector(s, nil), collectors.NewDBStatsCollector(s.DB(), "writer"))
		cfg := &flowgate.Config{Observer: obs}
		cfg.Workers.OnRecorded = obs.ActionRunRecorded
		sm := newObservedSmall(t, s, "acme", cfg, &api.Config{Metrics: reg})

		const n = 4
		ids := make([]string, n)
		for i := range ids {
			ids[i] = sm.attach(t, fmt.Sprint(100+i)).ID
			_, err := sm.users["u1"].Decide(ctx, ids[i], &api.DecisionRequest{Action: "approved"}, nil)
			requireOK(t, err, "approve stage 1")
		}
		_, err := sm.users["r2"].Decide(ctx, ids[0], &api.DecisionRequest{Action: "approved"}, nil)
		requireOK(t, err, "approve stage 2") // completes ids[0]
		_, err = sm.users["r2"].Decide(ctx, ids[1], &api.DecisionRequest{Action: "rejected", Reason: "too dear"}, nil)
		requireOK(t, err, "reject")
		_, err = sm.users["req"].Decide(ctx, ids[3], &api.DecisionRequest{Action: "approved"}, nil)
		requireProblem(t, err, http.StatusForbidden, "forbidden", "not_assignee")
		_, err = sm.users["r2"].Decide(ctx, ids[0], &api.DecisionRequest{Action: "approved"}, nil)
		requireProblem(t, err, http.StatusConflict, "conflict", "conflict") // a retry of the step r2 decided
		_, err = sm.users["req"].Decide(ctx, ids[0], &api.DecisionRequest{Action: "withdrawn"}, nil)
		requireProblem(t, err, http.StatusUnprocessableEntity, "invalid_transition", "not_in_progress")

		var openTasks float64
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM tasks WHERE status IN ('pending', 'current')`).Scan(&openTasks); err != nil {
			t.Fatal(err)
		}
		fams := scrape(t, sm)
		tests := []struct {
			name   string
			labels map[string]string
			want   float64
		}{
			{"flowgate_decisions_total", map[string]string{"action": "approve", "outcome": "ok"}, n + 1},
			{"flowgate_decisions_total", map[string]string{"action": "reject", "outcome": "ok"}, 1},
			{"flowgate_decisions_total", map[string]string{"action": "approve", "outcome": "forbidden"}, 1},
			{"flowgate_decisions_total", map[string]string{"action": "approve", "outcome": "conflict"}, 1},
			{"flowgate_decisions_total", map[string]string{"action": "withdraw", "outcome": "invalid_transition"}, 1},
			{"flowgate_decisions_total", map[string]string{"action": "delegate", "outcome": "ok"}, 0},
			{"flowgate_decision_duration_seconds", map[string]string{"action": "approve"}, n + 3},
			{"flowgate_decision_duration_seconds", map[string]string{"action": "reject"}, 1},
			{"flowgate_commands_total", map[string]string{"command": "attach", "outcome": "ok"}, n},
			{"flowgate_command_duration_seconds", map[string]string{"command": "attach"}, n},
			{"flowgate_open_tasks", map[string]string{"status": "current"}, openTasks},
			{"flowgate_active_instances", map[string]string{"status": "in_progress"}, n - 2},
			{"flowgate_store_gauges_up", map[string]string{}, 1},
			{"flowgate_http_requests_total", map[string]string{"route": "POST /api/v1/instances/{id}/decisions", "method": "POST", "status": "200"}, n + 2},
		}
		for _, tt := range tests {
			got, ok := sample(fams, tt.name, tt.labels)
			if !ok || got != tt.want {
				t.Errorf("%s%v = %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
			}
		}
		if openTasks != n-2 {
			t.Errorf("the database has %v open tasks, want %d (one per running instance)", openTasks, n-2)
		}
		for _, name := range []string{"flowgate_action_runs", "flowgate_action_runs_due", "flowgate_action_run_attempts_total",
			"go_sql_open_connections", "go_sql_max_open_connections", "go_sql_wait_count_total"} {
			if fams[name] == nil {
				t.Errorf("/metrics has no %s; it has %s", name, familyNames(fams))
			}
		}
		if _, ok := sample(fams, "go_sql_open_connections", map[string]string{"db_name": "writer"}); !ok {
			t.Errorf("no pool statistics of the writer")
		}
	})
}

func familyNames(fams map[string]*dto.MetricFamily) string {
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}
