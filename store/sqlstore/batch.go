package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// A batch runs the Executor's own write methods on an executor whose
// writer is a recorder: the methods prepare their rows and build their
// statements as usual, and the recorder keeps the statements instead of
// running them. Flush sends them: on PostgreSQL as the sub-statements of
// one WITH (renumbering their $n placeholders), so the SQL of every write
// stays where it is; on SQLite one after another, through the statement
// cache as before.
type batch struct {
	// e is the executor Flush writes through.
	e *executor
	// x is e writing to rec.
	x       *executor
	rec     recorder
	parts   []part
	flushed bool
}

// part is what one write method recorded, with the checks its rows
// affected must pass (the ones the method makes on the results it gets).
type part struct {
	what  string
	stmts []recorded
	// each, when true, requires each statement to affect a row; short(i)
	// is the error when statement i affects none.
	each  bool
	short func(i int) error
	// guard marks a conditional update of the instance: on PostgreSQL the
	// statement fails when it affects no row, so nothing is written.
	guard bool
	// attach is the instance an InstanceInsert creates: the active-subject
	// index refuses it as already_attached.
	attach *flowtype.Instance
}

type recorded struct {
	query string
	args  []any
}

var (
	errFlushed   = errors.New("sqlstore: batch already flushed")
	errBatchRead = errors.New("sqlstore: a batched write tried to read")
)

// Batch returns an empty batch that flushes through e.
func (e *executor) Batch() store.Batch {
	b := &batch{e: e}
	b.rec.real = e.write
	b.x = &executor{read: &b.rec, write: &b.rec, dialect: e.dialect, now: e.now}
	return b
}

// record runs write on the recording executor and keeps what it recorded
// as p; on an error it keeps nothing.
func (b *batch) record(p part, write func(x *executor) error) error {
	if b.flushed {
		return errFlushed
	}
	b.rec.stmts, b.rec.read = nil, false
	err := write(b.x)
	if err == nil && b.rec.read {
		err = errBatchRead
	}
	stmts := b.rec.stmts
	b.rec.stmts = nil
	if err != nil || len(stmts) == 0 {
		return err
	}
	p.stmts = stmts
	b.parts = append(b.parts, p)
	return nil
}

func (b *batch) InstanceInsert(ctx context.Context, inst *flowtype.Instance) error {
	return b.record(part{what: "insert instance " + inst.ID, attach: inst},
		func(x *executor) error { return x.InstanceInsert(ctx, inst) })
}

func (b *batch) InstanceUpdate(ctx context.Context, inst *flowtype.Instance, expectedVersion int) error {
	id := inst.ID
	return b.record(part{what: "update instance " + id, each: true, guard: true,
		short: func(int) error { return staleVersion(id, expectedVersion) }},
		func(x *executor) error { return x.InstanceUpdate(ctx, inst, expectedVersion) })
}

func (b *batch) TaskInsert(ctx context.Context, tasks []*flowtype.Task) error {
	return b.record(part{what: fmt.Sprintf("insert %d tasks", len(tasks))},
		func(x *executor) error { return x.TaskInsert(ctx, tasks) })
}

// TaskUpdate records one statement per task (see executor.TaskUpdate).
func (b *batch) TaskUpdate(ctx context.Context, tasks []*flowtype.Task) error {
	ids := make([]string, len(tasks))
	for i, t := range tasks {
		ids[i] = t.ID
	}
	return b.record(part{what: fmt.Sprintf("update %d tasks", len(tasks)), each: true,
		short: func(i int) error { return notFound("task", ids[min(i, len(ids)-1)]) }},
		func(x *executor) error { return x.TaskUpdate(ctx, tasks) })
}

func (b *batch) EventInsert(ctx context.Context, events []*flowtype.Event) error {
	return b.record(part{what: fmt.Sprintf("insert %d events", len(events))},
		func(x *executor) error { return x.EventInsert(ctx, events) })
}

func (b *batch) ActionRunInsert(ctx context.Context, runs []*flowtype.ActionRun) error {
	return b.record(part{what: fmt.Sprintf("insert %d action runs", len(runs))},
		func(x *executor) error { return x.ActionRunInsert(ctx, runs) })
}

func (b *batch) RotationSet(ctx context.Context, tenantID, roleID, lastUserID string) error {
	return b.record(part{what: "set rotation of role " + roleID},
		func(x *executor) error { return x.RotationSet(ctx, tenantID, roleID, lastUserID) })
}

// IdempotencyPut records the upsert, which affects no row when the key is
// stored and has not expired.
func (b *batch) IdempotencyPut(ctx context.Context, rec *flowtype.IdempotencyRecord, horizon time.Time) error {
	key := rec.Key
	return b.record(part{what: "put idempotency key " + key, each: true,
		short: func(int) error {
			return fmt.Errorf("sqlstore: put idempotency key %s: already stored: %w", key, flowtype.ErrConflict)
		}},
		func(x *executor) error { return x.IdempotencyPut(ctx, rec, horizon) })
}

// Flush sends the batch, the instance's conditional update first, in a
// transaction of its own when the executor is not in one.
func (b *batch) Flush(ctx context.Context) error {
	if b.flushed {
		return errFlushed
	}
	b.flushed = true
	if len(b.parts) == 0 {
		return nil
	}
	parts := slices.Clone(b.parts)
	slices.SortStableFunc(parts, func(p, q part) int {
		switch {
		case p.guard == q.guard:
			return 0
		case p.guard:
			return -1
		}
		return 1
	})
	return b.e.inTx(ctx, func(q dbtx) error {
		if b.e.dialect == postgresDialect {
			return flushStatements(ctx, q, parts)
		}
		return flushEach(ctx, q, parts)
	})
}

// fail translates the error of one of the part's statements.
func (p *part) fail(err error) error {
	if p.attach != nil && isIndexViolation(err, activeSubjectIndex) {
		return alreadyAttached(p.attach)
	}
	return wrapErr(err, "%s", p.what)
}

// flushEach runs the statements one after another (SQLite).
func flushEach(ctx context.Context, q dbtx, parts []part) error {
	for _, p := range parts {
		for i, st := range p.stmts {
			res, err := q.ExecContext(ctx, st.query, st.args...)
			if err != nil {
				return p.fail(err)
			}
			if !p.each {
				continue
			}
			n, err := res.RowsAffected()
			if err != nil {
				return p.fail(err)
			}
			if n == 0 {
				return p.short(i)
			}
		}
	}
	return nil
}

// maxStatementArgs bounds the arguments of one statement (PostgreSQL
// binds at most 65,535); a larger batch is sent as several statements, the
// instance's update in the first.
const maxStatementArgs = 30000

// ref is a recorded statement of a part.
type ref struct {
	part *part
	i    int
}

// flushStatements sends the statements as few WITH statements (PostgreSQL).
func flushStatements(ctx context.Context, q dbtx, parts []part) error {
	var chunk []ref
	nargs := 0
	for pi := range parts {
		p := &parts[pi]
		for i, st := range p.stmts {
			if len(chunk) > 0 && nargs+len(st.args) > maxStatementArgs {
				if err := flushChunk(ctx, q, chunk); err != nil {
					return err
				}
				chunk, nargs = nil, 0
			}
			chunk = append(chunk, ref{p, i})
			nargs += len(st.args)
		}
	}
	return flushChunk(ctx, q, chunk)
}

// flushChunk sends statements as one (chunkStatement) and checks the
// rows each affected.
func flushChunk(ctx context.Context, q dbtx, chunk []ref) error {
	query, args := chunkStatement(chunk)
	guards := 0
	for _, r := range chunk {
		if r.part.guard {
			guards++
		}
	}
	n := make([]int64, len(chunk))
	dest := make([]any, 0, guards+len(chunk))
	for range guards {
		dest = append(dest, new(int64))
	}
	for k := range n {
		dest = append(dest, &n[k])
	}
	if err := q.QueryRowContext(ctx, query, args...).Scan(dest...); err != nil {
		return chunkErr(err, chunk)
	}
	for k, r := range chunk {
		if r.part.each && n[k] == 0 {
			return r.part.short(r.i)
		}
	}
	return nil
}

// chunkStatement makes statements one: each a data-modifying WITH query
// wK, the main query selecting how many rows each affected. A guarded
// statement comes first and is also selected first as 1 / its count, so
// when it affects no row the statement fails (division by zero) before
// any other sub-statement runs, and nothing is written.
func chunkStatement(chunk []ref) (string, []any) {
	n := 0
	for _, r := range chunk {
		n += len(r.part.stmts[r.i].args)
	}
	args := make([]any, 0, n)
	for _, r := range chunk {
		args = append(args, r.part.stmts[r.i].args...)
	}
	key, shape := chunkShape(chunk)
	if text, ok := chunkTexts.get(key, shape); ok {
		return text, args
	}
	text := buildChunk(chunk)
	chunkTexts.put(key, shape, text)
	return text, args
}

func buildChunk(chunk []ref) string {
	var sb strings.Builder
	var guards []string
	counts := make([]string, len(chunk))
	size, offset := 0, 0
	for _, r := range chunk {
		size += len(r.part.stmts[r.i].query) + 64
	}
	sb.Grow(size)
	sb.WriteString("WITH ")
	for k, r := range chunk {
		st := r.part.stmts[r.i]
		if k > 0 {
			sb.WriteString(",\n")
		}
		name := "w" + strconv.Itoa(k)
		sb.WriteString(name + " AS (")
		renumber(&sb, st.query, offset)
		if !strings.Contains(st.query, "RETURNING") && !strings.Contains(st.query, "returning") {
			sb.WriteString(" RETURNING 1")
		}
		sb.WriteString(")")
		offset += len(st.args)
		counts[k] = "(SELECT count(*) FROM " + name + ")"
		if r.part.guard {
			guards = append(guards, "1 / "+counts[k])
		}
	}
	sb.WriteString("\nSELECT ")
	sb.WriteString(strings.Join(append(guards, counts...), ", "))
	return sb.String()
}

// chunkTexts keeps the statement texts of the chunk shapes met so far (a
// command kind writes a few shapes, over and over), so the texts are not
// built again for every command; pgx then finds its prepared statement by
// the same text.
var chunkTexts = &textCache{m: map[uint64][]cachedText{}}

// maxChunkTexts bounds chunkTexts; shapes beyond it are built every time.
const maxChunkTexts = 1024

// shapeItem is what a chunk's text depends on, per statement.
type shapeItem struct {
	query string
	nargs int
	guard bool
}

type cachedText struct {
	shape []shapeItem
	text  string
}

type textCache struct {
	mu sync.RWMutex
	m  map[uint64][]cachedText
	n  int
}

var chunkSeed = maphash.MakeSeed()

func chunkShape(chunk []ref) (uint64, []shapeItem) {
	var h maphash.Hash
	h.SetSeed(chunkSeed)
	shape := make([]shapeItem, len(chunk))
	for k, r := range chunk {
		st := r.part.stmts[r.i]
		shape[k] = shapeItem{query: st.query, nargs: len(st.args), guard: r.part.guard}
		h.WriteString(st.query)
		maphash.WriteComparable(&h, len(st.args))
		maphash.WriteComparable(&h, r.part.guard)
	}
	return h.Sum64(), shape
}

func (c *textCache) get(key uint64, shape []shapeItem) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, e := range c.m[key] {
		if slices.Equal(e.shape, shape) {
			return e.text, true
		}
	}
	return "", false
}

func (c *textCache) put(key uint64, shape []shapeItem, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n >= maxChunkTexts {
		return
	}
	c.m[key] = append(c.m[key], cachedText{shape: shape, text: text})
	c.n++
}

// pgDivisionByZero is the SQLSTATE of a failed guard.
const pgDivisionByZero = "22012"

// chunkErr translates the error of a WITH statement: a failed guard is its
// part's conflict, a taken active subject its instance's refusal.
func chunkErr(err error, chunk []ref) error {
	var whats []string
	for _, r := range chunk {
		p := r.part
		if pe := (*pgconn.PgError)(nil); p.guard && errors.As(err, &pe) && pe.Code == pgDivisionByZero {
			return p.short(r.i)
		}
		if p.attach != nil && isIndexViolation(err, activeSubjectIndex) {
			return alreadyAttached(p.attach)
		}
		if r.i == 0 {
			whats = append(whats, p.what)
		}
	}
	return wrapErr(err, "write batch (%s)", strings.Join(whats, ", "))
}

// renumber writes query with each $n placeholder shifted by offset;
// quoted strings and identifiers are copied as they are.
func renumber(sb *strings.Builder, query string, offset int) {
	for {
		i := strings.IndexAny(query, `$'"`)
		if i < 0 {
			sb.WriteString(query)
			return
		}
		sb.WriteString(query[:i])
		c := query[i]
		query = query[i+1:]
		if c != '$' {
			end := strings.IndexByte(query, c)
			if end < 0 {
				sb.WriteByte(c)
				sb.WriteString(query)
				return
			}
			sb.WriteByte(c)
			sb.WriteString(query[:end+1])
			query = query[end+1:]
			continue
		}
		j := 0
		for j < len(query) && isDigit(query[j]) {
			j++
		}
		sb.WriteByte('$')
		if j == 0 {
			continue
		}
		n, _ := strconv.Atoi(query[:j])
		sb.WriteString(strconv.Itoa(n + offset))
		query = query[j:]
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// recorder is the writer of a batch's recording executor: it keeps the
// statements and reports each as having affected one row, which is what
// the write methods' own checks expect; Flush checks the real counts.
// The write methods never read; should one try, the batch refuses it.
type recorder struct {
	stmts []recorded
	read  bool
	// real answers a read attempt with an error, without I/O.
	real dbtx
}

func (r *recorder) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	r.stmts = append(r.stmts, recorded{query: query, args: args})
	return driver.RowsAffected(1), nil
}

func (r *recorder) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	r.read = true
	return nil, errBatchRead
}

// QueryRowContext returns a row holding an error: database/sql makes one
// only from a query, so it asks the real handle with a cancelled context,
// which fails before any I/O.
func (r *recorder) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	r.read = true
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	return r.real.QueryRowContext(ctx, query, args...)
}
