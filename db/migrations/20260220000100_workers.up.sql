-- What the background work needs beyond River's own tables.

-- The River job that carries a run, so the reconciler can tell a run whose job is gone.
ALTER TABLE operation_runs ADD COLUMN job_id bigint;

-- A tenant's connection to Microsoft Graph. The client secret is stored only encrypted
-- (AES-GCM under TENANTATLAS_SECRET_KEY); kind 'simulated' is the deterministic demo provider.
CREATE TABLE provider_connections (
    id                bigserial PRIMARY KEY,
    tenant_id         bigint      NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind              text        NOT NULL CHECK (kind IN ('graph', 'simulated')),
    client_id         text        NOT NULL DEFAULT '',
    secret_ciphertext bytea,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT provider_connections_tenant_key UNIQUE (tenant_id)
);

-- What one inventory sync run saw: the per-run observations two runs are compared by.
CREATE TABLE inventory_observations (
    operation_run_id bigint NOT NULL REFERENCES operation_runs (id) ON DELETE CASCADE,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    policy_type      text   NOT NULL,
    external_id      text   NOT NULL,
    content_hash     text   NOT NULL,
    PRIMARY KEY (operation_run_id, policy_type, external_id)
);

-- Keyset pages of inventory items and groups.
CREATE INDEX inventory_items_tenant_type_name_idx ON inventory_items (tenant_id, policy_type, display_name, id);
CREATE INDEX entra_groups_tenant_name_idx ON entra_groups (tenant_id, display_name, id);
CREATE INDEX entra_groups_tenant_last_seen_idx ON entra_groups (tenant_id, last_seen_at);

-- One notification per finished run and recipient.
CREATE UNIQUE INDEX notifications_run_user_key ON notifications (run_id, user_id) WHERE run_id IS NOT NULL;

-- Idempotency-Key: a repeated request with the same key answers with the run the first one made.
CREATE TABLE idempotency_keys (
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          text        NOT NULL,
    request_hash text        NOT NULL,
    run_id       bigint      REFERENCES operation_runs (id) ON DELETE CASCADE,
    status_code  integer     NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
