-- Removes the whole baseline schema. Every row in it is lost: this is only for an empty database.
DROP TABLE IF EXISTS notifications;
DROP TABLE IF EXISTS findings;
DROP TABLE IF EXISTS backup_schedule_runs;
DROP TABLE IF EXISTS backup_items;
DROP TABLE IF EXISTS backup_sets;
DROP TABLE IF EXISTS backup_schedules;
DROP TABLE IF EXISTS entra_groups;
DROP TABLE IF EXISTS entra_group_sync_runs;
DROP TABLE IF EXISTS inventory_items;
DROP TABLE IF EXISTS inventory_sync_runs;
DROP TABLE IF EXISTS operation_runs;
DROP TABLE IF EXISTS api_tokens;
DROP TABLE IF EXISTS tenant_memberships;
DROP TABLE IF EXISTS tenants;
DROP TABLE IF EXISTS workspace_memberships;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS workspaces;
