-- Baseline: the schema as it stood before the spec-087 cut-over.
--
-- At this version every feature still kept its own run table (inventory sync, Entra group sync,
-- backup schedule runs), each bridged to the canonical operation_runs table by an operation_run_id
-- column, and findings and inventory items pointed at legacy inventory runs. The cut-over
-- migrations that follow (20260212000001..000006) move every reference to operation_runs and drop
-- the legacy tables. A fresh install runs the whole chain.

CREATE TABLE workspaces (
    id          bigserial PRIMARY KEY,
    name        text        NOT NULL,
    slug        text        NOT NULL,
    status      text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workspaces_slug_key UNIQUE (slug)
);

CREATE TABLE users (
    id                bigserial PRIMARY KEY,
    email             text        NOT NULL,
    name              text        NOT NULL,
    password_hash     text,
    is_platform_admin boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE workspace_memberships (
    id           bigserial PRIMARY KEY,
    workspace_id bigint      NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         text        NOT NULL CHECK (role IN ('owner', 'manager', 'operator', 'readonly')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workspace_memberships_scope_user_key UNIQUE (workspace_id, user_id)
);
CREATE INDEX workspace_memberships_user_idx ON workspace_memberships (user_id);

CREATE TABLE tenants (
    id              bigserial PRIMARY KEY,
    workspace_id    bigint      NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    entra_tenant_id text        NOT NULL,
    domain          text,
    status          text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_entra_tenant_id_key UNIQUE (entra_tenant_id)
);
CREATE INDEX tenants_workspace_idx ON tenants (workspace_id);

CREATE TABLE tenant_memberships (
    id         bigserial PRIMARY KEY,
    tenant_id  bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text        NOT NULL CHECK (role IN ('owner', 'manager', 'operator', 'readonly')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenant_memberships_scope_user_key UNIQUE (tenant_id, user_id)
);
CREATE INDEX tenant_memberships_user_idx ON tenant_memberships (user_id);

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL DEFAULT '',
    token_hash   text        NOT NULL,
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- operation_runs at the baseline still holds dotted-era type strings (inventory.sync, ...).
CREATE TABLE operation_runs (
    id                bigserial PRIMARY KEY,
    workspace_id      bigint      NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    tenant_id         bigint      REFERENCES tenants (id) ON DELETE CASCADE,
    user_id           bigint      REFERENCES users (id) ON DELETE SET NULL,
    initiator_name    text        NOT NULL,
    type              text        NOT NULL,
    status            text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed')),
    outcome           text        NOT NULL DEFAULT 'pending'
                      CHECK (outcome IN ('pending', 'succeeded', 'partially_succeeded', 'failed', 'cancelled', 'blocked')),
    run_identity_hash text,
    summary_counts    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    failure_summary   jsonb       NOT NULL DEFAULT '[]'::jsonb,
    context           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    started_at        timestamptz,
    completed_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operation_runs_workspace_type_created_idx ON operation_runs (workspace_id, type, created_at);
CREATE INDEX operation_runs_workspace_created_idx ON operation_runs (workspace_id, created_at);
CREATE INDEX operation_runs_tenant_type_created_idx ON operation_runs (tenant_id, type, created_at);
CREATE INDEX operation_runs_tenant_created_idx ON operation_runs (tenant_id, created_at);

-- Legacy: inventory sync runs, bridged to operation_runs.
CREATE TABLE inventory_sync_runs (
    id                bigserial PRIMARY KEY,
    tenant_id         bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id           bigint      REFERENCES users (id) ON DELETE SET NULL,
    selection_hash    text        NOT NULL,
    selection_payload jsonb       NOT NULL DEFAULT '{}'::jsonb,
    status            text        NOT NULL CHECK (status IN ('pending', 'running', 'success', 'partial', 'failed', 'skipped')),
    had_errors        boolean     NOT NULL DEFAULT false,
    error_codes       jsonb       NOT NULL DEFAULT '[]'::jsonb,
    items_observed_count integer  NOT NULL DEFAULT 0,
    items_upserted_count integer  NOT NULL DEFAULT 0,
    errors_count      integer     NOT NULL DEFAULT 0,
    started_at        timestamptz,
    finished_at       timestamptz,
    operation_run_id  bigint      REFERENCES operation_runs (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inventory_sync_runs_tenant_selection_idx ON inventory_sync_runs (tenant_id, selection_hash, finished_at);
CREATE INDEX inventory_sync_runs_operation_run_idx ON inventory_sync_runs (operation_run_id);

CREATE TABLE inventory_items (
    id               bigserial PRIMARY KEY,
    tenant_id        bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    policy_type      text        NOT NULL,
    external_id      text        NOT NULL,
    display_name     text        NOT NULL DEFAULT '',
    category         text        NOT NULL DEFAULT '',
    platform         text        NOT NULL DEFAULT '',
    meta             jsonb       NOT NULL DEFAULT '{}'::jsonb,
    content_hash     text        NOT NULL DEFAULT '',
    last_seen_at     timestamptz,
    last_seen_run_id bigint      REFERENCES inventory_sync_runs (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inventory_items_tenant_type_external_key UNIQUE (tenant_id, policy_type, external_id)
);
CREATE INDEX inventory_items_last_seen_run_idx ON inventory_items (last_seen_run_id);

-- Legacy: Entra group sync runs, bridged to operation_runs.
CREATE TABLE entra_group_sync_runs (
    id                   bigserial PRIMARY KEY,
    tenant_id            bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id              bigint      REFERENCES users (id) ON DELETE SET NULL,
    selection_key        text        NOT NULL DEFAULT 'groups_v1_all',
    slot_key             text,
    status               text        NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'partial', 'failed')),
    items_observed_count integer     NOT NULL DEFAULT 0,
    items_upserted_count integer     NOT NULL DEFAULT 0,
    error_count          integer     NOT NULL DEFAULT 0,
    error_code           text,
    error_summary        text,
    started_at           timestamptz,
    finished_at          timestamptz,
    operation_run_id     bigint      REFERENCES operation_runs (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entra_group_sync_runs_tenant_idx ON entra_group_sync_runs (tenant_id, created_at);
CREATE INDEX entra_group_sync_runs_operation_run_idx ON entra_group_sync_runs (operation_run_id);

CREATE TABLE entra_groups (
    id               bigserial PRIMARY KEY,
    tenant_id        bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    entra_group_id   text        NOT NULL,
    display_name     text        NOT NULL DEFAULT '',
    group_type       text        NOT NULL DEFAULT 'Unknown' CHECK (group_type IN ('Security', 'Microsoft365', 'Unknown')),
    security_enabled boolean     NOT NULL DEFAULT false,
    mail_enabled     boolean     NOT NULL DEFAULT false,
    last_seen_at     timestamptz,
    last_seen_run_id bigint      REFERENCES entra_group_sync_runs (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT entra_groups_tenant_group_key UNIQUE (tenant_id, entra_group_id)
);
CREATE INDEX entra_groups_last_seen_run_idx ON entra_groups (last_seen_run_id);

CREATE TABLE backup_schedules (
    id                  bigserial PRIMARY KEY,
    tenant_id           bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name                text        NOT NULL,
    is_enabled          boolean     NOT NULL DEFAULT true,
    timezone            text        NOT NULL DEFAULT 'UTC',
    frequency           text        NOT NULL CHECK (frequency IN ('daily', 'weekly')),
    time_of_day         time        NOT NULL,
    days_of_week        smallint[]  NOT NULL DEFAULT '{}',
    policy_types        text[]      NOT NULL DEFAULT '{}',
    include_foundations boolean     NOT NULL DEFAULT true,
    retention_keep_last integer     NOT NULL DEFAULT 30 CHECK (retention_keep_last >= 1),
    last_run_at         timestamptz,
    last_run_status     text,
    next_run_at         timestamptz,
    archived_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX backup_schedules_tenant_idx ON backup_schedules (tenant_id);
CREATE INDEX backup_schedules_due_idx ON backup_schedules (next_run_at) WHERE is_enabled AND archived_at IS NULL;

CREATE TABLE backup_sets (
    id           bigserial PRIMARY KEY,
    tenant_id    bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'partial', 'failed')),
    item_count   integer     NOT NULL DEFAULT 0,
    created_by   text,
    metadata     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    completed_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX backup_sets_tenant_idx ON backup_sets (tenant_id, created_at);

CREATE TABLE backup_items (
    id            bigserial PRIMARY KEY,
    tenant_id     bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    backup_set_id bigint      NOT NULL REFERENCES backup_sets (id) ON DELETE CASCADE,
    policy_type   text        NOT NULL,
    external_id   text        NOT NULL,
    display_name  text        NOT NULL DEFAULT '',
    payload       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    assignments   jsonb       NOT NULL DEFAULT '[]'::jsonb,
    content_hash  text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX backup_items_set_idx ON backup_items (backup_set_id);

-- Legacy: backup schedule runs, bridged to operation_runs.
CREATE TABLE backup_schedule_runs (
    id                 bigserial PRIMARY KEY,
    backup_schedule_id bigint      NOT NULL REFERENCES backup_schedules (id) ON DELETE CASCADE,
    tenant_id          bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id            bigint      REFERENCES users (id) ON DELETE SET NULL,
    scheduled_for      timestamptz NOT NULL,
    status             text        NOT NULL CHECK (status IN ('running', 'success', 'partial', 'failed', 'canceled', 'skipped')),
    summary            jsonb       NOT NULL DEFAULT '{}'::jsonb,
    error_code         text,
    error_message      text,
    backup_set_id      bigint      REFERENCES backup_sets (id) ON DELETE SET NULL,
    started_at         timestamptz,
    finished_at        timestamptz,
    operation_run_id   bigint      REFERENCES operation_runs (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT backup_schedule_runs_schedule_slot_key UNIQUE (backup_schedule_id, scheduled_for)
);
CREATE INDEX backup_schedule_runs_operation_run_idx ON backup_schedule_runs (operation_run_id);

CREATE TABLE findings (
    id                      bigserial PRIMARY KEY,
    tenant_id               bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    finding_type            text        NOT NULL DEFAULT 'drift' CHECK (finding_type IN ('drift')),
    scope_key               text        NOT NULL,
    baseline_run_id         bigint      REFERENCES inventory_sync_runs (id) ON DELETE SET NULL,
    current_run_id          bigint      REFERENCES inventory_sync_runs (id) ON DELETE SET NULL,
    fingerprint             text        NOT NULL,
    subject_type            text        NOT NULL,
    subject_external_id     text        NOT NULL,
    change_type             text        NOT NULL CHECK (change_type IN ('added', 'removed', 'modified')),
    severity                text        NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high')),
    status                  text        NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acknowledged')),
    acknowledged_at         timestamptz,
    acknowledged_by_user_id bigint      REFERENCES users (id) ON DELETE SET NULL,
    evidence                jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT findings_tenant_fingerprint_key UNIQUE (tenant_id, fingerprint)
);
CREATE INDEX findings_tenant_scope_status_idx ON findings (tenant_id, scope_key, status);
CREATE INDEX findings_baseline_run_idx ON findings (baseline_run_id);
CREATE INDEX findings_current_run_idx ON findings (current_run_id);

CREATE TABLE notifications (
    id         bigserial PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text        NOT NULL,
    run_id     bigint      REFERENCES operation_runs (id) ON DELETE SET NULL,
    title      text        NOT NULL,
    body       text        NOT NULL DEFAULT '',
    link       text,
    read_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_user_idx ON notifications (user_id, read_at, created_at DESC);
