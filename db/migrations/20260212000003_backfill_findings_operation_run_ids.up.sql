-- Backfill findings' canonical run references through the legacy bridge
-- inventory_sync_runs.operation_run_id. Null-safe: a legacy run without a bridge, or whose bridged
-- run no longer exists, leaves the reference NULL. Only rows that have a bridge take part in the
-- joins, and no row is ever written to operation_runs.
UPDATE findings f
SET baseline_operation_run_id = b.operation_run_id
FROM inventory_sync_runs b
JOIN operation_runs o ON o.id = b.operation_run_id
WHERE f.baseline_run_id = b.id
  AND b.operation_run_id IS NOT NULL;

UPDATE findings f
SET current_operation_run_id = c.operation_run_id
FROM inventory_sync_runs c
JOIN operation_runs o ON o.id = c.operation_run_id
WHERE f.current_run_id = c.id
  AND c.operation_run_id IS NOT NULL;

ALTER TABLE findings
    ADD CONSTRAINT findings_baseline_operation_run_id_fkey
        FOREIGN KEY (baseline_operation_run_id) REFERENCES operation_runs (id) ON DELETE SET NULL,
    ADD CONSTRAINT findings_current_operation_run_id_fkey
        FOREIGN KEY (current_operation_run_id) REFERENCES operation_runs (id) ON DELETE SET NULL;

CREATE INDEX findings_baseline_operation_run_idx ON findings (baseline_operation_run_id);
CREATE INDEX findings_current_operation_run_idx ON findings (current_operation_run_id);
