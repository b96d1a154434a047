-- What a running run has done so far, as its worker reports it (at most once a second).
ALTER TABLE operation_runs
    ADD COLUMN progress_processed bigint CHECK (progress_processed >= 0),
    ADD COLUMN progress_total     bigint CHECK (progress_total >= 0);
