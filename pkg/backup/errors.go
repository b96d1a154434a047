package backup

// Errors of the backup domain; test with errors.Is (invalid input is a *validation.Error, see
// validation.As).
const (
	ErrNotFound      Error = "backup: not found"
	ErrArchived      Error = "backup: the schedule is archived"
	ErrNotArchived   Error = "backup: only an archived schedule can be deleted"
	ErrHasRuns       Error = "backup: the schedule has operation runs"
	ErrNoPreviousRun Error = "backup: the schedule has no finished run to retry"
)

// Error is the type of this package's sentinel errors: constants, so no code can replace them,
// and comparable, so errors.Is finds them through %w wrapping.
type Error string

func (e Error) Error() string { return string(e) }

// InvalidSchedule is the summary of the *validation.Error of a schedule that is not valid.
const InvalidSchedule = "The backup schedule is not valid."
