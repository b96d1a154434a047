ALTER TABLE operation_runs DROP COLUMN progress_processed, DROP COLUMN progress_total;
