ALTER TABLE findings
    DROP COLUMN IF EXISTS baseline_operation_run_id,
    DROP COLUMN IF EXISTS current_operation_run_id;
