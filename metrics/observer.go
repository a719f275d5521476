package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// LatencyBuckets are the upper bounds, in seconds, of the command latency
// histograms: 0.5 ms to 5 s, for work measured in milliseconds (a
// decision commits in about one on a local database) that may wait on a
// busy database.
var LatencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// Observer counts the engine's commands and the outcomes of action runs.
// It is a flowgate.Observer (give it as Config.Observer), its
// ActionRunRecorded method fits Config.Workers.OnRecorded, and it is a
// prometheus.Collector (register it). The zero value is not usable; call
// NewObserver.
type Observer struct {
	decisions        *prometheus.CounterVec
	decisionDuration *prometheus.HistogramVec
	commands         *prometheus.CounterVec
	commandDuration  *prometheus.HistogramVec
	runs             *prometheus.CounterVec
}

var _ flowgate.Observer = (*Observer)(nil)

// NewObserver returns an Observer whose counters start at zero for every
// action and command with the outcome ok, so that rates exist before the
// first one.
func NewObserver() *Observer {
	o := &Observer{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowgate_decisions_total",
			Help: "Decisions by action (approve, reject, send_back, resubmit, delegate, withdraw) and outcome (ok, or the class of the refusal or error).",
		}, []string{"action", "outcome"}),
		decisionDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowgate_decision_duration_seconds",
			Help:    "Time the engine took to decide, commit included, by action.",
			Buckets: LatencyBuckets,
		}, []string{"action"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowgate_commands_total",
			Help: "Attach and start commands by outcome (decisions are counted by flowgate_decisions_total).",
		}, []string{"command", "outcome"}),
		commandDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowgate_command_duration_seconds",
			Help:    "Time the engine took to attach or start, commit included.",
			Buckets: LatencyBuckets,
		}, []string{"command"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowgate_action_run_attempts_total",
			Help: "Action run attempts recorded by this process, by the status they left the run in (succeeded, failed: to be retried, dead: out of attempts).",
		}, []string{"status"}),
	}
	for _, a := range actionLabels {
		o.decisions.WithLabelValues(a, "ok")
		o.decisionDuration.WithLabelValues(a)
	}
	for _, c := range []flowgate.CommandKind{flowgate.CommandAttach, flowgate.CommandStart} {
		o.commands.WithLabelValues(string(c), "ok")
		o.commandDuration.WithLabelValues(string(c))
	}
	for _, s := range []flowgate.RunStatus{flowtype.RunSucceeded, flowtype.RunFailed, flowtype.RunDead} {
		o.runs.WithLabelValues(string(s))
	}
	return o
}

// CommandStarted implements flowgate.Observer; it changes nothing.
func (o *Observer) CommandStarted(ctx context.Context, _ *flowgate.Command) context.Context {
	return ctx
}

// CommandEnded counts the command and observes its duration.
func (o *Observer) CommandEnded(_ context.Context, c *flowgate.Command, d time.Duration, err error) {
	if c.Kind == flowgate.CommandDecide {
		a := actionLabel(c.Action)
		o.decisions.WithLabelValues(a, outcome(err)).Inc()
		o.decisionDuration.WithLabelValues(a).Observe(d.Seconds())
		return
	}
	o.commands.WithLabelValues(string(c.Kind), outcome(err)).Inc()
	o.commandDuration.WithLabelValues(string(c.Kind)).Observe(d.Seconds())
}

// ActionRunRecorded counts an attempt whose outcome the workers recorded;
// its signature is Config.Workers.OnRecorded's.
func (o *Observer) ActionRunRecorded(_, _ string, status flowgate.RunStatus) {
	o.runs.WithLabelValues(string(status)).Inc()
}

// Describe implements prometheus.Collector.
func (o *Observer) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range o.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (o *Observer) Collect(ch chan<- prometheus.Metric) {
	for _, c := range o.collectors() {
		c.Collect(ch)
	}
}

func (o *Observer) collectors() []prometheus.Collector {
	return []prometheus.Collector{o.decisions, o.decisionDuration, o.commands, o.commandDuration, o.runs}
}
