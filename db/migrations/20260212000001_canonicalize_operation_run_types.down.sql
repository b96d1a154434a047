-- Back to the dotted types. The three backup types were merged into backup_schedule_run on the
-- way up; the trigger kept in the run's context tells them apart again, and a run without one
-- becomes backup_schedule.scheduled.
UPDATE operation_runs
SET type = CASE
        WHEN type = 'inventory_sync'          THEN 'inventory.sync'
        WHEN type = 'entra_group_sync'        THEN 'directory_groups.sync'
        WHEN type = 'drift_generate_findings' THEN 'drift.generate'
        WHEN context->>'trigger' = 'run_now'  THEN 'backup_schedule.run_now'
        WHEN context->>'trigger' = 'retry'    THEN 'backup_schedule.retry'
        ELSE 'backup_schedule.scheduled'
    END
WHERE type IN ('inventory_sync', 'entra_group_sync', 'drift_generate_findings', 'backup_schedule_run');
