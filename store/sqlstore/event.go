package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const eventColumns = `tenant_id, instance_id, seq, type, actor, at, pipeline_id, stage_id, data`

// eventChunk bounds the rows of one multi-row INSERT (9 arguments a row).
const eventChunk = 500

func scanEvent(r rowScanner) (*flowtype.Event, error) {
	var ev flowtype.Event
	var typ string
	var at int64
	var data []byte
	if err := r.Scan(&ev.TenantID, &ev.InstanceID, &ev.Seq, &typ, &ev.Actor, &at,
		&ev.PipelineID, &ev.StageID, &data); err != nil {
		return nil, err
	}
	ev.Type = flowtype.EventType(typ)
	ev.At = fromMicros(at)
	ev.Data = rawJSON(data)
	return &ev, nil
}

// EventInsert appends events, many to an INSERT; zero At is set to now.
// A (instance, seq) already taken is ErrConflict; a missing instance
// ErrNotFound.
func (e *executor) EventInsert(ctx context.Context, events []*flowtype.Event) error {
	if len(events) <= eventChunk {
		// One statement is atomic on its own.
		return e.insertEvents(ctx, e.write, events)
	}
	return e.inTx(ctx, func(q dbtx) error {
		for chunk := range slices.Chunk(events, eventChunk) {
			if err := e.insertEvents(ctx, q, chunk); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *executor) insertEvents(ctx context.Context, q dbtx, events []*flowtype.Event) error {
	if len(events) == 0 {
		return nil
	}
	var a args
	rows := make([]string, len(events))
	for i, ev := range events {
		e.stampIfZero(&ev.At)
		rows[i] = in(&a, []any{ev.TenantID, ev.InstanceID, ev.Seq, string(ev.Type), ev.Actor, micros(ev.At),
			ev.PipelineID, ev.StageID, nullJSON(ev.Data)})
	}
	if _, err := q.ExecContext(ctx,
		`INSERT INTO events (`+eventColumns+`) VALUES `+strings.Join(rows, ", "), a...); err != nil {
		return wrapErr(err, "insert %d events of instance %s", len(events), events[0].InstanceID)
	}
	return nil
}

// EventList returns the instance's events with seq > AfterSeq, oldest
// first. Limit defaults to 50 and is capped at 500.
func (e *executor) EventList(ctx context.Context, p *store.EventListParams) ([]*flowtype.Event, error) {
	rows, err := e.read.QueryContext(ctx, `
		SELECT `+eventColumns+` FROM events
		WHERE tenant_id = $1 AND instance_id = $2 AND seq > $3
		ORDER BY seq LIMIT $4`,
		p.TenantID, p.InstanceID, p.AfterSeq, pageLimit(p.Limit))
	list, err := collect(rows, err, scanEvent)
	if err != nil {
		return nil, wrapErr(err, "list events of instance %s", p.InstanceID)
	}
	return list, nil
}
