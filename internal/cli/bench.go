package cli

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/flowgate/flowgate/internal/bench"
)

// benchCmd runs the benchmark scenarios (internal/bench) on fresh
// databases: SQLite files in --dir, or, when --db is a postgres:// URL, a
// fresh schema per measurement there (dropped afterwards). The global
// --db's SQLite path is never touched.
type benchCmd struct {
	Scenario           []string `help:"Scenarios: purchase-4, consensus, inbox, cleanup, ideal, or all." default:"all" sep:","`
	JSON               bool     `name:"json" help:"Print one JSON object per result line instead of a table."`
	Sync               []string `help:"SQLite synchronous settings to run (FULL, NORMAL)." default:"FULL,NORMAL" sep:","`
	Mode               []string `help:"library (in-process calls) and/or http (the API on loopback, as flowgate serve runs it)." default:"library" sep:","`
	Clients            []int    `help:"Concurrent clients of the decision scenarios." default:"1,16" sep:","`
	Instances          int      `help:"purchase-4 instances." default:"2000"`
	ConsensusInstances int      `help:"consensus instances (5 + 3 accepted decisions each)." default:"300"`
	InboxTasks         []int    `help:"Open-task counts the inbox is timed at." default:"10000,100000" sep:","`
	InboxSamples       int      `help:"Timed reads of each kind per inbox size." default:"2000"`
	CleanupInstances   int      `help:"Finished instances the cleanup deletes." default:"100000"`
	Dir                string   `help:"Directory of the SQLite files (default: the system's temporary directory)." type:"path"`
	ActionsDuring      bool     `help:"Run the action workers during the decisions, as serve does (default: after them, delivery timed on its own)."`
	Keep               bool     `help:"Keep the databases (SQLite files, PostgreSQL schemas)."`
	CPUProfile         string   `name:"cpuprofile" help:"Write a CPU profile of the whole run to this file (go tool pprof)." type:"path"`
	Quiet              bool     `help:"No progress lines on stderr."`
}

func (c *benchCmd) Run(env *Env) error {
	o := &bench.Options{
		Dir: c.Dir, Syncs: c.Sync, Scenarios: c.Scenario, Modes: c.Mode, Clients: c.Clients,
		Instances: c.Instances, ConsensusInstances: c.ConsensusInstances, InboxTasks: c.InboxTasks,
		InboxSamples: c.InboxSamples, CleanupInstances: c.CleanupInstances, Keep: c.Keep,
		ActionsDuring: c.ActionsDuring,
	}
	if db := env.Global.DB; strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		o.DB = db
	}
	if !c.Quiet {
		o.Log = env.Err
	}
	if c.CPUProfile != "" {
		f, err := os.Create(c.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	p := bench.NewPrinter(env.Out, c.JSON)
	err := bench.Run(env.Ctx, o, p.Print)
	if ferr := p.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}
