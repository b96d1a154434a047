-- The same "key|value" rows as expect_before.sql, read from the migrated (canonical) schema.
SELECT 'operation_runs rows', count(*)::text FROM operation_runs
UNION ALL SELECT 'operation_runs id sum', sum(id)::text FROM operation_runs
UNION ALL SELECT 'operation_runs types', string_agg(typ || '=' || n, ' ' ORDER BY typ) FROM (
    SELECT type AS typ, count(*) AS n FROM operation_runs GROUP BY 1) t
UNION ALL SELECT 'findings rows', count(*)::text FROM findings
UNION ALL SELECT 'inventory_items rows', count(*)::text FROM inventory_items
UNION ALL SELECT 'entra_groups rows', count(*)::text FROM entra_groups
UNION ALL SELECT 'backup_schedules rows', count(*)::text FROM backup_schedules
UNION ALL SELECT 'findings.baseline_operation_run_id', count(baseline_operation_run_id) || ' non-NULL, checksum ' || coalesce(sum(id::numeric * baseline_operation_run_id), 0)
          FROM findings
UNION ALL SELECT 'findings.current_operation_run_id', count(current_operation_run_id) || ' non-NULL, checksum ' || coalesce(sum(id::numeric * current_operation_run_id), 0)
          FROM findings
UNION ALL SELECT 'inventory_items.last_seen_operation_run_id', count(last_seen_operation_run_id) || ' non-NULL, checksum ' || coalesce(sum(id::numeric * last_seen_operation_run_id), 0)
          FROM inventory_items
UNION ALL SELECT 'entra_groups.last_seen_operation_run_id', count(last_seen_operation_run_id) || ' non-NULL, checksum ' || coalesce(sum(id::numeric * last_seen_operation_run_id), 0)
          FROM entra_groups;
