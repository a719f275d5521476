package storetest

import (
	"testing"

	"github.com/flowgate/flowgate/store"
)

func testSubject(t *testing.T, s store.Store) {
	ctx := t.Context()
	newFixture(t, s, "t1")

	sub, err := s.SubjectUpsert(ctx, &store.SubjectUpsertParams{TenantID: "t1", Type: "po", ID: "42"})
	requireNoError(t, err, "SubjectUpsert without data")
	recent(t, sub.CreatedAt, "CreatedAt")
	requireEqual(t, string(sub.Data), `{}`, "data of a new subject without data")
	requireEqual(t, sub.Status, map[string]string{}, "status of a new subject")

	data := []byte(`{"amount": 1500, "currency": "EUR"}`)
	sub, err = s.SubjectUpsert(ctx, &store.SubjectUpsertParams{
		TenantID: "t1", Type: "po", ID: "42", Data: data, Status: map[string]string{"state": "draft"}, CreatedBy: "ann",
	})
	requireNoError(t, err, "SubjectUpsert with data")
	requireEqual(t, string(sub.Data), string(data), "data replaced byte for byte")
	requireEqual(t, sub.Status, map[string]string{"state": "draft"}, "status")
	requireEqual(t, sub.CreatedBy, "ann", "created_by")

	// Nil data, nil status and empty created_by keep what is stored.
	sub, err = s.SubjectUpsert(ctx, &store.SubjectUpsertParams{TenantID: "t1", Type: "po", ID: "42"})
	requireNoError(t, err, "SubjectUpsert with nothing")
	requireEqual(t, string(sub.Data), string(data), "data kept")
	requireEqual(t, sub.Status, map[string]string{"state": "draft"}, "status kept")
	requireEqual(t, sub.CreatedBy, "ann", "created_by kept")

	got, err := s.SubjectGet(ctx, "t1", "po", "42")
	requireNoError(t, err, "SubjectGet")
	requireEqual(t, got, sub, "SubjectGet")

	requireNoError(t, s.SubjectSetStatus(ctx, "t1", "po", "42", "approval", "approved"), "SubjectSetStatus")
	requireNoError(t, s.SubjectSetStatus(ctx, "t1", "po", "42", "state", "done"), "SubjectSetStatus")
	got, err = s.SubjectGet(ctx, "t1", "po", "42")
	requireNoError(t, err, "SubjectGet")
	requireEqual(t, got.Status, map[string]string{"state": "done", "approval": "approved"}, "status after SetStatus")
	requireEqual(t, string(got.Data), string(data), "data after SetStatus")

	requireNotFound(t, s.SubjectSetStatus(ctx, "t1", "po", "missing", "state", "x"), "SubjectSetStatus of a missing subject")
	_, err = s.SubjectGet(ctx, "t1", "po", "missing")
	requireNotFound(t, err, "SubjectGet of a missing subject")
	_, err = s.SubjectGet(ctx, "t1", "invoice", "42")
	requireNotFound(t, err, "SubjectGet of the same id under another type")
	_, err = s.SubjectUpsert(ctx, &store.SubjectUpsertParams{TenantID: "ghost", Type: "po", ID: "1"})
	requireNotFound(t, err, "SubjectUpsert in an unknown tenant")
}
