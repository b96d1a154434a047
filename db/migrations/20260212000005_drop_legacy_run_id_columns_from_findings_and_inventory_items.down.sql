-- Restores the legacy columns with their foreign keys. Where the legacy run tables still hold a
-- run bridged to the canonical reference, the legacy reference is derived back from it; anything
-- else stays NULL (a down cannot bring back what the drop removed). Their indexes are not part of
-- this version: 20260212000003 and 20260212000004 drop them on the way up and put them back on
-- the way down.
ALTER TABLE findings
    ADD COLUMN baseline_run_id bigint REFERENCES inventory_sync_runs (id) ON DELETE SET NULL,
    ADD COLUMN current_run_id  bigint REFERENCES inventory_sync_runs (id) ON DELETE SET NULL;
ALTER TABLE inventory_items
    ADD COLUMN last_seen_run_id bigint REFERENCES inventory_sync_runs (id) ON DELETE SET NULL;
ALTER TABLE entra_groups
    ADD COLUMN last_seen_run_id bigint REFERENCES entra_group_sync_runs (id) ON DELETE SET NULL;

UPDATE findings f
SET baseline_run_id = (SELECT max(r.id) FROM inventory_sync_runs r WHERE r.operation_run_id = f.baseline_operation_run_id),
    current_run_id  = (SELECT max(r.id) FROM inventory_sync_runs r WHERE r.operation_run_id = f.current_operation_run_id)
WHERE f.baseline_operation_run_id IS NOT NULL OR f.current_operation_run_id IS NOT NULL;

UPDATE inventory_items i
SET last_seen_run_id = (SELECT max(r.id) FROM inventory_sync_runs r WHERE r.operation_run_id = i.last_seen_operation_run_id)
WHERE i.last_seen_operation_run_id IS NOT NULL;

UPDATE entra_groups g
SET last_seen_run_id = (SELECT max(r.id) FROM entra_group_sync_runs r WHERE r.operation_run_id = g.last_seen_operation_run_id)
WHERE g.last_seen_operation_run_id IS NOT NULL;
