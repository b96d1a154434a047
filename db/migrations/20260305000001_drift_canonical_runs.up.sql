-- Drift from canonical runs: what the drift selector, the generation dedup and the findings list
-- need from operation_runs and findings.

-- The drift run selector: a tenant's completed inventory syncs of one scope (context.scope_key),
-- newest first.
CREATE INDEX operation_runs_inventory_scope_idx
    ON operation_runs (tenant_id, (context ->> 'scope_key'), completed_at DESC, id DESC)
    WHERE type = 'inventory_sync' AND status = 'completed';

-- One drift generation per comparison (tenant, scope, baseline run, current run: the run's
-- identity). The active-identity index only covers queued and running runs; this one also keeps
-- a generation that succeeded, so a later start of the same comparison conflicts and is answered
-- with that run. A failed or cancelled generation frees the comparison for another attempt.
-- Runs that existed before this migration are left out (id above the highest existing drift run):
-- history may legitimately hold repeated generations of one identity.
DO $$
BEGIN
    EXECUTE format(
        'CREATE UNIQUE INDEX operation_runs_drift_generation_key ON operation_runs (tenant_id, run_identity_hash) '
        'WHERE type = %L AND outcome IN (%L, %L) AND id > %s',
        'drift_generate_findings', 'pending', 'succeeded',
        (SELECT coalesce(max(id), 0) FROM operation_runs WHERE type = 'drift_generate_findings'));
END
$$;

-- The findings list: newest first by keyset on (created_at, id), with and without a status.
CREATE INDEX findings_tenant_created_id_idx ON findings (tenant_id, created_at DESC, id DESC);
CREATE INDEX findings_tenant_status_created_id_idx ON findings (tenant_id, status, created_at DESC, id DESC);
