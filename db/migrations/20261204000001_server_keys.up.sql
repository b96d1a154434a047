-- Keys the API processes share when TENANTATLAS_SECRET_KEY is not set (for example the key that
-- seals list cursors). The first process to start inserts a random key; every other process reads
-- the same row, so a cursor one process issued opens on any other.
CREATE TABLE server_keys (
    name       text PRIMARY KEY,
    key        bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT server_keys_key_length CHECK (octet_length(key) >= 32)
);
