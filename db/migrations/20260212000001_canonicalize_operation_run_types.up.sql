-- Spec 087 (FR-012): rewrite the dotted run types of the affected workflows to their canonical
-- underscore identifiers. Exactly these rewrites and nothing else; every other type stays as stored.
--
-- A rewritten row gets a new version in every index, so on a large table the secondary indexes
-- are dropped for the update and rebuilt once afterwards, with their names and definitions.
SET LOCAL maintenance_work_mem = '512MB';
DROP INDEX operation_runs_workspace_type_created_idx, operation_runs_workspace_created_idx,
           operation_runs_tenant_type_created_idx, operation_runs_tenant_created_idx;

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

CREATE INDEX operation_runs_workspace_type_created_idx ON operation_runs (workspace_id, type, created_at);
CREATE INDEX operation_runs_workspace_created_idx ON operation_runs (workspace_id, created_at);
CREATE INDEX operation_runs_tenant_type_created_idx ON operation_runs (tenant_id, type, created_at);
CREATE INDEX operation_runs_tenant_created_idx ON operation_runs (tenant_id, created_at);
