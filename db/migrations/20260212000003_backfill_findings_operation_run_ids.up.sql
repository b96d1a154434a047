-- Backfill findings' canonical run references through the legacy bridge
-- inventory_sync_runs.operation_run_id. Null-safe: a legacy run without a bridge, or whose bridged
-- run no longer exists, leaves the reference NULL. Only rows that have a bridge take part in the
-- joins, and no row is ever written to operation_runs.
--
-- Sized for millions of rows (scripts/bench-migrate.sh):
-- * both references are set by ONE update, so every finding is rewritten at most once (a second
--   update would also fire the foreign-key triggers of every row the first one touched);
-- * the secondary indexes are dropped first and rebuilt once afterwards, instead of taking an
--   index insertion per updated row; they come back with their names and definitions unchanged.
--   The two on the legacy columns (findings_baseline_run_idx, findings_current_run_idx) are not
--   rebuilt: 20260212000005 drops those columns, so they would be thrown away a moment later. The
--   down puts them back;
-- * rows are updated in physical order: the update joins the target to its own ctids, sorted, so
--   whichever side the planner hashes, each heap page is dirtied (and WAL-logged as a full page
--   image after a checkpoint) once, rather than once per row when the rows come in the order of
--   the bridge or of a hash batch. The table is already locked by the DROP above, so the ctids
--   are stable; work_mem keeps the hash joins in one batch;
-- * the new foreign keys are added after the backfill (one validation scan, no per-row checks).
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB';
SET LOCAL jit = off;

ALTER TABLE findings DROP CONSTRAINT findings_tenant_fingerprint_key;
DROP INDEX findings_tenant_scope_status_idx, findings_baseline_run_idx, findings_current_run_idx;

WITH bridge AS MATERIALIZED (
    SELECT r.id, r.operation_run_id
    FROM inventory_sync_runs r
    JOIN operation_runs o ON o.id = r.operation_run_id
), refs AS MATERIALIZED (
    SELECT f.ctid AS row_tid, b.operation_run_id AS baseline, c.operation_run_id AS current
    FROM findings f
    LEFT JOIN bridge b ON b.id = f.baseline_run_id
    LEFT JOIN bridge c ON c.id = f.current_run_id
    WHERE b.operation_run_id IS NOT NULL OR c.operation_run_id IS NOT NULL
    ORDER BY f.ctid
)
UPDATE findings f
SET baseline_operation_run_id = refs.baseline,
    current_operation_run_id  = refs.current
FROM refs
WHERE f.ctid = refs.row_tid;

ALTER TABLE findings ADD CONSTRAINT findings_tenant_fingerprint_key UNIQUE (tenant_id, fingerprint);
CREATE INDEX findings_tenant_scope_status_idx ON findings (tenant_id, scope_key, status);

ALTER TABLE findings
    ADD CONSTRAINT findings_baseline_operation_run_id_fkey
        FOREIGN KEY (baseline_operation_run_id) REFERENCES operation_runs (id) ON DELETE SET NULL,
    ADD CONSTRAINT findings_current_operation_run_id_fkey
        FOREIGN KEY (current_operation_run_id) REFERENCES operation_runs (id) ON DELETE SET NULL;

CREATE INDEX findings_baseline_operation_run_idx ON findings (baseline_operation_run_id);
CREATE INDEX findings_current_operation_run_idx ON findings (current_operation_run_id);
