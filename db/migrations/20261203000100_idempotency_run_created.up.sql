-- An idempotency key records whether its first request created the run (a domain fact), not the
-- HTTP status it was answered with.
ALTER TABLE idempotency_keys ADD COLUMN run_created boolean NOT NULL DEFAULT false;
UPDATE idempotency_keys SET run_created = (status_code = 202);
ALTER TABLE idempotency_keys DROP COLUMN status_code;
