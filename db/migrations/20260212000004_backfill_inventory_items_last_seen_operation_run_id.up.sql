-- inventory_items.last_seen_run_id -> last_seen_operation_run_id through the bridge
-- inventory_sync_runs.operation_run_id, and entra_groups the same way through
-- entra_group_sync_runs (its foreign key would otherwise block dropping the legacy table).
-- Null-safe: no bridge, or a bridge to a run that is gone, leaves NULL.
--
-- Sized for millions of rows, the same way as 20260212000003: only bridged rows are joined and
-- updated, secondary indexes are dropped and rebuilt once (same names and definitions), rows are
-- updated in physical (ctid) order in one-batch hash joins, and the foreign keys come last.
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB';
SET LOCAL jit = off;

ALTER TABLE inventory_items ADD COLUMN last_seen_operation_run_id bigint;
ALTER TABLE entra_groups ADD COLUMN last_seen_operation_run_id bigint;

ALTER TABLE inventory_items DROP CONSTRAINT inventory_items_tenant_type_external_key;
DROP INDEX inventory_items_last_seen_run_idx;

WITH refs AS MATERIALIZED (
    SELECT i.ctid AS row_tid, r.operation_run_id
    FROM inventory_items i
    JOIN inventory_sync_runs r ON r.id = i.last_seen_run_id
    JOIN operation_runs o ON o.id = r.operation_run_id
    ORDER BY i.ctid
)
UPDATE inventory_items i
SET last_seen_operation_run_id = refs.operation_run_id
FROM refs
WHERE i.ctid = refs.row_tid;

ALTER TABLE inventory_items
    ADD CONSTRAINT inventory_items_tenant_type_external_key UNIQUE (tenant_id, policy_type, external_id);
CREATE INDEX inventory_items_last_seen_run_idx ON inventory_items (last_seen_run_id);

ALTER TABLE entra_groups DROP CONSTRAINT entra_groups_tenant_group_key;
DROP INDEX entra_groups_last_seen_run_idx;

WITH refs AS MATERIALIZED (
    SELECT g.ctid AS row_tid, r.operation_run_id
    FROM entra_groups g
    JOIN entra_group_sync_runs r ON r.id = g.last_seen_run_id
    JOIN operation_runs o ON o.id = r.operation_run_id
    ORDER BY g.ctid
)
UPDATE entra_groups g
SET last_seen_operation_run_id = refs.operation_run_id
FROM refs
WHERE g.ctid = refs.row_tid;

ALTER TABLE entra_groups ADD CONSTRAINT entra_groups_tenant_group_key UNIQUE (tenant_id, entra_group_id);
CREATE INDEX entra_groups_last_seen_run_idx ON entra_groups (last_seen_run_id);

ALTER TABLE inventory_items
    ADD CONSTRAINT inventory_items_last_seen_operation_run_id_fkey
        FOREIGN KEY (last_seen_operation_run_id) REFERENCES operation_runs (id) ON DELETE SET NULL;
ALTER TABLE entra_groups
    ADD CONSTRAINT entra_groups_last_seen_operation_run_id_fkey
        FOREIGN KEY (last_seen_operation_run_id) REFERENCES operation_runs (id) ON DELETE SET NULL;

CREATE INDEX inventory_items_last_seen_operation_run_idx ON inventory_items (last_seen_operation_run_id);
CREATE INDEX entra_groups_last_seen_operation_run_idx ON entra_groups (last_seen_operation_run_id);
