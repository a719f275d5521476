package storetest

import (
	"testing"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

func testAPIKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	f.user("u1", true)
	newFixture(t, s, "t2").user("u1", true)

	k := &flowtype.APIKey{
		TenantID: "t1", ID: "k1", UserID: "u1", Name: "ci", Prefix: "fg_abc", Hash: "h1",
		Admin: true, ActAs: true, CreatedBy: "u1",
	}
	requireNoError(t, s.APIKeyInsert(ctx, k), "APIKeyInsert")
	recent(t, k.CreatedAt, "CreatedAt")

	got, err := s.APIKeyGetByHash(ctx, "h1")
	requireNoError(t, err, "APIKeyGetByHash")
	requireEqual(t, got, k, "APIKeyGetByHash")
	_, err = s.APIKeyGetByHash(ctx, "nope")
	requireNotFound(t, err, "APIKeyGetByHash of an unknown digest")

	dup := *k
	dup.ID = "k2"
	requireConflict(t, s.APIKeyInsert(ctx, &dup), "APIKeyInsert of a stored digest")
	requireNotFound(t, s.APIKeyInsert(ctx, &flowtype.APIKey{TenantID: "t1", ID: "k3", UserID: "ghost", Hash: "h3"}),
		"APIKeyInsert for an unknown user")
	requireNotFound(t, s.APIKeyInsert(ctx, &flowtype.APIKey{TenantID: "nope", ID: "k4", UserID: "u1", Hash: "h4"}),
		"APIKeyInsert in an unknown tenant")
	requireNoError(t, s.APIKeyInsert(ctx, &flowtype.APIKey{TenantID: "t2", ID: "k1", UserID: "u1", Hash: "h5"}),
		"APIKeyInsert of the same id in another tenant")

	requireNoError(t, s.APIKeyTouch(ctx, &store.APIKeyStampParams{TenantID: "t1", ID: "k1", At: at(10)}), "APIKeyTouch")
	requireNoError(t, s.APIKeyRevoke(ctx, &store.APIKeyStampParams{TenantID: "t1", ID: "k1", At: at(20)}), "APIKeyRevoke")
	requireNoError(t, s.APIKeyRevoke(ctx, &store.APIKeyStampParams{TenantID: "t1", ID: "k1", At: at(30)}), "APIKeyRevoke again")
	requireNotFound(t, s.APIKeyRevoke(ctx, &store.APIKeyStampParams{TenantID: "t1", ID: "nope", At: at(30)}), "APIKeyRevoke of an unknown key")
	requireNotFound(t, s.APIKeyTouch(ctx, &store.APIKeyStampParams{TenantID: "t3", ID: "k1", At: at(30)}), "APIKeyTouch in another tenant")
	got, err = s.APIKeyGetByHash(ctx, "h1")
	requireNoError(t, err, "APIKeyGetByHash after revoke")
	requireEqual(t, got.LastUsedAt, ptr(at(10)), "LastUsedAt")
	requireEqual(t, got.RevokedAt, ptr(at(20)), "RevokedAt (the first revocation)")

	list, err := s.APIKeyList(ctx, "t1")
	requireNoError(t, err, "APIKeyList")
	requireEqual(t, ids(list, func(k *flowtype.APIKey) string { return k.ID }), []string{"k1"}, "APIKeyList ids")
	list, err = s.APIKeyList(ctx, "t2")
	requireNoError(t, err, "APIKeyList t2")
	requireEqual(t, ids(list, func(k *flowtype.APIKey) string { return k.Hash }), []string{"h5"}, "APIKeyList t2 digests")
}

func testUserGetByEmail(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	for _, id := range []string{"b", "a"} {
		_, err := s.UserUpsert(ctx, &store.UserUpsertParams{TenantID: "t1", ID: id, Email: "Ann@Example.com", IsActive: true})
		requireNoError(t, err, "UserUpsert")
	}
	f.user("c", true)
	newFixture(t, s, "t2").user("z", true)

	u, err := s.UserGetByEmail(ctx, "t1", "ann@example.COM")
	requireNoError(t, err, "UserGetByEmail")
	requireEqual(t, u.ID, "a", "UserGetByEmail picks the smallest id")
	_, err = s.UserGetByEmail(ctx, "t1", "z@example.com")
	requireNotFound(t, err, "UserGetByEmail of another tenant's user")
	_, err = s.UserGetByEmail(ctx, "t1", "")
	requireNotFound(t, err, "UserGetByEmail of an empty address")
}
