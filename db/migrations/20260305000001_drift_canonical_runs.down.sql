DROP INDEX IF EXISTS findings_tenant_status_created_id_idx;
DROP INDEX IF EXISTS findings_tenant_created_id_idx;
DROP INDEX IF EXISTS operation_runs_drift_generation_key;
DROP INDEX IF EXISTS operation_runs_inventory_scope_idx;
