-- Backup schedules end to end: backup sets belong to the schedule and the run that made them,
-- retire under the schedule's retention and are purged for good after a grace period; a
-- schedule's history is the operation runs whose context names it.

ALTER TABLE backup_sets
    ADD COLUMN backup_schedule_id bigint      REFERENCES backup_schedules (id) ON DELETE SET NULL,
    ADD COLUMN operation_run_id   bigint      REFERENCES operation_runs (id) ON DELETE SET NULL,
    ADD COLUMN retired_at         timestamptz;

-- Keyset pages of a tenant's sets, newest first; a schedule's sets for retention and the list
-- filter; retired sets for purge; the run that made a set (and ON DELETE SET NULL when runs are
-- pruned).
CREATE INDEX backup_sets_tenant_id_idx ON backup_sets (tenant_id, id DESC);
CREATE INDEX backup_sets_schedule_idx ON backup_sets (backup_schedule_id, created_at DESC, id DESC)
    WHERE backup_schedule_id IS NOT NULL;
CREATE INDEX backup_sets_retired_idx ON backup_sets (retired_at) WHERE retired_at IS NOT NULL;
CREATE INDEX backup_sets_operation_run_idx ON backup_sets (operation_run_id) WHERE operation_run_id IS NOT NULL;

-- The history of a backup schedule: GET /operation-runs?backup_schedule_id=N, the retry and
-- force-delete checks.
CREATE INDEX operation_runs_backup_schedule_idx
    ON operation_runs ((context->>'backup_schedule_id'))
    WHERE context ? 'backup_schedule_id';

-- At most one scheduled backup run per (schedule, slot), for good: the active-identity index frees
-- an identity when its run finishes, this one does not. The dispatcher's claim on the schedule row
-- is the first guard; this is the last.
CREATE UNIQUE INDEX operation_runs_backup_slot_key
    ON operation_runs ((context->>'backup_schedule_id'), (context->>'scheduled_for'))
    WHERE type = 'backup_schedule_run' AND context->>'trigger' = 'scheduled';
