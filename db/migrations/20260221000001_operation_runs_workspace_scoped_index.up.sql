-- Tenant-less (workspace-scoped) runs are few. Without an index of their own, a run list that
-- includes them scans the whole newest-first index looking for tenant_id IS NULL.
CREATE INDEX operation_runs_workspace_scoped_idx
    ON operation_runs (workspace_id, created_at DESC, id DESC)
    WHERE tenant_id IS NULL;
