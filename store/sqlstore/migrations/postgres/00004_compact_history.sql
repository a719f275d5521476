-- Compact history, PostgreSQL. Keep it in step with
-- ../sqlite/00004_compact_history.sql.
--
-- run_key is no longer stored. A run is identified, stably across attempts
-- and processes, by (instance_id, event_seq, ordinal), and the store
-- derives the run key "instanceID:eventSeq:ordinal" from them when it reads
-- a run. Those columns are UNIQUE: they de-duplicate runs now. (Succeeded
-- runs also drop their state snapshot: the store writes NULL there when it
-- records a success.) SQLite also rebuilds events and action_runs as
-- WITHOUT ROWID tables; PostgreSQL has no clustered tables, so here only
-- the column and the indexes change.

-- +goose Up
DROP INDEX action_runs_run_key_idx;
ALTER TABLE action_runs DROP COLUMN run_key;
-- Serves listing by instance and the claim's ordering check (a run waits
-- for the runs before it in its event's list), and de-duplicates runs.
DROP INDEX action_runs_event_idx;
CREATE UNIQUE INDEX action_runs_event_idx ON action_runs (tenant_id, instance_id, event_seq, ordinal);
UPDATE action_runs SET state = NULL WHERE status = 'succeeded' AND state IS NOT NULL;

-- +goose Down
DROP INDEX action_runs_event_idx;
CREATE INDEX action_runs_event_idx ON action_runs (tenant_id, instance_id, event_seq, ordinal);
-- The stored key takes the derived one's value: a handler deduplicating
-- by it sees the same key before and after the rollback.
ALTER TABLE action_runs ADD COLUMN run_key TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE action_runs SET run_key = instance_id || ':' || event_seq || ':' || ordinal;
ALTER TABLE action_runs ALTER COLUMN run_key DROP DEFAULT;
CREATE UNIQUE INDEX action_runs_run_key_idx ON action_runs (tenant_id, run_key);
