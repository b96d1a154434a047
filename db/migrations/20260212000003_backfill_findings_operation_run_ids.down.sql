-- Undo the backfill: the canonical references go back to NULL (the legacy columns still hold the
-- original values at this version), and the indexes on the legacy columns, which the up drops
-- rather than rebuild, come back.
DROP INDEX IF EXISTS findings_baseline_operation_run_idx;
DROP INDEX IF EXISTS findings_current_operation_run_idx;
ALTER TABLE findings
    DROP CONSTRAINT IF EXISTS findings_baseline_operation_run_id_fkey,
    DROP CONSTRAINT IF EXISTS findings_current_operation_run_id_fkey;
UPDATE findings
SET baseline_operation_run_id = NULL, current_operation_run_id = NULL
WHERE baseline_operation_run_id IS NOT NULL OR current_operation_run_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS findings_baseline_run_idx ON findings (baseline_run_id);
CREATE INDEX IF NOT EXISTS findings_current_run_idx ON findings (current_run_id);
