package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/flowgate/flowgate"
)

// cleanupTemplates is the number of purchase-4 instances the engine runs
// to completion (actions delivered) before they are copied up to the
// cleanup's count.
const cleanupTemplates = 20

// cloneTables are the tables a finished instance has rows in, parents
// first, with the columns whose values must differ between copies: each
// copy n gets value || '-' || n there.
var cloneTables = []struct {
	table string
	fresh []string
}{
	{"subjects", []string{"id"}},
	{"instances", []string{"id", "subject_id"}},
	{"tasks", []string{"id", "instance_id"}},
	{"events", []string{"instance_id"}},
	{"action_runs", []string{"id", "instance_id"}},
}

// cleanupSeed is a database holding n finished purchase-4 instances,
// ready to be measured: a SQLite file to copy for each synchronous
// setting, or a PostgreSQL schema measured in place.
type cleanupSeed struct {
	d     *database // open (PostgreSQL), or nil once closed (SQLite)
	path  string    // SQLite: the seeded file
	total int
}

// seedCleanup prepares n finished purchase-4 instances with their history
// and delivered action runs. The engine completes a few instances; their
// rows are then copied in SQL (new ids, same shapes and sizes) up to n,
// because running n instances through the engine would take most of the
// run's time budget. A SQLite seed is copied as a file for each setting
// measured, so it is made once per run.
func seedCleanup(ctx context.Context, t Target, n int, logf func(string, ...any)) (*cleanupSeed, error) {
	d, err := t.open(ctx, "cleanup")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = d.close()
		}
	}()
	r, err := newRig(ctx, d)
	if err != nil {
		return nil, err
	}
	defer r.close()
	wf, err := r.setupPurchase(ctx)
	if err != nil {
		return nil, err
	}
	logf("cleanup %s: %d template instances through the engine", t, cleanupTemplates)
	if err := r.e.StartWorkers(ctx); err != nil {
		return nil, err
	}
	drv := libDriver{r.e}
	for i := range cleanupTemplates {
		st, err := drv.attach(ctx, wf, fmt.Sprint(i+1), subjectData(i))
		if err != nil {
			return nil, err
		}
		if err := purchase4.drive(ctx, drv, st, &recorder{}); err != nil {
			return nil, err
		}
	}
	if _, _, err := drain(ctx, r); err != nil {
		return nil, err
	}
	if err := r.e.StopWorkers(ctx); err != nil {
		return nil, err
	}
	copies := (n + cleanupTemplates - 1) / cleanupTemplates
	logf("cleanup %s: copying them to %d finished instances", t, copies*cleanupTemplates)
	if err := fillSeq(ctx, d, copies); err != nil {
		return nil, err
	}
	if err := cloneInstances(ctx, d, copies-1); err != nil {
		return nil, err
	}
	seed := &cleanupSeed{total: copies * cleanupTemplates}
	ok = true
	if d.dialect() == "postgres" {
		seed.d = d
		return seed, nil
	}
	if _, err := d.bytes(ctx, false); err != nil { // checkpoints the log into the file
		return nil, err
	}
	seed.path = d.dsn
	if err := d.store.Close(); err != nil {
		return nil, err
	}
	return seed, nil
}

// drop removes the seed.
func (s *cleanupSeed) drop() {
	if s.d != nil {
		_ = s.d.close()
		return
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(s.path + suffix)
	}
}

// open returns a database holding the seed for target t: the seed itself
// on PostgreSQL, a copy of its file on SQLite.
func (s *cleanupSeed) open(ctx context.Context, t Target) (*database, error) {
	if s.d != nil {
		return s.d, nil
	}
	d, err := t.fresh(ctx, "cleanup", func(path string) error { return copyFile(s.path, path) })
	if err != nil {
		return nil, err
	}
	return d, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// runCleanup measures Cleanup on the seed's finished instances, on target
// t. The ideal engine deletes the same count of its own finished
// instances (an instance row and four event rows each) in the same
// batches, before and after.
func runCleanup(ctx context.Context, t Target, seed *cleanupSeed, logf func(string, ...any)) (*Result, error) {
	began := time.Now()
	d, err := seed.open(ctx, t)
	if err != nil {
		return nil, err
	}
	if seed.d == nil {
		defer d.close()
	}
	r, err := newRig(ctx, d)
	if err != nil {
		return nil, err
	}
	defer r.close()
	id, err := newIdeal(ctx, d.store.DB(), d.dialect())
	if err != nil {
		return nil, err
	}
	defer id.close()
	total := seed.total
	analyze(ctx, d)

	logf("cleanup %s: ideal engine", t)
	idealA, err := id.cleanup(ctx, d, total)
	if err != nil {
		return nil, err
	}
	logf("cleanup %s: engine", t)
	resetPeakRSS()
	allocs := startAllocs()
	t0 := time.Now()
	res, err := r.e.Cleanup(ctx, tenant, &flowgate.CleanupParams{Days: 0})
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(t0)
	if res.Counts.Instances != total {
		return nil, fmt.Errorf("bench: cleanup deleted %d instances, want %d", res.Counts.Instances, total)
	}
	out := &Result{
		Scenario: ScenarioCleanup, DB: d.dialect(), Sync: syncOf(t), Mode: "library", Clients: 1, Instances: total,
		Unit: "deletes", DecisionsPerSec: rate(total, elapsed), AllocsPerDecision: allocs.per(total), PeakRSSMB: peakRSSMB(),
	}
	logf("cleanup %s: ideal engine again", t)
	idealB, err := id.cleanup(ctx, d, total)
	if err != nil {
		return nil, err
	}
	out.IdealDecisionsPerSec = (idealA + idealB) / 2
	out.Ratio = out.DecisionsPerSec / out.IdealDecisionsPerSec
	out.Elapsed = time.Since(began).Seconds()
	return out, nil
}

func analyze(ctx context.Context, d *database) {
	if d.dialect() == "postgres" {
		_, _ = d.store.DB().ExecContext(ctx, `ANALYZE`)
		return
	}
	_, _ = d.store.DB().ExecContext(ctx, `PRAGMA optimize`)
}

// fillSeq makes bench_seq hold 1..n.
func fillSeq(ctx context.Context, d *database, n int) error {
	db := d.store.DB()
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bench_seq (n INTEGER NOT NULL PRIMARY KEY)`); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, `INSERT INTO bench_seq (n)
		WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $1)
		SELECT n FROM s WHERE n > (SELECT COALESCE(MAX(n), 0) FROM bench_seq)`, n)
	return err
}

// columns returns a table's column names.
func columns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}

// cloneInstances adds copies of every instance of the database (with its
// subject, tasks, events and action runs), copies 1..k, a few hundred
// copies to a transaction.
func cloneInstances(ctx context.Context, d *database, k int) error {
	db := d.store.DB()
	const chunk = 250
	stmts := make([]string, len(cloneTables))
	for i, ct := range cloneTables {
		cols, err := columns(ctx, db, ct.table)
		if err != nil {
			return err
		}
		sel := make([]string, len(cols))
		for j, c := range cols {
			sel[j] = "t." + c
			if slices.Contains(ct.fresh, c) {
				sel[j] = "t." + c + " || '-' || CAST(s.n AS TEXT)"
			}
		}
		where := "t.tenant_id = $1"
		if ct.table == "subjects" {
			where += " AND t.id NOT LIKE '%-%'"
		} else if ct.table == "instances" {
			where += " AND t.id NOT LIKE '%-%-%-%-%-%'" // templates only: UUIDs have four dashes
		} else {
			where += " AND t.instance_id NOT LIKE '%-%-%-%-%-%'"
		}
		stmts[i] = `INSERT INTO ` + ct.table + ` (` + strings.Join(cols, ", ") + `)
			SELECT ` + strings.Join(sel, ", ") + ` FROM ` + ct.table + ` t, bench_seq s
			WHERE ` + where + ` AND s.n BETWEEN $2 AND $3`
	}
	// Inserting into a table with its secondary indexes in place costs an
	// index update per row; building each index once afterwards is several
	// times faster. The unique keys stay (they are constraints).
	indexes, err := dropIndexes(ctx, d, cloneTables)
	if err != nil {
		return err
	}
	// The copies reference rows the copy itself wrote a statement
	// earlier: SQLite's per-row foreign key lookups are skipped (the
	// settings are the writer connection's, restored below).
	// The copy is preparation, not measurement: it also runs without
	// syncs and with a page cache that holds the tables being written.
	if d.dialect() == "sqlite" {
		for _, p := range []string{`foreign_keys = OFF`, `synchronous = OFF`, `cache_size = -1048576`} {
			if _, err := db.ExecContext(ctx, `PRAGMA `+p); err != nil {
				return err
			}
		}
		defer func() {
			for _, p := range []string{`foreign_keys = ON`, `synchronous = ` + d.target.Sync, `cache_size = -32768`} {
				_, _ = db.ExecContext(ctx, `PRAGMA `+p)
			}
		}()
	}
	for lo := 1; lo <= k; lo += chunk {
		hi := min(lo+chunk-1, k)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for i, q := range stmts {
			if _, err := tx.ExecContext(ctx, q, tenant, lo, hi); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("bench: copy %s: %w", cloneTables[i].table, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	for _, def := range indexes {
		if _, err := db.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("bench: recreate index: %w", err)
		}
	}
	return nil
}

// dropIndexes drops the secondary, non-unique indexes of the tables and
// returns the statements that create them again.
func dropIndexes(ctx context.Context, d *database, tables []struct {
	table string
	fresh []string
}) ([]string, error) {
	db := d.store.DB()
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL
		AND sql NOT LIKE 'CREATE UNIQUE%'`
	if d.dialect() == "postgres" {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1
			AND indexdef NOT LIKE 'CREATE UNIQUE%'`
	}
	var defs []string
	for _, t := range tables {
		rows, err := db.QueryContext(ctx, q, t.table)
		if err != nil {
			return nil, err
		}
		var names []string
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return nil, err
			}
			names, defs = append(names, name), append(defs, def)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, name := range names {
			if _, err := db.ExecContext(ctx, `DROP INDEX `+name); err != nil {
				return nil, err
			}
		}
	}
	return defs, nil
}

// cleanup seeds n finished ideal instances (four events each), then
// deletes them in batches of 500 as Cleanup does (select a batch, delete
// its events and its instances in one transaction) and returns the
// instances deleted per second.
func (id *ideal) cleanup(ctx context.Context, d *database, n int) (float64, error) {
	if err := fillSeq(ctx, d, n); err != nil {
		return 0, err
	}
	db := id.db
	base := id.next.Add(int64(n)) - int64(n)
	now := time.Now().UnixMicro()
	if _, err := db.ExecContext(ctx, `INSERT INTO ideal_instances (id, state, version, updated_at)
		SELECT $1 + n, 'done', 5, $2 FROM bench_seq WHERE n <= $3`, base, now, n); err != nil {
		return 0, err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO ideal_events (instance_id, seq, type, actor, at)
		SELECT $1 + s.n, e.seq, 'after_approve', 'approver', $2 FROM bench_seq s,
		(SELECT 2 AS seq UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) e WHERE s.n <= $3`, base, now, n); err != nil {
		return 0, err
	}
	analyze(ctx, d)
	deleted := 0
	var after int64 = -1
	t0 := time.Now()
	for {
		rows, err := db.QueryContext(ctx, `SELECT id FROM ideal_instances WHERE state = 'done' AND id > $1 ORDER BY id LIMIT 500`, after)
		if err != nil {
			return 0, err
		}
		var ids []any
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return 0, err
			}
			ids = append(ids, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1].(int64)
		marks := make([]string, len(ids))
		for i := range ids {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
		list := "(" + strings.Join(marks, ", ") + ")"
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ideal_events WHERE instance_id IN `+list, ids...); err != nil {
			_ = tx.Rollback()
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM ideal_instances WHERE id IN `+list, ids...); err != nil {
			_ = tx.Rollback()
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		deleted += len(ids)
	}
	if deleted != n {
		return 0, fmt.Errorf("bench: ideal cleanup deleted %d, want %d", deleted, n)
	}
	return rate(deleted, time.Since(t0)), nil
}
