-- Fills a database migrated to 20260211000000 (the pre-cut-over baseline) with a production-sized
-- history, entirely server-side (generate_series), for scripts/bench-migrate.sh.
--
--   psql -X -v ON_ERROR_STOP=1 [-v legacy_runs=N -v items=N -v findings=N ...] -f db/bench/fill_baseline.sql
--
-- Shape (defaults):
--   50 workspaces, 1,000 tenants (tenant t belongs to workspace (t-1)%50+1), 5 users;
--   operation_runs  ids 1..legacy_runs: dotted-era 'inventory.sync' runs, run i on tenant (i-1)%1000+1;
--                   then other_runs more: directory_groups.sync 60%, drift.generate 15%,
--                   backup_schedule.run_now/retry/scheduled 2% each, and 19% of types the cut-over
--                   must leave alone (restore.execute, backup_set.add_policies, inventory.sync.preview,
--                   Inventory.Sync, backup_schedule.purge, inventory_sync, policy.sync);
--                   the newest 0.05% of the runs are still queued/running;
--   inventory_sync_runs  legacy run i on the same tenant as operation run i, bridged to it (~90%)
--                   or with a NULL bridge (~10%);
--   inventory_items  2,000 per tenant, unique (tenant_id, policy_type, external_id), last_seen_run_id
--                   at one of the tenant's recent legacy runs (~5% NULL);
--   findings        500 per tenant, unique (tenant_id, fingerprint), baseline/current_run_id at the
--                   tenant's legacy runs (~8% / ~3% NULL; ~10% of the rest have no bridge);
--   entra_group_sync_runs  one per directory_groups.sync run (bridged) plus 1/6 as many unbridged;
--   entra_groups    groups rows (100,000), last_seen_run_id at a random group sync run (~5% NULL);
--   backup_schedules  200; backup_schedule_runs  one per backup_schedule.* run (bridged) plus 1,000
--                   unbridged.
-- Random choices use setseed, so a given set of sizes always produces the same data.

\if :{?legacy_runs} \else \set legacy_runs 1000000 \endif
\if :{?other_runs}  \else \set other_runs  100000  \endif
\if :{?items}       \else \set items       2000000 \endif
\if :{?findings}    \else \set findings    500000  \endif
\if :{?groups}      \else \set groups      100000  \endif
\set tenants 1000
\set workspaces 50

SET synchronous_commit = off;
SET work_mem = '64MB';
SET maintenance_work_mem = '256MB';
SELECT setseed(0.087) \g /dev/null

-- legacy_runs must be a multiple of the tenant count: tenant t's legacy runs are t + tenants*k.
SELECT (:legacy_runs % :tenants = 0) AS sizes_ok \gset
\if :sizes_ok \else
  \echo 'legacy_runs must be a multiple of' :tenants
  \quit 1
\endif
\set runs_per_tenant (:legacy_runs / :tenants)

CREATE TEMP TABLE bench_clock AS SELECT now() - interval '180 days' AS t0, interval '180 days' AS span;

-- Load without per-row foreign-key checks and index maintenance: drop every foreign key, unique
-- constraint and secondary index of the (still empty) schema and put each back, from its own
-- catalog definition, once the rows are in. Primary keys and CHECK constraints stay.
-- scripts/bench-migrate.sh compares the schema before and after the fill. (So the indexes start
-- freshly built and compact, where a production database's have grown with their rows.)
CREATE TEMP TABLE bench_ddl (n serial, drop_sql text NOT NULL, create_sql text NOT NULL);
INSERT INTO bench_ddl (drop_sql, create_sql)
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
FROM pg_constraint
WHERE connamespace = 'public'::regnamespace AND contype IN ('f', 'u')
ORDER BY contype = 'u', conrelid::regclass::text, conname;          -- foreign keys drop first
INSERT INTO bench_ddl (drop_sql, create_sql)
SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace = 'public'::regnamespace AND NOT i.indisprimary
  AND NOT EXISTS (SELECT FROM pg_constraint k
                  WHERE k.conrelid = i.indrelid AND k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY i.indexrelid::regclass::text;
SELECT drop_sql FROM bench_ddl ORDER BY n \gexec

-- Workspaces, users, tenants -----------------------------------------------------------------------
INSERT INTO workspaces (id, name, slug)
SELECT w, 'Workspace ' || w, 'ws-' || w FROM generate_series(1, :workspaces) w;

INSERT INTO users (id, email, name, is_platform_admin)
SELECT u, 'user' || u || '@bench.example', 'User ' || u, u = 1 FROM generate_series(1, 5) u;

INSERT INTO workspace_memberships (workspace_id, user_id, role)
SELECT w, u, (ARRAY['owner', 'manager', 'operator', 'readonly', 'readonly'])[u]
FROM generate_series(1, :workspaces) w, generate_series(1, 5) u;

INSERT INTO tenants (id, workspace_id, name, entra_tenant_id, domain)
SELECT t, (t - 1) % :workspaces + 1, 'Tenant ' || t, md5('tenant' || t)::uuid::text, 'tenant' || t || '.onmicrosoft.com'
FROM generate_series(1, :tenants) t;

-- operation_runs: dotted-era inventory.sync runs ------------------------------------------------------
INSERT INTO operation_runs (id, workspace_id, tenant_id, user_id, initiator_name, type, status, outcome,
                            run_identity_hash, summary_counts, failure_summary, context,
                            started_at, completed_at, created_at, updated_at)
SELECT i,
       (t - 1) % :workspaces + 1,
       t,
       CASE WHEN i % 20 = 0 THEN i % 5 + 1 END,
       CASE WHEN i % 20 = 0 THEN 'User ' || (i % 5 + 1) ELSE 'Scheduler' END,
       'inventory.sync',
       CASE WHEN active THEN 'running' ELSE 'completed' END,
       CASE WHEN active THEN 'pending' WHEN i % 50 = 0 THEN 'failed' WHEN i % 17 = 0 THEN 'partially_succeeded' ELSE 'succeeded' END,
       md5('inventory.sync:' || t || ':' || i),
       jsonb_build_object('total', 40 + i % 60, 'processed', 40 + i % 60, 'succeeded', 40 + i % 60 - i % 3, 'failed', i % 3),
       CASE WHEN i % 50 = 0 THEN '[{"code": "graph.throttled", "message": "Graph API throttled the request"}]'::jsonb ELSE '[]'::jsonb END,
       jsonb_build_object('selection_hash', md5('sel' || t), 'trigger', 'scheduled',
                          'policy_types', '["deviceConfiguration", "deviceCompliancePolicy", "configurationPolicy"]'::jsonb),
       ts + interval '2 seconds',
       CASE WHEN NOT active THEN ts + interval '95 seconds' END,
       ts, ts + interval '95 seconds'
FROM generate_series(1, :legacy_runs) i
CROSS JOIN bench_clock c
CROSS JOIN LATERAL (SELECT (i - 1) % :tenants + 1 AS t,
                           c.t0 + c.span * (i::float8 / (:legacy_runs + :other_runs)) AS ts,
                           i > :legacy_runs - :legacy_runs / 2000 AS active) x;

-- operation_runs: every other type, after them -----------------------------------------------------
INSERT INTO operation_runs (id, workspace_id, tenant_id, user_id, initiator_name, type, status, outcome,
                            run_identity_hash, summary_counts, context,
                            started_at, completed_at, created_at, updated_at)
SELECT :legacy_runs + j,
       (t - 1) % :workspaces + 1,
       t,
       CASE WHEN j % 10 = 0 THEN j % 5 + 1 END,
       CASE WHEN j % 10 = 0 THEN 'User ' || (j % 5 + 1) ELSE 'Scheduler' END,
       typ,
       CASE WHEN active THEN 'queued' ELSE 'completed' END,
       CASE WHEN active THEN 'pending' WHEN j % 40 = 0 THEN 'failed' ELSE 'succeeded' END,
       md5(typ || ':' || t || ':' || j),
       jsonb_build_object('total', j % 100, 'processed', j % 100),
       jsonb_build_object('trigger', CASE typ WHEN 'backup_schedule.run_now' THEN 'run_now'
                                              WHEN 'backup_schedule.retry'   THEN 'retry'
                                              ELSE 'scheduled' END),
       ts + interval '1 second',
       CASE WHEN NOT active THEN ts + interval '30 seconds' END,
       ts, ts + interval '30 seconds'
FROM generate_series(1, :other_runs) j
CROSS JOIN bench_clock c
CROSS JOIN LATERAL (SELECT (j - 1) % :tenants + 1 AS t,
                           c.t0 + c.span * ((:legacy_runs + j)::float8 / (:legacy_runs + :other_runs)) AS ts,
                           j > :other_runs - :other_runs / 2000 AS active,
                           CASE WHEN j % 100 < 60 THEN 'directory_groups.sync'
                                WHEN j % 100 < 75 THEN 'drift.generate'
                                WHEN j % 100 < 77 THEN 'backup_schedule.run_now'
                                WHEN j % 100 < 79 THEN 'backup_schedule.retry'
                                WHEN j % 100 < 81 THEN 'backup_schedule.scheduled'
                                ELSE (ARRAY['restore.execute', 'backup_set.add_policies', 'inventory.sync.preview',
                                            'Inventory.Sync', 'backup_schedule.purge', 'inventory_sync',
                                            'policy.sync'])[j % 7 + 1]
                           END AS typ) x;

-- Legacy inventory sync runs, ~90% bridged to the operation run with the same id ---------------------
INSERT INTO inventory_sync_runs (id, tenant_id, user_id, selection_hash, selection_payload, status, had_errors,
                                 error_codes, items_observed_count, items_upserted_count, errors_count,
                                 started_at, finished_at, operation_run_id, created_at, updated_at)
SELECT o.id, o.tenant_id, o.user_id, md5('sel' || o.tenant_id),
       '{"policy_types": ["deviceConfiguration", "deviceCompliancePolicy", "configurationPolicy"], "include_foundations": true}'::jsonb,
       CASE o.outcome WHEN 'failed' THEN 'failed' WHEN 'partially_succeeded' THEN 'partial' WHEN 'pending' THEN 'running' ELSE 'success' END,
       o.outcome IN ('failed', 'partially_succeeded'),
       CASE WHEN o.outcome = 'failed' THEN '["graph.throttled"]'::jsonb ELSE '[]'::jsonb END,
       40 + o.id % 60, o.id % 7, o.id % 3,
       o.started_at, o.completed_at,
       CASE WHEN random() < 0.10 THEN NULL ELSE o.id END,
       o.created_at, o.updated_at
FROM operation_runs o
WHERE o.id <= :legacy_runs
ORDER BY o.id;

-- Inventory items: 2,000 per tenant, last seen by one of the tenant's recent legacy runs ------------
INSERT INTO inventory_items (id, tenant_id, policy_type, external_id, display_name, category, platform, meta,
                             content_hash, last_seen_at, last_seen_run_id, created_at, updated_at)
SELECT i, t, pt,
       md5('item' || i)::uuid::text,
       initcap(replace(pt, 'Policy', ' policy')) || ' ' || i,
       (ARRAY['Device configuration', 'Compliance', 'Settings catalog', 'Endpoint security'])[i % 4 + 1],
       (ARRAY['windows10', 'iOS', 'android', 'macOS', 'all'])[i % 5 + 1],
       jsonb_build_object('odata_type', '#microsoft.graph.' || pt, 'version', i % 9 + 1,
                          'assignment_count', i % 13, 'scope_tag_ids', '["0"]'::jsonb),
       md5('content' || i),
       CASE WHEN run IS NOT NULL THEN now() - interval '1 day' * (i % 30) END,
       run,
       now() - interval '200 days', now() - interval '1 day' * (i % 30)
FROM generate_series(1, :items) i
CROSS JOIN LATERAL (SELECT (i - 1) / (:items / :tenants) + 1 AS t,
                           (ARRAY['deviceConfiguration', 'deviceCompliancePolicy', 'configurationPolicy',
                                  'windowsUpdateForBusinessConfiguration', 'appProtectionPolicy',
                                  'mobileAppConfiguration', 'endpointSecurityPolicy', 'groupPolicyConfiguration'])[i % 8 + 1] AS pt) x
CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.05 THEN NULL
                                ELSE t + :tenants * (:runs_per_tenant - 1 - floor(random() * random() * :runs_per_tenant)::int)
                           END AS run) r;

-- Findings: 500 per tenant, baseline/current at the tenant's legacy runs --------------------------
INSERT INTO findings (id, tenant_id, scope_key, baseline_run_id, current_run_id, fingerprint, subject_type,
                      subject_external_id, change_type, severity, status, acknowledged_at, acknowledged_by_user_id,
                      evidence, created_at, updated_at)
SELECT i, t, 'inventory_policy_types:' || md5('sel' || t),
       CASE WHEN random() < 0.08 THEN NULL ELSE t + :tenants * (kb - 1) END,
       CASE WHEN random() < 0.03 THEN NULL ELSE t + :tenants * kb END,
       encode(sha256(('finding' || i)::bytea), 'hex'),
       (ARRAY['deviceConfiguration', 'deviceCompliancePolicy', 'configurationPolicy', 'appProtectionPolicy'])[i % 4 + 1],
       md5('item' || (i * 4))::uuid::text,
       (ARRAY['added', 'removed', 'modified'])[i % 3 + 1],
       (ARRAY['low', 'medium', 'high'])[i % 3 + 1],
       CASE WHEN i % 5 = 0 THEN 'acknowledged' ELSE 'new' END,
       CASE WHEN i % 5 = 0 THEN now() - interval '3 days' END,
       CASE WHEN i % 5 = 0 THEN i % 5 + 1 END,
       jsonb_build_object('summary', 'Setting changed', 'changed_keys', '["passwordMinimumLength", "passwordRequired"]'::jsonb,
                          'baseline_hash', md5('b' || i), 'current_hash', md5('c' || i)),
       now() - interval '30 days', now() - interval '1 day' * (i % 30)
FROM generate_series(1, :findings) i
CROSS JOIN LATERAL (SELECT (i - 1) / (:findings / :tenants) + 1 AS t,
                           1 + floor(random() * (:runs_per_tenant - 1))::int AS kb) x;

-- Entra group sync: one legacy run per directory_groups.sync run, plus unbridged ones -------------
INSERT INTO entra_group_sync_runs (id, tenant_id, user_id, selection_key, status, items_observed_count,
                                   items_upserted_count, started_at, finished_at, operation_run_id, created_at, updated_at)
SELECT row_number() OVER (ORDER BY o.id), o.tenant_id, o.user_id, 'groups_v1_all',
       CASE o.status WHEN 'queued' THEN 'pending' ELSE CASE o.outcome WHEN 'failed' THEN 'failed' ELSE 'succeeded' END END,
       o.id % 500, o.id % 50, o.started_at, o.completed_at, o.id, o.created_at, o.updated_at
FROM operation_runs o
WHERE o.type = 'directory_groups.sync';

SELECT max(id) AS bridged_group_runs FROM entra_group_sync_runs \gset
INSERT INTO entra_group_sync_runs (id, tenant_id, selection_key, status, error_code, error_summary, started_at, finished_at)
SELECT :bridged_group_runs + g, (g - 1) % :tenants + 1, 'groups_v1_all', 'failed', 'graph.forbidden',
       'Insufficient privileges to complete the operation.', c.t0 + interval '1 hour' * g, c.t0 + interval '1 hour' * g
FROM generate_series(1, :bridged_group_runs / 6) g CROSS JOIN bench_clock c;
SELECT max(id) AS group_runs FROM entra_group_sync_runs \gset

INSERT INTO entra_groups (id, tenant_id, entra_group_id, display_name, group_type, security_enabled, mail_enabled,
                          last_seen_at, last_seen_run_id)
SELECT g, (g - 1) / greatest(:groups / :tenants, 1) % :tenants + 1, md5('group' || g)::uuid::text, 'Group ' || g,
       (ARRAY['Security', 'Microsoft365', 'Unknown'])[g % 3 + 1], g % 3 = 0, g % 3 = 1,
       CASE WHEN run IS NOT NULL THEN now() - interval '1 day' END, run
FROM generate_series(1, :groups) g
CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.05 + 0 * g THEN NULL ELSE 1 + floor(random() * :group_runs)::int END AS run) r;

-- Backup schedules and their runs -------------------------------------------------------------------
INSERT INTO backup_schedules (id, tenant_id, name, frequency, time_of_day, days_of_week, policy_types, next_run_at)
SELECT s, s * (:tenants / 200), 'Nightly ' || s, CASE WHEN s % 4 = 0 THEN 'weekly' ELSE 'daily' END,
       time '02:00' + interval '1 minute' * s, CASE WHEN s % 4 = 0 THEN '{1,4}'::smallint[] ELSE '{}' END,
       '{deviceConfiguration,deviceCompliancePolicy}', now() + interval '1 day'
FROM generate_series(1, 200) s;

INSERT INTO backup_schedule_runs (id, backup_schedule_id, tenant_id, user_id, scheduled_for, status, summary,
                                  started_at, finished_at, operation_run_id, created_at, updated_at)
SELECT n, (n - 1) % 200 + 1, ((n - 1) % 200 + 1) * (:tenants / 200), o.user_id,
       c.t0 + interval '1 hour' * n,
       CASE o.status WHEN 'queued' THEN 'running' ELSE CASE o.outcome WHEN 'failed' THEN 'failed' ELSE 'success' END END,
       '{"items": 120, "failed": 0}'::jsonb, o.started_at, o.completed_at, o.id, o.created_at, o.updated_at
FROM (SELECT o.*, row_number() OVER (ORDER BY o.id) AS n FROM operation_runs o
      WHERE o.type IN ('backup_schedule.run_now', 'backup_schedule.retry', 'backup_schedule.scheduled')) o
CROSS JOIN bench_clock c;

SELECT max(id) AS bridged_backup_runs FROM backup_schedule_runs \gset
INSERT INTO backup_schedule_runs (id, backup_schedule_id, tenant_id, scheduled_for, status, error_code, error_message)
SELECT :bridged_backup_runs + n, (n - 1) % 200 + 1, ((n - 1) % 200 + 1) * (:tenants / 200),
       c.t0 + interval '1 hour' * (:bridged_backup_runs + n), 'skipped', 'tenant.unreachable', 'Tenant could not be reached.'
FROM generate_series(1, 1000) n CROSS JOIN bench_clock c;

-- Indexes, unique constraints, then foreign keys (validated) come back ----------------------------
SELECT create_sql FROM bench_ddl ORDER BY n DESC \gexec

-- Sequences follow the explicit ids --------------------------------------------------------------
\o /dev/null
SELECT format('SELECT setval(%L, (SELECT max(id) FROM %I))', pg_get_serial_sequence(tbl, 'id'), tbl)
FROM unnest(ARRAY['workspaces', 'users', 'workspace_memberships', 'tenants', 'operation_runs', 'inventory_sync_runs',
                  'inventory_items', 'findings', 'entra_group_sync_runs', 'entra_groups', 'backup_schedules',
                  'backup_schedule_runs']) tbl \gexec
\o
