-- Action runs: the transactional outbox of actions, and their visible
-- record. Keep it in step with ../sqlite/00002_action_runs.sql.
--
-- A run is written in the transaction of the command whose event resolved
-- it; dispatchers claim due runs with FOR UPDATE SKIP LOCKED (status
-- pending or failed with next_run_at reached, or running with an expired
-- lease: a running run's next_run_at is its lease expiry), run them after
-- commit and record the outcome. The runs of one event run one after the
-- other, in their ordinal order: a run is claimable once every run before
-- it is final (succeeded or dead). run_key is stable across attempts:
-- handlers deduplicate by it.

-- +goose Up
CREATE TABLE action_runs (
    tenant_id    TEXT COLLATE "C" NOT NULL,
    id           TEXT COLLATE "C" NOT NULL,
    instance_id  TEXT COLLATE "C" NOT NULL,
    event_seq    INTEGER          NOT NULL,
    event_type   TEXT             NOT NULL,
    ordinal      INTEGER          NOT NULL DEFAULT 0,
    action_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
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
    run_key      TEXT COLLATE "C" NOT NULL,
    created_at   BIGINT           NOT NULL,
    updated_at   BIGINT           NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, instance_id, event_seq)
        REFERENCES events (tenant_id, instance_id, seq) ON DELETE CASCADE
);
CREATE UNIQUE INDEX action_runs_run_key_idx ON action_runs (tenant_id, run_key);
-- Serves listing by instance and the claim's ordering check (a run waits
-- for the runs before it in its event's list).
CREATE INDEX action_runs_event_idx ON action_runs (tenant_id, instance_id, event_seq, ordinal);
-- Due runs only: the claim query repeats this predicate verbatim.
CREATE INDEX action_runs_due_idx ON action_runs (next_run_at)
    WHERE status IN ('pending', 'failed', 'running');

-- +goose Down
DROP TABLE action_runs;
