DROP TABLE IF EXISTS idempotency_keys;
DROP INDEX IF EXISTS notifications_run_user_key;
DROP INDEX IF EXISTS entra_groups_tenant_last_seen_idx;
DROP INDEX IF EXISTS entra_groups_tenant_name_idx;
DROP INDEX IF EXISTS inventory_items_tenant_type_name_idx;
DROP TABLE IF EXISTS inventory_observations;
DROP TABLE IF EXISTS provider_connections;
ALTER TABLE operation_runs DROP COLUMN IF EXISTS job_id;
