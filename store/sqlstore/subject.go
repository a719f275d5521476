package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const subjectColumns = `tenant_id, type, id, data, status, created_by, created_at, updated_at`

func scanSubject(r rowScanner) (*flowtype.Subject, error) {
	var s flowtype.Subject
	var data, status []byte
	var created, updated int64
	if err := r.Scan(&s.TenantID, &s.Type, &s.ID, &data, &status, &s.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(status, &s.Status); err != nil {
		return nil, err
	}
	s.Data = rawJSON(data)
	s.CreatedAt, s.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &s, nil
}

// SubjectGet returns the subject or ErrNotFound.
func (e *executor) SubjectGet(ctx context.Context, tenantID, typ, id string) (*flowtype.Subject, error) {
	s, err := scanSubject(e.read.QueryRowContext(ctx,
		`SELECT `+subjectColumns+` FROM subjects WHERE tenant_id = $1 AND type = $2 AND id = $3`,
		tenantID, typ, id))
	if err != nil {
		return nil, readErr(err, "subject", typ+"/"+id)
	}
	return s, nil
}

// SubjectUpsert creates the subject or updates it. Data replaces the stored
// document when not nil (a new subject without Data gets {}); Status
// replaces the status map when not nil; CreatedBy is written when not
// empty. An unknown tenant is ErrNotFound.
func (e *executor) SubjectUpsert(ctx context.Context, p *store.SubjectUpsertParams) (*flowtype.Subject, error) {
	status := p.Status
	if status == nil {
		status = map[string]string{}
	}
	statusJSON, err := marshal(status)
	if err != nil {
		return nil, wrapErr(err, "upsert subject %s/%s", p.Type, p.ID)
	}
	set := `updated_at = excluded.updated_at`
	if p.Data != nil {
		set += `, data = excluded.data`
	}
	if p.Status != nil {
		set += `, status = excluded.status`
	}
	if p.CreatedBy != "" {
		set += `, created_by = excluded.created_by`
	}
	s, err := scanSubject(e.write.QueryRowContext(ctx, `
		INSERT INTO subjects (`+subjectColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		ON CONFLICT (tenant_id, type, id) DO UPDATE SET `+set+`
		RETURNING `+subjectColumns,
		p.TenantID, p.Type, p.ID, jsonOr(p.Data, "{}"), statusJSON, p.CreatedBy, micros(e.stamp())))
	if err != nil {
		return nil, wrapErr(err, "upsert subject %s/%s", p.Type, p.ID)
	}
	return s, nil
}

// SubjectSetStatus sets one field of the subject's status map, keeping the
// others. A missing subject is ErrNotFound.
func (e *executor) SubjectSetStatus(ctx context.Context, tenantID, typ, id, field, value string) error {
	return e.inTx(ctx, func(q dbtx) error {
		// Read, change, write back: the JSON functions differ between the
		// engines, and the row lock (PostgreSQL) or the single writer
		// (SQLite) keeps a concurrent change of another field.
		var raw []byte
		err := q.QueryRowContext(ctx,
			`SELECT status FROM subjects WHERE tenant_id = $1 AND type = $2 AND id = $3`+e.dialect.forUpdate,
			tenantID, typ, id).Scan(&raw)
		if err != nil {
			return readErr(err, "subject", typ+"/"+id)
		}
		status := map[string]string{}
		if err := json.Unmarshal(raw, &status); err != nil {
			return wrapErr(err, "set status of subject %s/%s", typ, id)
		}
		status[field] = value
		b, err := marshal(status)
		if err != nil {
			return wrapErr(err, "set status of subject %s/%s", typ, id)
		}
		_, err = q.ExecContext(ctx,
			`UPDATE subjects SET status = $4, updated_at = $5 WHERE tenant_id = $1 AND type = $2 AND id = $3`,
			tenantID, typ, id, b, micros(e.stamp()))
		if err != nil {
			return wrapErr(err, "set status of subject %s/%s", typ, id)
		}
		return nil
	})
}
