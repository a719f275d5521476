package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// StoreCollectorOpts configure NewStoreCollector. The zero value is
// usable.
type StoreCollectorOpts struct {
	// Timeout bounds the database read of one scrape. Defaults to 2
	// seconds.
	Timeout time.Duration
	// Logger receives the read's errors. Defaults to discarding them.
	Logger *slog.Logger
	// Now is the clock due runs are compared with. Defaults to time.Now.
	Now func() time.Time
}

// storeCollector reads the gauges at each scrape, so that they are as
// fresh as the scrape and cost nothing between scrapes; every replica
// reports the same database-wide values.
type storeCollector struct {
	s    store.GaugeQueries
	opts StoreCollectorOpts

	openTasks, activeInstances, actionRuns, due, up *prometheus.Desc
}

// NewStoreCollector returns a collector of the database's gauges, read
// from s (a store.Store, such as engine.Store()) with one cheap query per
// scrape. When the read fails the gauges are left out and
// flowgate_store_gauges_up is 0, so the rest of the scrape still works.
func NewStoreCollector(s store.GaugeQueries, opts *StoreCollectorOpts) prometheus.Collector {
	c := &storeCollector{s: s}
	if opts != nil {
		c.opts = *opts
	}
	if c.opts.Timeout <= 0 {
		c.opts.Timeout = 2 * time.Second
	}
	if c.opts.Logger == nil {
		c.opts.Logger = slog.New(slog.DiscardHandler)
	}
	if c.opts.Now == nil {
		c.opts.Now = time.Now
	}
	status := []string{"status"}
	c.openTasks = prometheus.NewDesc("flowgate_open_tasks", "Open tasks of every tenant, by status (pending, current).", status, nil)
	c.activeInstances = prometheus.NewDesc("flowgate_active_instances",
		"Instances not finished, of every tenant, by status (not_started, in_progress, awaiting_resubmission).", status, nil)
	c.actionRuns = prometheus.NewDesc("flowgate_action_runs",
		"Unfinished action runs of every tenant, by status (pending, running, failed: waiting for a retry).", status, nil)
	c.due = prometheus.NewDesc("flowgate_action_runs_due",
		"The job queue: unfinished action runs due now and not held by a live lease.", nil, nil)
	c.up = prometheus.NewDesc("flowgate_store_gauges_up", "1 when this scrape read the database's gauges, else 0.", nil, nil)
	return c
}

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.openTasks, c.activeInstances, c.actionRuns, c.due, c.up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: it reads the gauges now.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	g, err := c.s.GaugesGet(ctx, &store.GaugesGetParams{Now: c.opts.Now()})
	if err != nil {
		c.opts.Logger.Warn("metrics: reading the store's gauges", "err", err)
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for _, s := range []flowtype.TaskStatus{flowtype.TaskPending, flowtype.TaskCurrent} {
		ch <- prometheus.MustNewConstMetric(c.openTasks, prometheus.GaugeValue, float64(g.OpenTasks[s]), string(s))
	}
	for _, s := range []flowtype.Status{flowtype.StatusNotStarted, flowtype.StatusInProgress, flowtype.StatusAwaitingResubmission} {
		ch <- prometheus.MustNewConstMetric(c.activeInstances, prometheus.GaugeValue, float64(g.ActiveInstances[s]), string(s))
	}
	for _, s := range []flowtype.RunStatus{flowtype.RunPending, flowtype.RunRunning, flowtype.RunFailed} {
		ch <- prometheus.MustNewConstMetric(c.actionRuns, prometheus.GaugeValue, float64(g.ActionRuns[s]), string(s))
	}
	ch <- prometheus.MustNewConstMetric(c.due, prometheus.GaugeValue, float64(g.DueActionRuns))
}
