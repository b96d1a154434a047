-- What the cut-over must produce, computed on the baseline schema before migrating (one
-- "key|value" row each; scripts/bench-migrate.sh compares them with check_after.sql).
-- A reference is expected to be backfilled exactly when the legacy run has a bridge to an
-- operation run that still exists; the checksum is sum(row id * bridged operation run id).
WITH inv AS (
    SELECT r.id, r.operation_run_id AS op
    FROM inventory_sync_runs r JOIN operation_runs o ON o.id = r.operation_run_id
), grp AS (
    SELECT r.id, r.operation_run_id AS op
    FROM entra_group_sync_runs r JOIN operation_runs o ON o.id = r.operation_run_id
)
SELECT 'operation_runs rows', count(*)::text FROM operation_runs
UNION ALL SELECT 'operation_runs id sum', sum(id)::text FROM operation_runs
UNION ALL SELECT 'operation_runs types', string_agg(typ || '=' || n, ' ' ORDER BY typ) FROM (
    SELECT CASE type
               WHEN 'inventory.sync'            THEN 'inventory_sync'
               WHEN 'directory_groups.sync'     THEN 'entra_group_sync'
               WHEN 'drift.generate'            THEN 'drift_generate_findings'
               WHEN 'backup_schedule.run_now'   THEN 'backup_schedule_run'
               WHEN 'backup_schedule.retry'     THEN 'backup_schedule_run'
               WHEN 'backup_schedule.scheduled' THEN 'backup_schedule_run'
               ELSE type END AS typ, count(*) AS n
    FROM operation_runs GROUP BY 1) t
UNION ALL SELECT 'findings rows', count(*)::text FROM findings
UNION ALL SELECT 'inventory_items rows', count(*)::text FROM inventory_items
UNION ALL SELECT 'entra_groups rows', count(*)::text FROM entra_groups
UNION ALL SELECT 'backup_schedules rows', count(*)::text FROM backup_schedules
UNION ALL SELECT 'findings.baseline_operation_run_id', count(inv.op) || ' non-NULL, checksum ' || coalesce(sum(f.id::numeric * inv.op), 0)
          FROM findings f JOIN inv ON inv.id = f.baseline_run_id
UNION ALL SELECT 'findings.current_operation_run_id', count(inv.op) || ' non-NULL, checksum ' || coalesce(sum(f.id::numeric * inv.op), 0)
          FROM findings f JOIN inv ON inv.id = f.current_run_id
UNION ALL SELECT 'inventory_items.last_seen_operation_run_id', count(inv.op) || ' non-NULL, checksum ' || coalesce(sum(i.id::numeric * inv.op), 0)
          FROM inventory_items i JOIN inv ON inv.id = i.last_seen_run_id
UNION ALL SELECT 'entra_groups.last_seen_operation_run_id', count(grp.op) || ' non-NULL, checksum ' || coalesce(sum(g.id::numeric * grp.op), 0)
          FROM entra_groups g JOIN grp ON grp.id = g.last_seen_run_id;
