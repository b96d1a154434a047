-- Acting on runs: who asked a running run to stop, and the append-only audit trail of who
-- started, cancelled or retried which run, when, through which token or session.
ALTER TABLE operation_runs
    ADD COLUMN cancel_requested_at      timestamptz,
    ADD COLUMN cancel_requested_by      bigint,
    ADD COLUMN cancel_requested_by_name text;

-- No foreign keys: the trail outlives pruned runs and removed users, and nothing may change it.
CREATE TABLE operation_run_audit (
    id             bigserial   PRIMARY KEY,
    run_id         bigint      NOT NULL,
    workspace_id   bigint      NOT NULL,
    tenant_id      bigint,
    action         text        NOT NULL CHECK (action IN ('started', 'cancel_requested', 'cancelled', 'retried')),
    actor_user_id  bigint,
    actor_name     text        NOT NULL,
    via            text        CHECK (via IN ('session', 'token', 'system')), -- NULL: not recorded
    token_id       bigint,
    related_run_id bigint,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operation_run_audit_run_idx ON operation_run_audit (run_id, id);

CREATE FUNCTION operation_run_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'operation_run_audit is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER operation_run_audit_no_update_delete BEFORE UPDATE OR DELETE ON operation_run_audit
    FOR EACH ROW EXECUTE FUNCTION operation_run_audit_append_only();
CREATE TRIGGER operation_run_audit_no_truncate BEFORE TRUNCATE ON operation_run_audit
    FOR EACH STATEMENT EXECUTE FUNCTION operation_run_audit_append_only();
