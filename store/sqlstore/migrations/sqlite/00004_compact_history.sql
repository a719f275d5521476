-- Compact history, SQLite. Keep it in step with
-- ../postgres/00004_compact_history.sql.
--
-- A completed instance's history is mostly its action runs, so they and
-- the events carry as little as they can:
--   * run_key is no longer stored. A run is identified, stably across
--     attempts and processes, by (instance_id, event_seq, ordinal), and the
--     store derives the run key "instanceID:eventSeq:ordinal" from them when
--     it reads a run. Those columns are UNIQUE: they de-duplicate runs now.
--   * events and action_runs are WITHOUT ROWID tables: the primary key is
--     the table, not a second B-tree beside it. action_runs is clustered on
--     (tenant_id, instance_id, event_seq, ordinal), so the runs of an
--     instance sit together (listing, the claim's ordering check and
--     cleanup read one range), and (tenant_id, id) is a unique index for
--     lookups by id.
-- (Succeeded runs also drop their state snapshot: the store writes NULL
-- there when it records a success; no schema change.)
--
-- The rebuild runs inside goose's transaction with foreign keys on. A
-- DROP TABLE then deletes the table's rows first, cascading into tables
-- that reference it, so the old tables are dropped children first, each
-- once nothing references it, and the new action_runs references
-- events_new, which the rename to events rewrites (SQLite >= 3.26 renames
-- references in other tables).

-- +goose Up
CREATE TABLE events_new (
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
) WITHOUT ROWID;
INSERT INTO events_new (tenant_id, instance_id, seq, type, actor, at, pipeline_id, stage_id, data)
    SELECT tenant_id, instance_id, seq, type, actor, at, pipeline_id, stage_id, data FROM events;

CREATE TABLE action_runs_new (
    tenant_id    TEXT             NOT NULL,
    id           TEXT             NOT NULL,
    instance_id  TEXT             NOT NULL,
    event_seq    INTEGER          NOT NULL,
    event_type   TEXT             NOT NULL,
    ordinal      INTEGER          NOT NULL DEFAULT 0,
    action_id    TEXT             NOT NULL DEFAULT '',
    handler      TEXT             NOT NULL,
    parameters   TEXT,
    -- state is the instance as the event's command committed it (status,
    -- position, current approvers): what recipients are resolved against,
    -- however late the run executes. NULL once the run succeeded (only an
    -- execution reads it, and a succeeded run is never executed again).
    state        TEXT,
    tier         TEXT             NOT NULL,
    level        TEXT             NOT NULL DEFAULT '',
    status       TEXT             NOT NULL,
    attempts     INTEGER          NOT NULL DEFAULT 0,
    max_attempts INTEGER          NOT NULL,
    next_run_at  BIGINT           NOT NULL,
    lease_owner  TEXT             NOT NULL DEFAULT '',
    lease_until  BIGINT,
    last_error   TEXT             NOT NULL DEFAULT '',
    duration_ms  BIGINT           NOT NULL DEFAULT 0,
    result       TEXT,
    created_at   BIGINT           NOT NULL,
    updated_at   BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, instance_id, event_seq, ordinal),
    FOREIGN KEY (tenant_id, instance_id, event_seq)
        REFERENCES events_new (tenant_id, instance_id, seq) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO action_runs_new (tenant_id, id, instance_id, event_seq, event_type, ordinal, action_id, handler,
        parameters, state, tier, level, status, attempts, max_attempts, next_run_at, lease_owner, lease_until,
        last_error, duration_ms, result, created_at, updated_at)
    SELECT tenant_id, id, instance_id, event_seq, event_type, ordinal, action_id, handler,
        parameters, CASE WHEN status = 'succeeded' THEN NULL ELSE state END, tier, level, status, attempts,
        max_attempts, next_run_at, lease_owner, lease_until, last_error, duration_ms, result, created_at, updated_at
    FROM action_runs;

DROP TABLE action_runs;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
ALTER TABLE action_runs_new RENAME TO action_runs;

-- Lookups by id (get, finish, retry, listing in id order).
CREATE UNIQUE INDEX action_runs_id_idx ON action_runs (tenant_id, id);
-- Due runs only: the claim query repeats this predicate verbatim.
CREATE INDEX action_runs_due_idx ON action_runs (next_run_at)
    WHERE status IN ('pending', 'failed', 'running');

-- +goose Down
CREATE TABLE events_old (
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
INSERT INTO events_old (tenant_id, instance_id, seq, type, actor, at, pipeline_id, stage_id, data)
    SELECT tenant_id, instance_id, seq, type, actor, at, pipeline_id, stage_id, data FROM events;

CREATE TABLE action_runs_old (
    tenant_id    TEXT             NOT NULL,
    id           TEXT             NOT NULL,
    instance_id  TEXT             NOT NULL,
    event_seq    INTEGER          NOT NULL,
    event_type   TEXT             NOT NULL,
    ordinal      INTEGER          NOT NULL DEFAULT 0,
    action_id    TEXT             NOT NULL DEFAULT '',
    handler      TEXT             NOT NULL,
    parameters   TEXT,
    -- state is the instance as the event's command committed it (status,
    -- position, current approvers): what recipients are resolved against,
    -- however late the run executes.
    state        TEXT,
    tier         TEXT             NOT NULL,
    level        TEXT             NOT NULL DEFAULT '',
    status       TEXT             NOT NULL,
    attempts     INTEGER          NOT NULL DEFAULT 0,
    max_attempts INTEGER          NOT NULL,
    next_run_at  BIGINT           NOT NULL,
    lease_owner  TEXT             NOT NULL DEFAULT '',
    lease_until  BIGINT,
    last_error   TEXT             NOT NULL DEFAULT '',
    duration_ms  BIGINT           NOT NULL DEFAULT 0,
    result       TEXT,
    run_key      TEXT             NOT NULL,
    created_at   BIGINT           NOT NULL,
    updated_at   BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, instance_id, event_seq)
        REFERENCES events_old (tenant_id, instance_id, seq) ON DELETE CASCADE
);
-- The stored key takes the derived one's value: a handler deduplicating
-- by it sees the same key before and after the rollback.
INSERT INTO action_runs_old (tenant_id, id, instance_id, event_seq, event_type, ordinal, action_id, handler,
        parameters, state, tier, level, status, attempts, max_attempts, next_run_at, lease_owner, lease_until,
        last_error, duration_ms, result, run_key, created_at, updated_at)
    SELECT tenant_id, id, instance_id, event_seq, event_type, ordinal, action_id, handler,
        parameters, state, tier, level, status, attempts, max_attempts, next_run_at, lease_owner, lease_until,
        last_error, duration_ms, result, instance_id || ':' || event_seq || ':' || ordinal, created_at, updated_at
    FROM action_runs;

DROP TABLE action_runs;
DROP TABLE events;
ALTER TABLE events_old RENAME TO events;
ALTER TABLE action_runs_old RENAME TO action_runs;

CREATE UNIQUE INDEX action_runs_run_key_idx ON action_runs (tenant_id, run_key);
-- Serves listing by instance and the claim's ordering check (a run waits
-- for the runs before it in its event's list).
CREATE INDEX action_runs_event_idx ON action_runs (tenant_id, instance_id, event_seq, ordinal);
-- Due runs only: the claim query repeats this predicate verbatim.
CREATE INDEX action_runs_due_idx ON action_runs (next_run_at)
    WHERE status IN ('pending', 'failed', 'running');
