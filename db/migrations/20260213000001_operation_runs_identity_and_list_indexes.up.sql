-- The canonical schema's own additions to operation_runs, after the cut-over.

-- Run identity: at most one active (queued or running) run per identity. Tenant runs are unique
-- per tenant, workspace-scoped runs (no tenant) per workspace. Finished runs free the hash.
CREATE UNIQUE INDEX operation_runs_active_identity_tenant_key
    ON operation_runs (tenant_id, run_identity_hash)
    WHERE tenant_id IS NOT NULL AND status IN ('queued', 'running');
CREATE UNIQUE INDEX operation_runs_active_identity_workspace_key
    ON operation_runs (workspace_id, run_identity_hash)
    WHERE tenant_id IS NULL AND status IN ('queued', 'running');

-- outcome is pending exactly while a run is active. NOT VALID: enforced for every row written from
-- now on without refusing an upgrade over older rows that break it.
ALTER TABLE operation_runs
    ADD CONSTRAINT operation_runs_outcome_matches_status
    CHECK ((status = 'completed') = (outcome <> 'pending')) NOT VALID;

-- List indexes for newest-first keyset pages on (created_at, id): one for callers entitled to many
-- tenants, one for filtered pages, tenant- and workspace-leading ones for callers in few scopes
-- (the tenant one also serves the per-tab counts from the index alone).
CREATE INDEX operation_runs_created_id_idx ON operation_runs (created_at DESC, id DESC);
CREATE INDEX operation_runs_type_outcome_created_idx ON operation_runs (type, outcome, created_at DESC, id DESC);
CREATE INDEX operation_runs_tenant_created_id_idx
    ON operation_runs (tenant_id, created_at DESC, id DESC) INCLUDE (status, outcome, type);
CREATE INDEX operation_runs_workspace_created_id_idx
    ON operation_runs (workspace_id, created_at DESC, id DESC) INCLUDE (status, outcome, type);
DROP INDEX operation_runs_tenant_created_idx;
DROP INDEX operation_runs_workspace_created_idx;

-- Active runs are few; the reconciler and the active-runs widget look only at them.
CREATE INDEX operation_runs_active_idx ON operation_runs (created_at) WHERE status IN ('queued', 'running');
