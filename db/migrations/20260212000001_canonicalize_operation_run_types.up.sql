-- Spec 087 (FR-012): rewrite the dotted run types of the affected workflows to their canonical
-- underscore identifiers. Exactly these rewrites and nothing else; every other type stays as stored.
UPDATE operation_runs
SET type = CASE type
        WHEN 'inventory.sync'            THEN 'inventory_sync'
        WHEN 'directory_groups.sync'     THEN 'entra_group_sync'
        WHEN 'drift.generate'            THEN 'drift_generate_findings'
        WHEN 'backup_schedule.run_now'   THEN 'backup_schedule_run'
        WHEN 'backup_schedule.retry'     THEN 'backup_schedule_run'
        WHEN 'backup_schedule.scheduled' THEN 'backup_schedule_run'
    END
WHERE type IN ('inventory.sync', 'directory_groups.sync', 'drift.generate',
               'backup_schedule.run_now', 'backup_schedule.retry', 'backup_schedule.scheduled');
