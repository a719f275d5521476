package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// testIdempotencyExpiry covers what happens to a record after its window:
// IdempotencyPut replaces it, IdempotencyPurge deletes it in batches.
func testIdempotencyExpiry(t *testing.T, s store.Store) {
	ctx := t.Context()
	newFixture(t, s, "t1")
	newFixture(t, s, "t2")
	put := func(tenant, user, key, hash string, created, horizon time.Time) error {
		return s.IdempotencyPut(ctx, &flowtype.IdempotencyRecord{TenantID: tenant, UserID: user, Key: key,
			RequestHash: hash, InstanceID: "i-" + hash, Response: []byte(`"` + hash + `"`), CreatedAt: created}, horizon)
	}
	get := func(tenant, user, key string) (*flowtype.IdempotencyRecord, error) {
		return s.IdempotencyGet(ctx, tenant, user, key, time.Time{})
	}

	// Reuse: a live record conflicts; an expired one is replaced in place.
	requireNoError(t, put("t1", "ann", "k", "h1", at(0), time.Time{}), "IdempotencyPut")
	requireConflict(t, put("t1", "ann", "k", "h2", at(10), at(-1)), "IdempotencyPut over a live record")
	got, err := get("t1", "ann", "k")
	requireNoError(t, err, "IdempotencyGet")
	requireEqual(t, got.RequestHash, "h1", "request hash after a refused put")
	requireNoError(t, put("t1", "ann", "k", "h2", at(10), at(0)), "IdempotencyPut over an expired record")
	got, err = get("t1", "ann", "k")
	requireNoError(t, err, "IdempotencyGet")
	requireEqual(t, []any{got.RequestHash, got.InstanceID, string(got.Response), got.CreatedAt},
		[]any{"h2", "i-h2", `"h2"`, at(10)}, "replaced record")
	requireConflict(t, put("t1", "ann", "k", "h3", at(20), at(5)), "IdempotencyPut over the replacement")

	// Purge: five expired records of t1 go in batches of two; the live
	// ones and the other tenant's stay.
	for i := 1; i <= 5; i++ {
		requireNoError(t, put("t1", "bob", fmt.Sprintf("old%d", i), "o", at(i), time.Time{}), "IdempotencyPut")
	}
	requireNoError(t, put("t1", "bob", "new", "n", at(6), time.Time{}), "IdempotencyPut")
	requireNoError(t, put("t2", "bob", "old1", "o", at(1), time.Time{}), "IdempotencyPut")
	var batches []int
	for {
		n, err := s.IdempotencyPurge(ctx, &store.IdempotencyPurgeParams{TenantID: "t1", Horizon: at(5), Limit: 2})
		requireNoError(t, err, "IdempotencyPurge")
		batches = append(batches, n)
		if n < 2 {
			break
		}
	}
	requireEqual(t, batches, []int{2, 2, 1}, "purged per batch")
	for i := 1; i <= 5; i++ {
		_, err := get("t1", "bob", fmt.Sprintf("old%d", i))
		requireNotFound(t, err, "IdempotencyGet of a purged record")
	}
	for _, k := range []struct{ tenant, user, key string }{{"t1", "bob", "new"}, {"t1", "ann", "k"}, {"t2", "bob", "old1"}} {
		_, err := get(k.tenant, k.user, k.key)
		requireNoError(t, err, "IdempotencyGet of a record the purge must keep: "+k.tenant+"/"+k.key)
	}
	// A purged key is new again.
	requireNoError(t, put("t1", "bob", "old1", "again", at(30), at(29)), "IdempotencyPut of a purged key")
}
