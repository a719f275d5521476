package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/flowgate/flowgate/flowtype"
)

const subjectTypeColumns = `tenant_id, type, config, updated_at`

// The config column holds the whole flowtype.SubjectType as JSON, so a
// field added to the type is stored without a migration; the tenant, type
// and updated_at columns win over their copies in the document.
func scanSubjectType(r rowScanner) (*flowtype.SubjectType, error) {
	var tenantID, typ string
	var config []byte
	var updated int64
	if err := r.Scan(&tenantID, &typ, &config, &updated); err != nil {
		return nil, err
	}
	var st flowtype.SubjectType
	if err := json.Unmarshal(config, &st); err != nil {
		return nil, err
	}
	st.TenantID, st.Type, st.UpdatedAt = tenantID, typ, fromMicros(updated)
	return &st, nil
}

// SubjectTypeUpsert creates or replaces the subject type's configuration
// and returns it as stored. An unknown tenant is ErrNotFound.
func (e *executor) SubjectTypeUpsert(ctx context.Context, st *flowtype.SubjectType) (*flowtype.SubjectType, error) {
	c := *st
	c.UpdatedAt = e.stamp()
	config, err := marshal(&c)
	if err != nil {
		return nil, wrapErr(err, "upsert subject type %s", st.Type)
	}
	out, err := scanSubjectType(e.write.QueryRowContext(ctx, `
		INSERT INTO subject_types (`+subjectTypeColumns+`) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, type) DO UPDATE SET
			config = excluded.config, updated_at = excluded.updated_at
		RETURNING `+subjectTypeColumns,
		c.TenantID, c.Type, config, micros(c.UpdatedAt)))
	if err != nil {
		return nil, wrapErr(err, "upsert subject type %s", st.Type)
	}
	return out, nil
}

// SubjectTypeGet returns the subject type or ErrNotFound.
func (e *executor) SubjectTypeGet(ctx context.Context, tenantID, typ string) (*flowtype.SubjectType, error) {
	st, err := scanSubjectType(e.read.QueryRowContext(ctx,
		`SELECT `+subjectTypeColumns+` FROM subject_types WHERE tenant_id = $1 AND type = $2`,
		tenantID, typ))
	if err != nil {
		return nil, readErr(err, "subject type", typ)
	}
	return st, nil
}

// SubjectTypeList returns every subject type of the tenant ordered by type.
func (e *executor) SubjectTypeList(ctx context.Context, tenantID string) ([]*flowtype.SubjectType, error) {
	rows, err := e.read.QueryContext(ctx,
		`SELECT `+subjectTypeColumns+` FROM subject_types WHERE tenant_id = $1 ORDER BY type`, tenantID)
	list, err := collect(rows, err, scanSubjectType)
	if err != nil {
		return nil, wrapErr(err, "list subject types")
	}
	return list, nil
}
