package storetest

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/flowgate/flowgate/store"
)

// lockRounds is how many transactions race in the lock tests.
const lockRounds = 8

// raceTxs runs fn in n transactions started together and returns their
// errors (a transaction commits when fn succeeds).
func raceTxs(t *testing.T, s store.Store, n int, fn func(tx store.Tx) error) []error {
	t.Helper()
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			tx, err := s.Begin(t.Context())
			if err != nil {
				errs[i] = err
				return
			}
			defer func() { _ = tx.Rollback() }()
			if err := fn(tx); err != nil {
				errs[i] = err
				return
			}
			errs[i] = tx.Commit()
		})
	}
	close(start)
	wg.Wait()
	return errs
}

func testInstanceLock(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	f.workflow("wf1")
	inst := f.instance("i1", "wf1", "po", "1", "in_progress")

	t.Run("Get", func(t *testing.T) {
		want, err := s.InstanceGet(ctx, "t1", "i1")
		requireNoError(t, err, "InstanceGet")
		got, err := s.InstanceGetForUpdate(ctx, "t1", "i1")
		requireNoError(t, err, "InstanceGetForUpdate")
		requireEqual(t, got, want, "InstanceGetForUpdate")
		_, err = s.InstanceGetForUpdate(ctx, "t1", "missing")
		requireNotFound(t, err, "InstanceGetForUpdate of a missing instance")
		newFixture(t, s, "t2")
		_, err = s.InstanceGetForUpdate(ctx, "t2", "i1")
		requireNotFound(t, err, "InstanceGetForUpdate from another tenant")
	})

	t.Run("Serializes", func(t *testing.T) {
		// Each transaction reads the row locked and updates it at the
		// version it read: locked reads queue, so none loses the race.
		errs := raceTxs(t, s, lockRounds, func(tx store.Tx) error {
			cur, err := tx.InstanceGetForUpdate(ctx, "t1", "i1")
			if err != nil {
				return err
			}
			expected := cur.Version
			cur.Version++
			return tx.InstanceUpdate(ctx, cur, expected)
		})
		for i, err := range errs {
			requireNoError(t, err, fmt.Sprintf("transaction %d", i))
		}
		got, err := s.InstanceGet(ctx, "t1", "i1")
		requireNoError(t, err, "InstanceGet")
		requireEqual(t, got.Version, inst.Version+lockRounds, "version after the race")
	})
}

func testRotationLock(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	f.role("mgr")
	f.role("counter")

	t.Run("Get", func(t *testing.T) {
		last, err := s.RotationLock(ctx, "t1", "mgr")
		requireNoError(t, err, "RotationLock")
		requireEqual(t, last, "", "rotation before any choice")
		last, err = s.RotationGet(ctx, "t1", "mgr")
		requireNoError(t, err, "RotationGet")
		requireEqual(t, last, "", "RotationGet after RotationLock created the row")
		requireNoError(t, s.RotationSet(ctx, "t1", "mgr", "alice"), "RotationSet")
		last, err = s.RotationLock(ctx, "t1", "mgr")
		requireNoError(t, err, "RotationLock")
		requireEqual(t, last, "alice", "rotation")
		_, err = s.RotationLock(ctx, "t1", "ghost")
		requireNotFound(t, err, "RotationLock of an unknown role")
		newFixture(t, s, "t2")
		_, err = s.RotationLock(ctx, "t2", "mgr")
		requireNotFound(t, err, "RotationLock of another tenant's role")
	})

	t.Run("Serializes", func(t *testing.T) {
		// Each transaction advances a counter kept as the last user id:
		// without the lock two would read the same value and one update
		// would be lost. The first ones race on creating the row.
		errs := raceTxs(t, s, lockRounds, func(tx store.Tx) error {
			last, err := tx.RotationLock(ctx, "t1", "counter")
			if err != nil {
				return err
			}
			n, _ := strconv.Atoi(last)
			return tx.RotationSet(ctx, "t1", "counter", strconv.Itoa(n+1))
		})
		for i, err := range errs {
			requireNoError(t, err, fmt.Sprintf("transaction %d", i))
		}
		last, err := s.RotationGet(ctx, "t1", "counter")
		requireNoError(t, err, "RotationGet")
		requireEqual(t, last, strconv.Itoa(lockRounds), "counter after the race")
	})
}
