package backup

import (
	"errors"
	"strings"
)

// Errors of the backup domain; test with errors.Is (a *ValidationError with errors.As).
var (
	ErrNotFound      = errors.New("backup: not found")
	ErrArchived      = errors.New("backup: the schedule is archived")
	ErrNotArchived   = errors.New("backup: only an archived schedule can be deleted")
	ErrHasRuns       = errors.New("backup: the schedule has operation runs")
	ErrNoPreviousRun = errors.New("backup: the schedule has no finished run to retry")
)

// FieldError says what is wrong with one field of a request.
type FieldError struct {
	Field   string
	Message string
}

// ValidationError lists every field of a schedule that is not valid.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "backup: invalid schedule: " + strings.Join(parts, "; ")
}
