-- inventory_items.last_seen_run_id -> last_seen_operation_run_id through the bridge
-- inventory_sync_runs.operation_run_id, and entra_groups the same way through
-- entra_group_sync_runs (its foreign key would otherwise block dropping the legacy table).
-- Null-safe: no bridge, or a bridge to a run that is gone, leaves NULL.
--
-- Sized for millions of rows (scripts/bench-migrate.sh):
-- * inventory_items, the biggest table, is rewritten rather than updated: every row gets the new
--   column, and an UPDATE would write each row twice (a new version, plus a full-page image of
--   the old version's page in the WAL), leave a dead version of every row behind (the table
--   doubles) and pay an index insertion per row. So the table is locked, its rows are copied once with the new
--   value into a temporary table, and it is truncated and loaded back, with the unique constraint
--   and the foreign keys dropped during the load and restored (same names and definitions, all
--   validated) afterwards; only the primary key is maintained row by row. Nothing may reference
--   inventory_items at this version (TRUNCATE would refuse). The copy takes every column there
--   is (i.*), so nothing is lost even if the table has grown columns of its own;
-- * entra_groups is updated the way 20260212000003 updates findings: one update of the bridged
--   rows in physical order, secondary indexes dropped and rebuilt once;
-- * the indexes on the legacy last_seen_run_id columns are dropped and not rebuilt, as
--   20260212000005 drops the columns; the down puts them back;
-- * the new foreign keys are added after the backfill (one validation scan, no per-row checks).
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB';
SET LOCAL jit = off;

-- inventory_items -----------------------------------------------------------------------------------
LOCK TABLE inventory_items IN ACCESS EXCLUSIVE MODE;

CREATE TEMP TABLE inventory_items_rewrite ON COMMIT DROP AS
SELECT i.*, b.operation_run_id AS last_seen_operation_run_id
FROM inventory_items i
LEFT JOIN (SELECT r.id, r.operation_run_id
           FROM inventory_sync_runs r
           JOIN operation_runs o ON o.id = r.operation_run_id) b ON b.id = i.last_seen_run_id;

ALTER TABLE inventory_items
    DROP CONSTRAINT inventory_items_tenant_type_external_key,
    DROP CONSTRAINT inventory_items_tenant_id_fkey,
    DROP CONSTRAINT inventory_items_last_seen_run_id_fkey;
DROP INDEX inventory_items_last_seen_run_idx;

TRUNCATE inventory_items;
ALTER TABLE inventory_items ADD COLUMN last_seen_operation_run_id bigint;
INSERT INTO inventory_items SELECT * FROM inventory_items_rewrite;

ALTER TABLE inventory_items
    ADD CONSTRAINT inventory_items_tenant_type_external_key UNIQUE (tenant_id, policy_type, external_id);
ALTER TABLE inventory_items
    ADD CONSTRAINT inventory_items_tenant_id_fkey
        FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    ADD CONSTRAINT inventory_items_last_seen_run_id_fkey
        FOREIGN KEY (last_seen_run_id) REFERENCES inventory_sync_runs (id) ON DELETE SET NULL,
    ADD CONSTRAINT inventory_items_last_seen_operation_run_id_fkey
        FOREIGN KEY (last_seen_operation_run_id) REFERENCES operation_runs (id) ON DELETE SET NULL;
CREATE INDEX inventory_items_last_seen_operation_run_idx ON inventory_items (last_seen_operation_run_id);

-- entra_groups --------------------------------------------------------------------------------------
ALTER TABLE entra_groups ADD COLUMN last_seen_operation_run_id bigint;
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
ALTER TABLE entra_groups
    ADD CONSTRAINT entra_groups_last_seen_operation_run_id_fkey
        FOREIGN KEY (last_seen_operation_run_id) REFERENCES operation_runs (id) ON DELETE SET NULL;
CREATE INDEX entra_groups_last_seen_operation_run_idx ON entra_groups (last_seen_operation_run_id);
