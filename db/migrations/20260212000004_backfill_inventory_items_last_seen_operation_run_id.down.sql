-- Drops the canonical references (with their foreign keys and indexes) and puts back the indexes on
-- the legacy columns, which the up drops rather than rebuild.
ALTER TABLE inventory_items DROP COLUMN IF EXISTS last_seen_operation_run_id;
ALTER TABLE entra_groups DROP COLUMN IF EXISTS last_seen_operation_run_id;
CREATE INDEX IF NOT EXISTS inventory_items_last_seen_run_idx ON inventory_items (last_seen_run_id);
CREATE INDEX IF NOT EXISTS entra_groups_last_seen_run_idx ON entra_groups (last_seen_run_id);
