package storetest

import (
	"testing"

	"github.com/flowgate/flowgate/store"
)

func testTx(t *testing.T, s store.Store) {
	ctx := t.Context()

	t.Run("Rollback", func(t *testing.T) {
		tx, err := s.Begin(ctx)
		requireNoError(t, err, "Begin")
		_, err = tx.TenantCreate(ctx, &store.TenantCreateParams{ID: "rolled", Name: "x"})
		requireNoError(t, err, "TenantCreate in tx")
		_, err = tx.TenantGet(ctx, "rolled")
		requireNoError(t, err, "TenantGet in the tx sees its write")
		_, err = s.TenantGet(ctx, "rolled")
		requireNotFound(t, err, "TenantGet outside the tx before commit")
		_, err = tx.WorkflowInsert(ctx, &store.WorkflowInsertParams{TenantID: "rolled", ID: "wf", Name: map[string]string{"en": "x"}, Strategy: 1})
		requireNoError(t, err, "WorkflowInsert in tx")
		requireNoError(t, tx.Rollback(), "Rollback")
		_, err = s.TenantGet(ctx, "rolled")
		requireNotFound(t, err, "TenantGet after rollback")
	})

	t.Run("Commit", func(t *testing.T) {
		tx, err := s.Begin(ctx)
		requireNoError(t, err, "Begin")
		defer func() { _ = tx.Rollback() }()
		_, err = tx.TenantCreate(ctx, &store.TenantCreateParams{ID: "kept", Name: "x"})
		requireNoError(t, err, "TenantCreate in tx")
		_, err = tx.WorkflowInsert(ctx, &store.WorkflowInsertParams{TenantID: "kept", ID: "wf", Name: map[string]string{"en": "x"}, Strategy: 1})
		requireNoError(t, err, "WorkflowInsert in tx")
		requireNoError(t, tx.Commit(), "Commit")
		_, err = s.WorkflowVersionGet(ctx, "kept", "wf", 1)
		requireNoError(t, err, "WorkflowVersionGet after commit")
	})

	t.Run("WithTx", func(t *testing.T) {
		for _, commit := range []bool{false, true} {
			sqlTx, err := s.DB().BeginTx(ctx, nil)
			requireNoError(t, err, "DB().BeginTx")
			ex := s.WithTx(sqlTx)
			_, err = ex.TenantCreate(ctx, &store.TenantCreateParams{ID: "caller", Name: "x"})
			requireNoError(t, err, "TenantCreate through WithTx")
			if commit {
				requireNoError(t, sqlTx.Commit(), "Commit")
				_, err = s.TenantGet(ctx, "caller")
				requireNoError(t, err, "TenantGet after the caller's commit")
			} else {
				requireNoError(t, sqlTx.Rollback(), "Rollback")
				_, err = s.TenantGet(ctx, "caller")
				requireNotFound(t, err, "TenantGet after the caller's rollback")
			}
		}
	})
}
