-- Recreates the legacy run tables in their baseline shape, EMPTY: the rows dropped on the way up
-- cannot be brought back by a down migration.
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
