ALTER TABLE inventory_items DROP COLUMN IF EXISTS last_seen_operation_run_id;
ALTER TABLE entra_groups DROP COLUMN IF EXISTS last_seen_operation_run_id;
