package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

func testEvent(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	f.workflow("wf1")
	f.instance("i1", "wf1", "po", "1", flowtype.StatusInProgress)
	f.instance("i2", "wf1", "po", "2", flowtype.StatusInProgress)

	events := []*flowtype.Event{
		{TenantID: "t1", InstanceID: "i1", Seq: 1, Type: flowtype.EventWorkflowStart, Actor: "ann", At: at(1), PipelineID: "p1", StageID: "s1"},
		{TenantID: "t1", InstanceID: "i1", Seq: 2, Type: flowtype.EventAfterApprove, Actor: "bob", At: at(2), StageID: "s1",
			Data: json.RawMessage(`{"task_id": "t1"}`)},
		{TenantID: "t1", InstanceID: "i1", Seq: 3, Type: flowtype.EventAfterMoveStage, Actor: "bob", At: at(2), StageID: "s2"},
	}
	requireNoError(t, s.EventInsert(ctx, events), "EventInsert")
	single := &flowtype.Event{TenantID: "t1", InstanceID: "i2", Seq: 1, Type: flowtype.EventWorkflowStart, Actor: "ann"}
	requireNoError(t, s.EventInsert(ctx, []*flowtype.Event{single}), "EventInsert of one")
	recent(t, single.At, "At stamped by the store")
	requireNoError(t, s.EventInsert(ctx, nil), "EventInsert of none")

	list := func(p store.EventListParams) []*flowtype.Event {
		t.Helper()
		p.TenantID = "t1"
		got, err := s.EventList(ctx, &p)
		requireNoError(t, err, "EventList")
		return got
	}
	requireEqual(t, list(store.EventListParams{InstanceID: "i1"}), events, "events oldest first")
	requireEqual(t, list(store.EventListParams{InstanceID: "i1", AfterSeq: 1, Limit: 1}), events[1:2], "page")
	requireEqual(t, list(store.EventListParams{InstanceID: "i2"}), []*flowtype.Event{single}, "events of i2")
	requireEqual(t, len(list(store.EventListParams{InstanceID: "i3"})), 0, "events of an unknown instance")

	dup := *events[2]
	requireConflict(t, s.EventInsert(ctx, []*flowtype.Event{{TenantID: "t1", InstanceID: "i1", Seq: 4, Type: "x"}, &dup}),
		"EventInsert of a taken seq")
	requireEqual(t, len(list(store.EventListParams{InstanceID: "i1"})), 3, "events after a failed batch: all or nothing")
	requireNotFound(t, s.EventInsert(ctx, []*flowtype.Event{{TenantID: "t1", InstanceID: "ghost", Seq: 1, Type: "x"}}),
		"EventInsert for a missing instance")

	// The default page is 50 events.
	many := make([]*flowtype.Event, 60)
	for i := range many {
		many[i] = &flowtype.Event{TenantID: "t1", InstanceID: "i2", Seq: i + 2, Type: flowtype.EventTaskApproved, At: at(i)}
	}
	requireNoError(t, s.EventInsert(ctx, many), "EventInsert of 60")
	got := list(store.EventListParams{InstanceID: "i2"})
	requireEqual(t, len(got), 50, "default page size")
	requireEqual(t, got[49].Seq, 50, "last seq of the first page")
}

func testIdempotency(t *testing.T, s store.Store) {
	ctx := t.Context()
	newFixture(t, s, "t1")
	rec := &flowtype.IdempotencyRecord{TenantID: "t1", UserID: "ann", Key: "k1", RequestHash: "h1",
		InstanceID: "i1", Response: []byte(`{"status":"in_progress"}`)}
	requireNoError(t, s.IdempotencyPut(ctx, rec, time.Time{}), "IdempotencyPut")
	recent(t, rec.CreatedAt, "CreatedAt")

	got, err := s.IdempotencyGet(ctx, "t1", "ann", "k1", rec.CreatedAt.Add(-1))
	requireNoError(t, err, "IdempotencyGet")
	requireEqual(t, got, rec, "record")

	_, err = s.IdempotencyGet(ctx, "t1", "ann", "k1", rec.CreatedAt)
	requireNotFound(t, err, "IdempotencyGet past the horizon")
	_, err = s.IdempotencyGet(ctx, "t1", "bob", "k1", rec.CreatedAt.Add(-1))
	requireNotFound(t, err, "IdempotencyGet of another user's key")
	_, err = s.IdempotencyGet(ctx, "t1", "ann", "k2", rec.CreatedAt.Add(-1))
	requireNotFound(t, err, "IdempotencyGet of an unknown key")

	again := *rec
	again.RequestHash = "h2"
	requireConflict(t, s.IdempotencyPut(ctx, &again, time.Time{}), "IdempotencyPut of a stored key")

	// A record without an instance (a refused command) and with an empty body.
	bare := &flowtype.IdempotencyRecord{TenantID: "t1", UserID: "bob", Key: "k1", RequestHash: "h", CreatedAt: at(0)}
	requireNoError(t, s.IdempotencyPut(ctx, bare, time.Time{}), "IdempotencyPut without instance")
	got, err = s.IdempotencyGet(ctx, "t1", "bob", "k1", at(-1))
	requireNoError(t, err, "IdempotencyGet")
	requireEqual(t, got.CreatedAt, at(0), "CreatedAt as given")
	requireEqual(t, len(got.Response), 0, "empty response")
}
