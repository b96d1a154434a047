ALTER TABLE idempotency_keys ADD COLUMN status_code integer NOT NULL DEFAULT 0;
UPDATE idempotency_keys SET status_code = CASE WHEN run_id IS NULL THEN 0 WHEN run_created THEN 202 ELSE 200 END;
ALTER TABLE idempotency_keys ALTER COLUMN status_code DROP DEFAULT;
ALTER TABLE idempotency_keys DROP COLUMN run_created;
