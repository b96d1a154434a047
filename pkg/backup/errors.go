package backup

import "errors"

// Errors of the backup domain; test with errors.Is (invalid input is a *validation.Error, see
// validation.As).
var (
	ErrNotFound      = errors.New("backup: not found")
	ErrArchived      = errors.New("backup: the schedule is archived")
	ErrNotArchived   = errors.New("backup: only an archived schedule can be deleted")
	ErrHasRuns       = errors.New("backup: the schedule has operation runs")
	ErrNoPreviousRun = errors.New("backup: the schedule has no finished run to retry")
)

// InvalidSchedule is the summary of the *validation.Error of a schedule that is not valid.
const InvalidSchedule = "The backup schedule is not valid."
