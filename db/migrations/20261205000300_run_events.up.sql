-- Run change events: one row per change of a run, numbered in commit order, announced with
-- pg_notify on tenantatlas_run_events (payload "<run id>:<seq>", never run data).
--
-- A row is inserted by the transaction that changes the run, without its number. A deferred
-- constraint trigger numbers it when that transaction commits, under a transaction-level
-- advisory lock that is held until the commit is visible: numbers are therefore handed out in
-- commit order, and a reader that has seen number N has seen every number below N that will
-- ever exist. That is what lets a client resume with "everything after N" and lose nothing.
CREATE SEQUENCE run_events_seq AS bigint;

CREATE TABLE run_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq        bigint UNIQUE,
    run_id     bigint NOT NULL,
    change     text NOT NULL CHECK (change IN ('created', 'started', 'progress', 'completed', 'cancel_requested')),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- No foreign key: the events of a pruned run may outlive it by up to the events' retention.
CREATE INDEX run_events_created_at_idx ON run_events (created_at);

-- The highest number pruned: a client that resumes from below it may have missed events.
CREATE TABLE run_events_horizon (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    pruned_through bigint NOT NULL DEFAULT 0
);
INSERT INTO run_events_horizon DEFAULT VALUES;

CREATE FUNCTION run_events_number() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    -- 7201 / 1: the class and key of this lock; nothing else takes it.
    PERFORM pg_advisory_xact_lock(7201, 1);
    UPDATE run_events SET seq = nextval('run_events_seq') WHERE id = NEW.id RETURNING seq INTO n;
    PERFORM pg_notify('tenantatlas_run_events', NEW.run_id::text || ':' || n::text);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER run_events_number
    AFTER INSERT ON run_events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION run_events_number();
