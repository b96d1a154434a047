DROP TRIGGER IF EXISTS run_events_number ON run_events;
DROP FUNCTION IF EXISTS run_events_number();
DROP TABLE IF EXISTS run_events_horizon;
DROP TABLE IF EXISTS run_events;
DROP SEQUENCE IF EXISTS run_events_seq;
