DROP TABLE operation_run_audit;
DROP FUNCTION operation_run_audit_append_only();
ALTER TABLE operation_runs
    DROP COLUMN cancel_requested_at,
    DROP COLUMN cancel_requested_by,
    DROP COLUMN cancel_requested_by_name;
