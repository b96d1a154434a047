-- Fills a migrated database for the run list benchmark: 50 workspaces of 20 tenants each, and
-- 1,000,000 runs over the last 90 days spread over the six types, every outcome and the tenants.
-- Three callers: bench-one (operator of one tenant), bench-many (manager of 10 workspaces, so
-- entitled to 200 tenants) and bench-all (owner of all 50 workspaces).
\set ON_ERROR_STOP on
SET synchronous_commit = off;

INSERT INTO workspaces (name, slug)
SELECT 'Workspace ' || w, 'bench-ws-' || w FROM generate_series(1, 50) w;

INSERT INTO tenants (workspace_id, name, entra_tenant_id)
SELECT ws.id, 'Tenant ' || ws.id || '-' || t, md5('bench-tenant-' || ws.id || '-' || t)::uuid::text
FROM workspaces ws, generate_series(1, 20) t;

INSERT INTO users (email, name) VALUES
  ('bench-one@bench.test', 'Bench One'), ('bench-many@bench.test', 'Bench Many'), ('bench-all@bench.test', 'Bench All');

INSERT INTO workspace_memberships (workspace_id, user_id, role)
SELECT ws.id, u.id, 'owner' FROM workspaces ws, users u WHERE u.email = 'bench-all@bench.test';
INSERT INTO workspace_memberships (workspace_id, user_id, role)
SELECT ws.id, u.id, 'manager' FROM (SELECT id FROM workspaces ORDER BY id LIMIT 10) ws, users u WHERE u.email = 'bench-many@bench.test';
INSERT INTO workspace_memberships (workspace_id, user_id, role)
SELECT (SELECT min(id) FROM workspaces), id, 'operator' FROM users WHERE email = 'bench-one@bench.test';
INSERT INTO tenant_memberships (tenant_id, user_id, role)
SELECT (SELECT min(id) FROM tenants), id, 'operator' FROM users WHERE email = 'bench-one@bench.test';


INSERT INTO operation_runs (workspace_id, tenant_id, user_id, initiator_name, type, status, outcome,
                            summary_counts, failure_summary, context, started_at, completed_at, created_at, updated_at)
SELECT t.workspace_id, t.id, NULL, 'System',
       (ARRAY['inventory_sync', 'entra_group_sync', 'drift_generate_findings', 'backup_schedule_run',
              'backup_schedule_retention', 'backup_schedule_purge'])[1 + (i % 6)],
       CASE WHEN i < 200 THEN 'running' ELSE 'completed' END,
       CASE WHEN i < 200 THEN 'pending'
            ELSE (ARRAY['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded',
                        'partially_succeeded', 'failed', 'blocked', 'cancelled'])[1 + (i * 7 % 10)] END,
       '{"total": 40, "processed": 40, "succeeded": 38, "failed": 2}'::jsonb,
       '[]'::jsonb,
       CASE WHEN i % 6 = 3 THEN jsonb_build_object('backup_schedule_id', i % 500, 'trigger', 'scheduled') ELSE '{}'::jsonb END,
       now() - (i * interval '7776 milliseconds') + interval '1 second',
       CASE WHEN i < 200 THEN NULL ELSE now() - (i * interval '7776 milliseconds') + interval '41 seconds' END,
       now() - (i * interval '7776 milliseconds'),
       now() - (i * interval '7776 milliseconds')
FROM generate_series(0, 999999) i
JOIN tenants t ON t.id = (SELECT min(id) FROM tenants) + (i::bigint * 7919 % 1000)::int;

VACUUM ANALYZE workspaces, tenants, users, workspace_memberships, tenant_memberships, operation_runs;
