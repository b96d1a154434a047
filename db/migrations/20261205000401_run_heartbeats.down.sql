ALTER TABLE operation_runs DROP COLUMN heartbeat_at;
