-- API keys of the HTTP API, SQLite. Keep it in step with
-- ../postgres/00003_api_keys.sql. A key is stored as the hex SHA-256 digest
-- of its secret; the secret itself is shown once and never kept.

-- +goose Up
CREATE TABLE api_keys (
    tenant_id    TEXT             NOT NULL,
    id           TEXT             NOT NULL,
    user_id      TEXT             NOT NULL,
    name         TEXT             NOT NULL DEFAULT '',
    prefix       TEXT             NOT NULL DEFAULT '',
    key_hash     TEXT             NOT NULL,
    is_admin     BOOLEAN          NOT NULL DEFAULT FALSE,
    act_as       BOOLEAN          NOT NULL DEFAULT FALSE,
    created_by   TEXT             NOT NULL DEFAULT '',
    created_at   BIGINT           NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX api_keys_hash_idx ON api_keys (key_hash);

-- OIDC tokens are mapped to users by e-mail.
CREATE INDEX users_email_idx ON users (tenant_id, lower(email));

-- +goose Down
DROP INDEX users_email_idx;
DROP TABLE api_keys;
