package sqlstore

import (
	"context"
	"strings"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

// qualify prefixes every column of a column list with a table alias.
func qualify(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

var inboxColumns = qualify("t", taskColumns) +
	`, i.workflow_id, i.workflow_version, i.status, i.version, i.subject_type, i.subject_id, s.data`

// TaskListOpenByUser returns a page of the user's inbox: the current tasks
// assigned to the user, with their instance and subject, newest first
// (task created_at, then id, descending), optionally filtered by workflow,
// subject type and stage. BeforeID continues after that task (an unknown
// BeforeID gives an empty page). Limit defaults to 50 and is capped at 500.
// The partial index on open tasks serves it: closed tasks are never read.
func (e *executor) TaskListOpenByUser(ctx context.Context, p *store.TaskListOpenByUserParams) ([]*flowtype.InboxItem, error) {
	query, a := inboxQuery(p)
	rows, err := e.read.QueryContext(ctx, query, a...)
	list, err := collect(rows, err, scanInboxItem)
	if err != nil {
		return nil, wrapErr(err, "list inbox of user %s", p.UserID)
	}
	return list, nil
}

// inboxQuery builds TaskListOpenByUser's query (the plan test explains it).
func inboxQuery(p *store.TaskListOpenByUserParams) (string, args) {
	var a args
	tenant := a.add(p.TenantID)
	where := `t.tenant_id = ` + tenant + ` AND t.assignee = ` + a.add(p.UserID) +
		` AND t.` + openTask + ` AND t.status = 'current'`
	if p.WorkflowID != "" {
		where += ` AND i.workflow_id = ` + a.add(p.WorkflowID)
	}
	if p.SubjectType != "" {
		where += ` AND i.subject_type = ` + a.add(p.SubjectType)
	}
	if p.StageID != "" {
		where += ` AND t.stage_id = ` + a.add(p.StageID)
	}
	if p.BeforeID != "" {
		where += ` AND (t.created_at, t.id) < (SELECT b.created_at, b.id FROM tasks b
			WHERE b.tenant_id = ` + tenant + ` AND b.id = ` + a.add(p.BeforeID) + `)`
	}
	return `
		SELECT ` + inboxColumns + `
		FROM tasks t
		JOIN instances i ON i.tenant_id = t.tenant_id AND i.id = t.instance_id
		JOIN subjects s ON s.tenant_id = i.tenant_id AND s.type = i.subject_type AND s.id = i.subject_id
		WHERE ` + where + `
		ORDER BY t.created_at DESC, t.id DESC
		LIMIT ` + a.add(pageLimit(p.Limit)), a
}

func scanInboxItem(r rowScanner) (*flowtype.InboxItem, error) {
	var it flowtype.InboxItem
	var status string
	var data []byte
	t, err := scanTask(r, &it.WorkflowID, &it.WorkflowVersion, &status, &it.InstanceVersion,
		&it.SubjectType, &it.SubjectID, &data)
	if err != nil {
		return nil, err
	}
	it.Task = t
	it.InstanceStatus = flowtype.Status(status)
	it.SubjectData = rawJSON(data)
	return &it, nil
}
