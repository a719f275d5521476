package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/flowgate/flowgate/flowtype"
)

// nodeChunk bounds the rows of one multi-row INSERT (4 arguments a row,
// well under both engines' limits on bound arguments).
const nodeChunk = 500

// NodeReplace replaces the workflow's pipeline, stage and action ids with
// nodes, in one transaction. An id that another workflow of the tenant
// already uses is ErrConflict; an unknown workflow ErrNotFound.
func (e *executor) NodeReplace(ctx context.Context, tenantID, workflowID string, nodes []flowtype.Node) error {
	return e.inTx(ctx, func(q dbtx) error {
		if _, err := q.ExecContext(ctx,
			`DELETE FROM definition_nodes WHERE tenant_id = $1 AND workflow_id = $2`,
			tenantID, workflowID); err != nil {
			return wrapErr(err, "replace nodes of workflow %s", workflowID)
		}
		for chunk := range slices.Chunk(nodes, nodeChunk) {
			var a args
			rows := make([]string, len(chunk))
			for i, n := range chunk {
				rows[i] = "(" + a.add(tenantID) + ", " + a.add(n.ID) + ", " + a.add(string(n.Kind)) + ", " + a.add(workflowID) + ")"
			}
			if _, err := q.ExecContext(ctx,
				`INSERT INTO definition_nodes (tenant_id, id, kind, workflow_id) VALUES `+strings.Join(rows, ", "),
				a...); err != nil {
				return wrapErr(err, "replace nodes of workflow %s", workflowID)
			}
		}
		return nil
	})
}

// NodeGet returns the node or ErrNotFound.
func (e *executor) NodeGet(ctx context.Context, tenantID, id string) (*flowtype.Node, error) {
	var n flowtype.Node
	var kind string
	err := e.read.QueryRowContext(ctx,
		`SELECT id, kind, workflow_id FROM definition_nodes WHERE tenant_id = $1 AND id = $2`,
		tenantID, id).Scan(&n.ID, &kind, &n.WorkflowID)
	if err != nil {
		return nil, readErr(err, "node", id)
	}
	n.Kind = flowtype.NodeKind(kind)
	return &n, nil
}
