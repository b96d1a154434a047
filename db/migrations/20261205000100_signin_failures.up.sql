-- Failed (and in-flight) sign-in attempts, per account and per client address, shared by every API
-- process. key is "account:<sha256 of the lower-cased email>" or "address:<ip or IPv6 /64>"; the
-- email itself is not stored. An attempt is counted when it starts and forgiven when it succeeds;
-- past the free attempts each one locks the key for a growing delay (locked_until).
CREATE TABLE signin_failures (
    key             text PRIMARY KEY,
    failures        integer NOT NULL CHECK (failures >= 0),
    last_failure_at timestamptz NOT NULL,
    locked_until    timestamptz
);

-- Pruning of forgotten keys walks this.
CREATE INDEX signin_failures_last_failure_at ON signin_failures (last_failure_at);
