package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/flowgate/flowgate/flowtype"
	"github.com/flowgate/flowgate/store"
)

const roleColumns = `tenant_id, id, name, created_at`

func scanRole(r rowScanner) (*flowtype.Role, error) {
	var role flowtype.Role
	var created int64
	if err := r.Scan(&role.TenantID, &role.ID, &role.Name, &created); err != nil {
		return nil, err
	}
	role.CreatedAt = fromMicros(created)
	return &role, nil
}

// RoleUpsert creates the role or renames it. An unknown tenant is
// ErrNotFound.
func (e *executor) RoleUpsert(ctx context.Context, p *store.RoleUpsertParams) (*flowtype.Role, error) {
	role, err := scanRole(e.write.QueryRowContext(ctx, `
		INSERT INTO roles (`+roleColumns+`) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name
		RETURNING `+roleColumns,
		p.TenantID, p.ID, p.Name, micros(e.stamp())))
	if err != nil {
		return nil, wrapErr(err, "upsert role %s", p.ID)
	}
	return role, nil
}

// RoleGet returns the role or ErrNotFound.
func (e *executor) RoleGet(ctx context.Context, tenantID, id string) (*flowtype.Role, error) {
	role, err := scanRole(e.read.QueryRowContext(ctx,
		`SELECT `+roleColumns+` FROM roles WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return nil, readErr(err, "role", id)
	}
	return role, nil
}

// RoleList returns every role of the tenant ordered by id.
func (e *executor) RoleList(ctx context.Context, tenantID string) ([]*flowtype.Role, error) {
	rows, err := e.read.QueryContext(ctx,
		`SELECT `+roleColumns+` FROM roles WHERE tenant_id = $1 ORDER BY id`, tenantID)
	list, err := collect(rows, err, scanRole)
	if err != nil {
		return nil, wrapErr(err, "list roles")
	}
	return list, nil
}

// RoleMemberAdd makes the user a member of the role; adding a member twice
// is not an error. An unknown role or user is ErrNotFound.
func (e *executor) RoleMemberAdd(ctx context.Context, tenantID, roleID, userID string) error {
	_, err := e.write.ExecContext(ctx, `
		INSERT INTO role_members (tenant_id, role_id, user_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, role_id, user_id) DO NOTHING`,
		tenantID, roleID, userID, micros(e.stamp()))
	if err != nil {
		return wrapErr(err, "add user %s to role %s", userID, roleID)
	}
	return nil
}

// RoleMemberRemove removes the user from the role; ErrNotFound when the
// user was not a member.
func (e *executor) RoleMemberRemove(ctx context.Context, tenantID, roleID, userID string) error {
	res, err := e.write.ExecContext(ctx,
		`DELETE FROM role_members WHERE tenant_id = $1 AND role_id = $2 AND user_id = $3`,
		tenantID, roleID, userID)
	if err != nil {
		return wrapErr(err, "remove user %s from role %s", userID, roleID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrapErr(err, "remove user %s from role %s", userID, roleID)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: %w", flowtype.Refuse(flowtype.CodeNotFound,
			fmt.Sprintf("user '%s' is not a member of role '%s'", userID, roleID)))
	}
	return nil
}

// RoleMemberList returns the role's members with whether each user is
// active, ordered by user id byte-wise (the round robin order). An unknown
// role has no members.
func (e *executor) RoleMemberList(ctx context.Context, tenantID, roleID string) ([]flowtype.RoleMember, error) {
	rows, err := e.read.QueryContext(ctx, `
		SELECT m.user_id, u.is_active
		FROM role_members m
		JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.role_id = $2
		ORDER BY m.user_id`, tenantID, roleID)
	list, err := collect(rows, err, func(r rowScanner) (flowtype.RoleMember, error) {
		var m flowtype.RoleMember
		err := r.Scan(&m.UserID, &m.IsActive)
		return m, err
	})
	if err != nil {
		return nil, wrapErr(err, "list members of role %s", roleID)
	}
	return list, nil
}

// RoleListByUser returns the ids of the user's roles, ordered.
func (e *executor) RoleListByUser(ctx context.Context, tenantID, userID string) ([]string, error) {
	rows, err := e.read.QueryContext(ctx,
		`SELECT role_id FROM role_members WHERE tenant_id = $1 AND user_id = $2 ORDER BY role_id`,
		tenantID, userID)
	list, err := collect(rows, err, func(r rowScanner) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
	if err != nil {
		return nil, wrapErr(err, "list roles of user %s", userID)
	}
	return list, nil
}

// RotationGet returns the user the role's round robin chose last, "" when
// it never chose.
func (e *executor) RotationGet(ctx context.Context, tenantID, roleID string) (string, error) {
	var last string
	err := e.read.QueryRowContext(ctx,
		`SELECT last_user_id FROM role_rotations WHERE tenant_id = $1 AND role_id = $2`,
		tenantID, roleID).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", wrapErr(err, "get rotation of role %s", roleID)
	}
	return last, nil
}

// RotationLock returns the user the role's round robin chose last ("" when
// it never chose) and locks the rotation until the transaction ends: the
// row is created when missing (PostgreSQL can only lock a row that
// exists), then read FOR UPDATE on PostgreSQL. An unknown role is
// ErrNotFound.
func (e *executor) RotationLock(ctx context.Context, tenantID, roleID string) (string, error) {
	var last string
	err := e.inTx(ctx, func(q dbtx) error {
		if _, err := q.ExecContext(ctx, `
			INSERT INTO role_rotations (tenant_id, role_id, last_user_id, updated_at) VALUES ($1, $2, '', $3)
			ON CONFLICT (tenant_id, role_id) DO NOTHING`,
			tenantID, roleID, micros(e.stamp())); err != nil {
			return err
		}
		return q.QueryRowContext(ctx,
			`SELECT last_user_id FROM role_rotations WHERE tenant_id = $1 AND role_id = $2`+e.dialect.forUpdate,
			tenantID, roleID).Scan(&last)
	})
	if err != nil {
		return "", wrapErr(err, "lock rotation of role %s", roleID)
	}
	return last, nil
}

// RotationSet records the user the role's round robin chose. An unknown
// role is ErrNotFound.
func (e *executor) RotationSet(ctx context.Context, tenantID, roleID, lastUserID string) error {
	_, err := e.write.ExecContext(ctx, `
		INSERT INTO role_rotations (tenant_id, role_id, last_user_id, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, role_id) DO UPDATE SET
			last_user_id = excluded.last_user_id, updated_at = excluded.updated_at`,
		tenantID, roleID, lastUserID, micros(e.stamp()))
	if err != nil {
		return wrapErr(err, "set rotation of role %s", roleID)
	}
	return nil
}
