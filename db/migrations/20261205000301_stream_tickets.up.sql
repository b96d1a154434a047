-- Short-lived, single-use tickets that open a run event stream (EventSource cannot send an
-- Authorization header). Only the SHA-256 of a ticket is stored; a ticket speaks for the token
-- it was obtained with, and is refused once that token is revoked.
CREATE TABLE stream_tickets (
    ticket_hash text PRIMARY KEY,
    token_hash  text NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX stream_tickets_expires_at_idx ON stream_tickets (expires_at);
