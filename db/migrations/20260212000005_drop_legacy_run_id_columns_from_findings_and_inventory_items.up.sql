-- The canonical references are filled in; the legacy ones go.
ALTER TABLE findings
    DROP COLUMN baseline_run_id,
    DROP COLUMN current_run_id;
ALTER TABLE inventory_items DROP COLUMN last_seen_run_id;
ALTER TABLE entra_groups DROP COLUMN last_seen_run_id;
