-- Flowgate schema, SQLite. Keep it in step with ../postgres/00001_init.sql:
-- the same tables, columns, keys and index predicates, so that one query
-- set serves both dialects.
--
-- Conventions: ids are TEXT (SQLite's default BINARY collation is already
-- byte-wise, like Go string comparison); times are BIGINT unix microseconds
-- UTC; JSON documents are TEXT (kept byte for byte as given); optional
-- strings are '' rather than NULL. Every table but tenants has tenant_id
-- first in its primary key, and references stay in the tenant.

-- +goose Up
CREATE TABLE tenants (
    id         TEXT             NOT NULL PRIMARY KEY,
    name       TEXT             NOT NULL DEFAULT '',
    created_at BIGINT           NOT NULL
);

CREATE TABLE users (
    tenant_id  TEXT             NOT NULL REFERENCES tenants (id),
    id         TEXT             NOT NULL,
    name       TEXT             NOT NULL DEFAULT '',
    email      TEXT             NOT NULL DEFAULT '',
    locale     TEXT             NOT NULL DEFAULT '',
    is_active  BOOLEAN          NOT NULL DEFAULT TRUE,
    created_at BIGINT           NOT NULL,
    updated_at BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE roles (
    tenant_id  TEXT             NOT NULL REFERENCES tenants (id),
    id         TEXT             NOT NULL,
    name       TEXT             NOT NULL DEFAULT '',
    created_at BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE role_members (
    tenant_id  TEXT             NOT NULL,
    role_id    TEXT             NOT NULL,
    user_id    TEXT             NOT NULL,
    created_at BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, role_id, user_id),
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX role_members_user_idx ON role_members (tenant_id, user_id);

CREATE TABLE role_rotations (
    tenant_id    TEXT             NOT NULL,
    role_id      TEXT             NOT NULL,
    last_user_id TEXT             NOT NULL,
    updated_at   BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, role_id),
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE forms (
    tenant_id  TEXT             NOT NULL REFERENCES tenants (id),
    id         TEXT             NOT NULL,
    name       TEXT             NOT NULL DEFAULT '',
    schema     TEXT             NOT NULL,
    created_at BIGINT           NOT NULL,
    updated_at BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE subject_types (
    tenant_id  TEXT             NOT NULL REFERENCES tenants (id),
    type       TEXT             NOT NULL,
    config     TEXT             NOT NULL,
    updated_at BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, type)
);

CREATE TABLE workflows (
    tenant_id       TEXT             NOT NULL REFERENCES tenants (id),
    id              TEXT             NOT NULL,
    name            TEXT             NOT NULL,
    -- name_search holds every localized name, lower-cased, one a line:
    -- WorkflowList's query matches it with LIKE on both dialects.
    name_search     TEXT             NOT NULL DEFAULT '',
    strategy        INTEGER          NOT NULL,
    is_active       BOOLEAN          NOT NULL,
    current_version INTEGER          NOT NULL,
    created_by      TEXT             NOT NULL DEFAULT '',
    created_at      BIGINT           NOT NULL,
    updated_at      BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE workflow_versions (
    tenant_id    TEXT             NOT NULL,
    workflow_id  TEXT             NOT NULL,
    version      INTEGER          NOT NULL,
    derived_from INTEGER          NOT NULL DEFAULT 0,
    definition   TEXT             NOT NULL,
    created_by   TEXT             NOT NULL DEFAULT '',
    created_at   BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, workflow_id, version),
    FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE definition_nodes (
    tenant_id   TEXT             NOT NULL,
    id          TEXT             NOT NULL,
    kind        TEXT             NOT NULL,
    workflow_id TEXT             NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX definition_nodes_workflow_idx ON definition_nodes (tenant_id, workflow_id);

CREATE TABLE subjects (
    tenant_id  TEXT             NOT NULL REFERENCES tenants (id),
    type       TEXT             NOT NULL,
    id         TEXT             NOT NULL,
    data       TEXT             NOT NULL,
    status     TEXT             NOT NULL,
    created_by TEXT             NOT NULL DEFAULT '',
    created_at BIGINT           NOT NULL,
    updated_at BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, type, id)
);

CREATE TABLE instances (
    tenant_id             TEXT             NOT NULL,
    id                    TEXT             NOT NULL,
    subject_type          TEXT             NOT NULL,
    subject_id            TEXT             NOT NULL,
    workflow_id           TEXT             NOT NULL,
    workflow_version      INTEGER          NOT NULL,
    status                TEXT             NOT NULL,
    current_pipeline_id   TEXT             NOT NULL DEFAULT '',
    current_stage_id      TEXT             NOT NULL DEFAULT '',
    started_by            TEXT             NOT NULL DEFAULT '',
    started_at            BIGINT,
    completed_at          BIGINT,
    metadata              TEXT,
    version               INTEGER          NOT NULL,
    last_decision_version INTEGER          NOT NULL DEFAULT 0,
    next_seq              INTEGER          NOT NULL DEFAULT 0,
    created_at            BIGINT           NOT NULL,
    updated_at            BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, subject_type, subject_id) REFERENCES subjects (tenant_id, type, id),
    -- A pinned version cannot be deleted while an instance runs on it.
    FOREIGN KEY (tenant_id, workflow_id, workflow_version)
        REFERENCES workflow_versions (tenant_id, workflow_id, version)
);
-- At most one active instance per subject: the index decides between two
-- concurrent attaches (the loser gets already_attached).
CREATE UNIQUE INDEX instances_active_subject_idx ON instances (tenant_id, subject_type, subject_id)
    WHERE status IN ('not_started', 'in_progress', 'awaiting_resubmission');
CREATE INDEX instances_subject_idx ON instances (tenant_id, subject_type, subject_id, created_at);
CREATE INDEX instances_workflow_version_idx ON instances (tenant_id, workflow_id, workflow_version);
CREATE INDEX instances_status_completed_idx ON instances (tenant_id, status, completed_at);

CREATE TABLE tasks (
    tenant_id        TEXT             NOT NULL,
    id               TEXT             NOT NULL,
    instance_id      TEXT             NOT NULL,
    pipeline_id      TEXT             NOT NULL DEFAULT '',
    stage_id         TEXT             NOT NULL DEFAULT '',
    round            INTEGER          NOT NULL DEFAULT 0,
    step             INTEGER          NOT NULL DEFAULT 0,
    assignee         TEXT             NOT NULL DEFAULT '',
    role_id          TEXT             NOT NULL DEFAULT '',
    via_role         BOOLEAN          NOT NULL DEFAULT FALSE,
    status           TEXT             NOT NULL,
    acted_by         TEXT             NOT NULL DEFAULT '',
    acted_at         BIGINT,
    form_data        TEXT,
    reason           TEXT             NOT NULL DEFAULT '',
    delegated_from   TEXT             NOT NULL DEFAULT '',
    delegated_to     TEXT             NOT NULL DEFAULT '',
    delegation_chain TEXT,
    checked_in_by    TEXT             NOT NULL DEFAULT '',
    checked_in_at    BIGINT,
    closed_version   INTEGER          NOT NULL DEFAULT 0,
    created_at       BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, instance_id) REFERENCES instances (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX tasks_instance_idx ON tasks (tenant_id, instance_id);
-- Open tasks only: the inbox and the directory changes never read closed
-- ones. Queries repeat this predicate verbatim (SQLite uses a partial index
-- only when the query's WHERE contains the index's).
CREATE INDEX tasks_open_assignee_idx ON tasks (tenant_id, assignee, created_at, id)
    WHERE status IN ('pending', 'current');
CREATE INDEX tasks_open_role_idx ON tasks (tenant_id, role_id)
    WHERE status IN ('pending', 'current');

CREATE TABLE events (
    tenant_id   TEXT             NOT NULL,
    instance_id TEXT             NOT NULL,
    seq         INTEGER          NOT NULL,
    type        TEXT             NOT NULL,
    actor       TEXT             NOT NULL DEFAULT '',
    at          BIGINT           NOT NULL,
    pipeline_id TEXT             NOT NULL DEFAULT '',
    stage_id    TEXT             NOT NULL DEFAULT '',
    data        TEXT,
    PRIMARY KEY (tenant_id, instance_id, seq),
    FOREIGN KEY (tenant_id, instance_id) REFERENCES instances (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE idempotency_keys (
    tenant_id       TEXT             NOT NULL REFERENCES tenants (id),
    user_id         TEXT             NOT NULL,
    idempotency_key TEXT             NOT NULL,
    request_hash    TEXT             NOT NULL,
    instance_id     TEXT             NOT NULL DEFAULT '',
    response        BLOB             NOT NULL,
    created_at      BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (tenant_id, created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE events;
DROP TABLE tasks;
DROP TABLE instances;
DROP TABLE subjects;
DROP TABLE definition_nodes;
DROP TABLE workflow_versions;
DROP TABLE workflows;
DROP TABLE subject_types;
DROP TABLE forms;
DROP TABLE role_rotations;
DROP TABLE role_members;
DROP TABLE roles;
DROP TABLE users;
DROP TABLE tenants;
