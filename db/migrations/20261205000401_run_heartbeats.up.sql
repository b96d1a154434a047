-- Running jobs beat every few seconds; a running run whose beat is older than the lost-worker
-- window is completed as failed (run.worker_lost) by the reconciler.
ALTER TABLE operation_runs ADD COLUMN heartbeat_at timestamptz;
