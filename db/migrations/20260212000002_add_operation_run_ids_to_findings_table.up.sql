-- Findings get canonical run references next to the legacy ones. The foreign keys to
-- operation_runs are added by the backfill migration once the values are in place, so the
-- backfill does not pay a foreign-key check per row.
ALTER TABLE findings
    ADD COLUMN baseline_operation_run_id bigint,
    ADD COLUMN current_operation_run_id  bigint;
