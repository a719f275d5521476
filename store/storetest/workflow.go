package storetest

import (
	"testing"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

func testWorkflow(t *testing.T, s store.Store) {
	ctx := t.Context()
	newFixture(t, s, "t1")
	def := []byte(`{"name": {"en": "Purchase"}, "strategy": 1}`)
	name := map[string]string{"en": "Purchase Approval", "ar": "موافقة الشراء"}

	w, err := s.WorkflowInsert(ctx, &store.WorkflowInsertParams{
		TenantID: "t1", ID: "wf1", Name: name, Strategy: 1, IsActive: true, CreatedBy: "admin", Definition: def,
	})
	requireNoError(t, err, "WorkflowInsert")
	recent(t, w.CreatedAt, "CreatedAt")
	requireEqual(t, w, &flowtype.WorkflowRow{
		TenantID: "t1", ID: "wf1", Name: name, Strategy: 1, IsActive: true, CurrentVersion: 1,
		CreatedBy: "admin", CreatedAt: w.CreatedAt, UpdatedAt: w.CreatedAt,
	}, "WorkflowInsert result")

	t.Run("FirstVersion", func(t *testing.T) {
		v, err := s.WorkflowVersionGet(ctx, "t1", "wf1", 1)
		requireNoError(t, err, "WorkflowVersionGet")
		requireEqual(t, v, &flowtype.WorkflowVersion{
			TenantID: "t1", WorkflowID: "wf1", Version: 1, Definition: def, CreatedBy: "admin", CreatedAt: w.CreatedAt,
		}, "version 1")
	})

	t.Run("GetErrors", func(t *testing.T) {
		got, err := s.WorkflowGet(ctx, "t1", "wf1")
		requireNoError(t, err, "WorkflowGet")
		requireEqual(t, got, w, "WorkflowGet")
		_, err = s.WorkflowGet(ctx, "t1", "missing")
		requireNotFound(t, err, "WorkflowGet of a missing workflow")
		_, err = s.WorkflowInsert(ctx, &store.WorkflowInsertParams{TenantID: "t1", ID: "wf1", Name: name, Strategy: 1})
		requireConflict(t, err, "WorkflowInsert of an existing id")
		// The failed insert wrote nothing, its version 1 included.
		vs, err := s.WorkflowVersionList(ctx, "t1", "wf1")
		requireNoError(t, err, "WorkflowVersionList")
		requireEqual(t, len(vs), 1, "versions after a failed insert")
	})

	t.Run("Update", func(t *testing.T) {
		up, err := s.WorkflowUpdate(ctx, &store.WorkflowUpdateParams{
			TenantID: "t1", ID: "wf1", Name: map[string]string{"en": "Purchase"}, Strategy: 2, IsActive: false,
			CurrentVersion: 2, ExpectedVersion: 1,
		})
		requireNoError(t, err, "WorkflowUpdate")
		if up.CurrentVersion != 2 || up.Strategy != 2 || up.IsActive || up.Name["ar"] != "" || !up.CreatedAt.Equal(w.CreatedAt) {
			t.Fatalf("WorkflowUpdate result = %+v", up)
		}
		_, err = s.WorkflowUpdate(ctx, &store.WorkflowUpdateParams{
			TenantID: "t1", ID: "wf1", Name: name, Strategy: 1, CurrentVersion: 3, ExpectedVersion: 1,
		})
		requireConflict(t, err, "WorkflowUpdate with a stale ExpectedVersion")
		got, err := s.WorkflowGet(ctx, "t1", "wf1")
		requireNoError(t, err, "WorkflowGet")
		requireEqual(t, got, up, "row after a conflicting update")

		// Without ExpectedVersion the update is unconditional.
		up, err = s.WorkflowUpdate(ctx, &store.WorkflowUpdateParams{
			TenantID: "t1", ID: "wf1", Name: name, Strategy: 1, IsActive: true, CurrentVersion: 2,
		})
		requireNoError(t, err, "WorkflowUpdate without ExpectedVersion")
		requireEqual(t, up.Name, name, "name")

		_, err = s.WorkflowUpdate(ctx, &store.WorkflowUpdateParams{TenantID: "t1", ID: "missing", Name: name, ExpectedVersion: 1})
		requireNotFound(t, err, "WorkflowUpdate of a missing workflow with ExpectedVersion")
		_, err = s.WorkflowUpdate(ctx, &store.WorkflowUpdateParams{TenantID: "t1", ID: "missing", Name: name})
		requireNotFound(t, err, "WorkflowUpdate of a missing workflow")
	})

	t.Run("List", func(t *testing.T) {
		for _, p := range []store.WorkflowInsertParams{
			{ID: "wf2", Name: map[string]string{"en": "Leave request"}, IsActive: true},
			{ID: "wf3", Name: map[string]string{"en": "LEAVE extension", "fr": "Prolongation"}, IsActive: false},
			{ID: "wf4", Name: map[string]string{"en": "100% refund_check"}, IsActive: true},
		} {
			p.TenantID, p.Strategy = "t1", 3
			_, err := s.WorkflowInsert(ctx, &p)
			requireNoError(t, err, "WorkflowInsert "+p.ID)
		}
		list := func(p store.WorkflowListParams) []string {
			t.Helper()
			p.TenantID = "t1"
			got, err := s.WorkflowList(ctx, &p)
			requireNoError(t, err, "WorkflowList")
			return ids(got, func(w *flowtype.WorkflowRow) string { return w.ID })
		}
		requireEqual(t, list(store.WorkflowListParams{}), []string{"wf1", "wf2", "wf3", "wf4"}, "all")
		requireEqual(t, list(store.WorkflowListParams{IsActive: ptr(false)}), []string{"wf3"}, "inactive")
		requireEqual(t, list(store.WorkflowListParams{IsActive: ptr(true)}), []string{"wf1", "wf2", "wf4"}, "active")
		requireEqual(t, list(store.WorkflowListParams{Query: "leave"}), []string{"wf2", "wf3"}, "query leave")
		requireEqual(t, list(store.WorkflowListParams{Query: "PROLONG"}), []string{"wf3"}, "query in another language")
		requireEqual(t, list(store.WorkflowListParams{Query: "الشراء"}), []string{"wf1"}, "query in Arabic")
		requireEqual(t, list(store.WorkflowListParams{Query: "en"}), []string{"wf3"}, "query matches names, not language tags")
		requireEqual(t, list(store.WorkflowListParams{Query: "%"}), []string{"wf4"}, "query % is literal")
		requireEqual(t, list(store.WorkflowListParams{Query: "e_t"}), []string{}, "query _ is literal")
		requireEqual(t, list(store.WorkflowListParams{Query: "leave", IsActive: ptr(true)}), []string{"wf2"}, "query and active")
		requireEqual(t, list(store.WorkflowListParams{AfterID: "wf1", Limit: 2}), []string{"wf2", "wf3"}, "page")
	})
}

func testWorkflowVersion(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	f.workflow("wf1")

	v2 := &flowtype.WorkflowVersion{
		TenantID: "t1", WorkflowID: "wf1", Version: 2, DerivedFrom: 1,
		Definition: []byte(`{"v":2}`), CreatedBy: "editor",
	}
	requireNoError(t, s.WorkflowVersionInsert(ctx, v2), "WorkflowVersionInsert")
	recent(t, v2.CreatedAt, "CreatedAt set on insert")
	got, err := s.WorkflowVersionGet(ctx, "t1", "wf1", 2)
	requireNoError(t, err, "WorkflowVersionGet")
	requireEqual(t, got, v2, "version 2")

	dup := *v2
	requireConflict(t, s.WorkflowVersionInsert(ctx, &dup), "WorkflowVersionInsert of an existing version")
	requireNotFound(t, s.WorkflowVersionInsert(ctx, &flowtype.WorkflowVersion{
		TenantID: "t1", WorkflowID: "ghost", Version: 1, Definition: []byte(`{}`),
	}), "WorkflowVersionInsert for an unknown workflow")

	list, err := s.WorkflowVersionList(ctx, "t1", "wf1")
	requireNoError(t, err, "WorkflowVersionList")
	requireEqual(t, len(list), 2, "number of versions")
	requireEqual(t, []int{list[0].Version, list[1].Version}, []int{1, 2}, "versions oldest first")

	_, err = s.WorkflowVersionGet(ctx, "t1", "wf1", 9)
	requireNotFound(t, err, "WorkflowVersionGet of a missing version")

	t.Run("PinnedAndReplace", func(t *testing.T) {
		pinned, err := s.WorkflowVersionPinned(ctx, "t1", "wf1", 2)
		requireNoError(t, err, "WorkflowVersionPinned")
		requireEqual(t, pinned, false, "pinned before any instance")

		f.subject("po", "1")
		inst := &flowtype.Instance{TenantID: "t1", ID: "i1", SubjectType: "po", SubjectID: "1",
			WorkflowID: "wf1", WorkflowVersion: 2, Status: flowtype.StatusCompleted, Version: 1}
		requireNoError(t, s.InstanceInsert(ctx, inst), "InstanceInsert pinning version 2")
		pinned, err = s.WorkflowVersionPinned(ctx, "t1", "wf1", 2)
		requireNoError(t, err, "WorkflowVersionPinned")
		requireEqual(t, pinned, true, "pinned by a finished instance")
		pinned, err = s.WorkflowVersionPinned(ctx, "t1", "wf1", 1)
		requireNoError(t, err, "WorkflowVersionPinned v1")
		requireEqual(t, pinned, false, "version 1 pinned")

		v1 := &flowtype.WorkflowVersion{TenantID: "t1", WorkflowID: "wf1", Version: 1, Definition: []byte(`{"v":"1b"}`), CreatedBy: "editor"}
		requireNoError(t, s.WorkflowVersionReplace(ctx, v1), "WorkflowVersionReplace of an unpinned version")
		got, err := s.WorkflowVersionGet(ctx, "t1", "wf1", 1)
		requireNoError(t, err, "WorkflowVersionGet")
		requireEqual(t, string(got.Definition), `{"v":"1b"}`, "replaced definition")
		requireEqual(t, got.CreatedBy, "editor", "replaced created_by")

		requireConflict(t, s.WorkflowVersionReplace(ctx, &flowtype.WorkflowVersion{
			TenantID: "t1", WorkflowID: "wf1", Version: 2, Definition: []byte(`{}`),
		}), "WorkflowVersionReplace of a pinned version")
		got, err = s.WorkflowVersionGet(ctx, "t1", "wf1", 2)
		requireNoError(t, err, "WorkflowVersionGet")
		requireEqual(t, string(got.Definition), `{"v":2}`, "pinned definition after a refused replace")

		requireNotFound(t, s.WorkflowVersionReplace(ctx, &flowtype.WorkflowVersion{
			TenantID: "t1", WorkflowID: "wf1", Version: 7, Definition: []byte(`{}`),
		}), "WorkflowVersionReplace of a missing version")
	})
}

func testNode(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s, "t1")
	f.workflow("wf1")
	f.workflow("wf2")

	nodes := []flowtype.Node{
		{ID: "p1", Kind: flowtype.NodePipeline, WorkflowID: "wf1"},
		{ID: "s1", Kind: flowtype.NodeStage, WorkflowID: "wf1"},
		{ID: "a1", Kind: flowtype.NodeAction, WorkflowID: "wf1"},
	}
	requireNoError(t, s.NodeReplace(ctx, "t1", "wf1", nodes), "NodeReplace")
	for _, n := range nodes {
		got, err := s.NodeGet(ctx, "t1", n.ID)
		requireNoError(t, err, "NodeGet "+n.ID)
		requireEqual(t, *got, n, "node "+n.ID)
	}

	requireNoError(t, s.NodeReplace(ctx, "t1", "wf1", nodes[1:]), "NodeReplace without p1")
	_, err := s.NodeGet(ctx, "t1", "p1")
	requireNotFound(t, err, "NodeGet of a replaced node")

	requireConflict(t, s.NodeReplace(ctx, "t1", "wf2", []flowtype.Node{{ID: "s1", Kind: flowtype.NodeStage}}),
		"NodeReplace with an id of another workflow")
	requireNoError(t, s.NodeReplace(ctx, "t1", "wf2", nil), "NodeReplace with no nodes")

	// Many nodes go in several statements, all or nothing.
	many := make([]flowtype.Node, 600)
	for i := range many {
		many[i] = flowtype.Node{ID: seqName("n", i) + "x", Kind: flowtype.NodeStage}
	}
	requireNoError(t, s.NodeReplace(ctx, "t1", "wf2", many), "NodeReplace of 600 nodes")
	got, err := s.NodeGet(ctx, "t1", many[599].ID)
	requireNoError(t, err, "NodeGet of the last of 600")
	requireEqual(t, got.WorkflowID, "wf2", "workflow of the last node")
	many[550].ID = "s1" // taken by wf1: the whole replace fails
	requireConflict(t, s.NodeReplace(ctx, "t1", "wf2", many), "NodeReplace with a taken id in a later chunk")
	_, err = s.NodeGet(ctx, "t1", many[0].ID)
	requireNoError(t, err, "NodeGet after a failed replace: the old nodes stay")
}
