package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Result is one line of a bench run: a scenario on one database, setting,
// mode and client count, with the ideal engine's figure measured in the
// same run beside it.
//
// For the decision scenarios (purchase-4, consensus, ideal) the rate is
// decisions per second and the latencies are those of one decision. The
// inbox and cleanup scenarios reuse the columns for their own operation,
// named by Unit: inbox pages or needs-action checks per second with their
// latencies, finished instances deleted per second.
type Result struct {
	Scenario string `json:"scenario"`
	// DB is "sqlite" or "postgres"; Sync is SQLite's synchronous setting
	// ("" on PostgreSQL).
	DB   string `json:"db"`
	Sync string `json:"sync"`
	// Mode is "library" (in-process calls) or "http" (the API on
	// loopback).
	Mode      string `json:"mode"`
	Clients   int    `json:"clients"`
	Instances int    `json:"instances"`
	// Unit names what DecisionsPerSec counts: "decisions", "pages",
	// "checks" or "deletes" (finished instances deleted).
	Unit string `json:"unit"`
	// OpenTasks is the inbox scenario's count of open tasks.
	OpenTasks       int     `json:"open_tasks,omitempty"`
	StartsPerSec    float64 `json:"starts_per_sec"`
	DecisionsPerSec float64 `json:"decisions_per_sec"`
	P50ms           float64 `json:"p50_ms"`
	P99ms           float64 `json:"p99_ms"`
	P999ms          float64 `json:"p999_ms"`
	// BytesPerInstance is the database growth (tables and indexes) per
	// instance, with its history and action runs, after the actions ran.
	BytesPerInstance float64 `json:"bytes_per_instance"`
	// AllocsPerDecision counts heap allocations of the whole process
	// (engine, workers, sinks, HTTP server and client) per operation.
	AllocsPerDecision float64 `json:"allocs_per_decision"`
	PeakRSSMB         float64 `json:"peak_rss_mb"`
	// IdealDecisionsPerSec is the ideal engine's rate on the same
	// database and settings, measured in the same run (the mean of a run
	// before and one after the scenario); Ratio is DecisionsPerSec over
	// it.
	IdealDecisionsPerSec float64 `json:"ideal_decisions_per_sec"`
	Ratio                float64 `json:"ratio"`
	IdealP99ms           float64 `json:"ideal_p99_ms"`
	IdealBytes           float64 `json:"ideal_bytes_per_instance"`
	// Actions counts the action runs delivered (e-mails to the SMTP sink,
	// webhooks to the HTTP sink); DrainSec is how long after the last
	// decision the workers took to finish them, and ActionsPerSec their
	// rate when they ran alone (the default; see Options.ActionsDuring).
	Actions       int     `json:"actions,omitempty"`
	DrainSec      float64 `json:"drain_sec,omitempty"`
	ActionsPerSec float64 `json:"actions_per_sec,omitempty"`
	// Conflicts counts refused concurrent decisions (consensus: the
	// approvers a 3-of-5 quorum no longer needs).
	Conflicts int     `json:"conflicts,omitempty"`
	Elapsed   float64 `json:"elapsed_sec"`
	Note      string  `json:"note,omitempty"`
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// tidy rounds the figures for printing.
func (r *Result) tidy() {
	r.StartsPerSec = round(r.StartsPerSec, 0)
	r.DecisionsPerSec = round(r.DecisionsPerSec, 0)
	r.IdealDecisionsPerSec = round(r.IdealDecisionsPerSec, 0)
	r.P50ms, r.P99ms, r.P999ms, r.IdealP99ms = round(r.P50ms, 3), round(r.P99ms, 3), round(r.P999ms, 3), round(r.IdealP99ms, 3)
	r.BytesPerInstance, r.IdealBytes = round(r.BytesPerInstance, 0), round(r.IdealBytes, 0)
	r.AllocsPerDecision = round(r.AllocsPerDecision, 0)
	r.PeakRSSMB = round(r.PeakRSSMB, 1)
	r.Ratio = round(r.Ratio, 3)
	r.DrainSec, r.Elapsed, r.ActionsPerSec = round(r.DrainSec, 2), round(r.Elapsed, 2), round(r.ActionsPerSec, 0)
}

// Printer writes results as they come: JSON lines, or a table printed at
// the end (Flush).
type Printer struct {
	w    io.Writer
	json bool
	rows []*Result
}

// NewPrinter returns a printer to w; asJSON selects one JSON object per
// line.
func NewPrinter(w io.Writer, asJSON bool) *Printer { return &Printer{w: w, json: asJSON} }

// Print records r (and writes it at once in JSON mode).
func (p *Printer) Print(r *Result) error {
	r.tidy()
	if p.json {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(p.w, "%s\n", b)
		return err
	}
	p.rows = append(p.rows, r)
	return nil
}

// Flush writes the table (nothing in JSON mode).
func (p *Printer) Flush() error {
	if p.json || len(p.rows) == 0 {
		return nil
	}
	return WriteTable(p.w, p.rows)
}

// WriteTable writes results as an aligned table.
func WriteTable(w io.Writer, rows []*Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"scenario", "db", "sync", "mode", "clients", "instances", "unit", "starts/s", "ops/s",
		"p50 ms", "p99 ms", "p99.9 ms", "B/inst", "allocs/op", "RSS MB", "ideal/s", "ratio", "ideal p99", "ideal B/inst", ""}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range rows {
		sync := r.Sync
		if sync == "" {
			sync = "-"
		}
		cells := []string{r.Scenario, r.DB, sync, r.Mode, fmt.Sprint(r.Clients), fmt.Sprint(r.Instances), r.Unit,
			num(r.StartsPerSec, 0), num(r.DecisionsPerSec, 0), num(r.P50ms, 2), num(r.P99ms, 2), num(r.P999ms, 2),
			num(r.BytesPerInstance, 0), num(r.AllocsPerDecision, 0), num(r.PeakRSSMB, 0),
			num(r.IdealDecisionsPerSec, 0), num(r.Ratio, 2), num(r.IdealP99ms, 2), num(r.IdealBytes, 0), ""}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.Note != "" {
			fmt.Fprintf(w, "note: %s %s %s %s %d: %s\n", r.Scenario, r.DB, r.Sync, r.Mode, r.Clients, r.Note)
		}
	}
	return nil
}

func num(v float64, digits int) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.*f", digits, v)
}
