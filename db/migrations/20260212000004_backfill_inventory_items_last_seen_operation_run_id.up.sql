-- inventory_items.last_seen_run_id -> last_seen_operation_run_id through the bridge
-- inventory_sync_runs.operation_run_id, and entra_groups the same way through
-- entra_group_sync_runs (its foreign key would otherwise block dropping the legacy table).
-- Null-safe: no bridge, or a bridge to a run that is gone, leaves NULL.
ALTER TABLE inventory_items ADD COLUMN last_seen_operation_run_id bigint;
ALTER TABLE entra_groups ADD COLUMN last_seen_operation_run_id bigint;

UPDATE inventory_items i
SET last_seen_operation_run_id = r.operation_run_id
FROM inventory_sync_runs r
JOIN operation_runs o ON o.id = r.operation_run_id
WHERE i.last_seen_run_id = r.id
  AND r.operation_run_id IS NOT NULL;

UPDATE entra_groups g
SET last_seen_operation_run_id = r.operation_run_id
FROM entra_group_sync_runs r
JOIN operation_runs o ON o.id = r.operation_run_id
WHERE g.last_seen_run_id = r.id
  AND r.operation_run_id IS NOT NULL;

ALTER TABLE inventory_items
    ADD CONSTRAINT inventory_items_last_seen_operation_run_id_fkey
        FOREIGN KEY (last_seen_operation_run_id) REFERENCES operation_runs (id) ON DELETE SET NULL;
ALTER TABLE entra_groups
    ADD CONSTRAINT entra_groups_last_seen_operation_run_id_fkey
        FOREIGN KEY (last_seen_operation_run_id) REFERENCES operation_runs (id) ON DELETE SET NULL;

CREATE INDEX inventory_items_last_seen_operation_run_idx ON inventory_items (last_seen_operation_run_id);
CREATE INDEX entra_groups_last_seen_operation_run_idx ON entra_groups (last_seen_operation_run_id);
