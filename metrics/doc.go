// Package metrics exposes a Flowgate engine to Prometheus: an Observer
// counting the engine's commands (decisions by action and outcome, their
// latency) and the outcomes of action runs, and a collector reading the
// database's gauges (open tasks, active instances, unfinished action runs,
// the job queue) at scrape time. Register both on your registry:
//
//	obs := metrics.NewObserver()
//	cfg := &flowgate.Config{Observer: obs}
//	cfg.Workers.OnRecorded = obs.ActionRunRecorded
//	e, err := flowgate.New(ctx, s, cfg)
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(obs, metrics.NewStoreCollector(s, nil))
//
// flowgate serve does this for its /metrics, with the Go runtime's, the
// process's and the connection pools' collectors beside them.
//
// Metric names and labels (every name starts with flowgate_):
//
//	flowgate_decisions_total{action, outcome}          counter
//	flowgate_decision_duration_seconds{action}         histogram
//	flowgate_commands_total{command, outcome}          counter (attach, start)
//	flowgate_command_duration_seconds{command}         histogram (attach, start)
//	flowgate_action_run_attempts_total{status}         counter (succeeded, failed, dead)
//	flowgate_open_tasks{status}                        gauge (pending, current)
//	flowgate_active_instances{status}                  gauge (not_started, in_progress, awaiting_resubmission)
//	flowgate_action_runs{status}                       gauge (pending, running, failed)
//	flowgate_action_runs_due                           gauge (the job queue)
//	flowgate_store_gauges_up                           gauge (1 when the last read worked)
//
// action is approve, reject, send_back, resubmit, delegate or withdraw;
// outcome is ok or the class of the refusal: invalid, invalid_transition,
// forbidden, not_found, conflict, precondition_failed,
// idempotency_mismatch, refused (a code without a class), canceled (the
// caller's context ended) or error (anything unexpected, such as the
// database being down).
package metrics
