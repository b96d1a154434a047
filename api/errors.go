package api

import (
	"errors"
	"net/http"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

func isNotFound(err error) bool {
	return errors.Is(err, tenancy.ErrNotFound) || errors.Is(err, operations.ErrNotFound) || errors.Is(err, backup.ErrNotFound)
}

// domainProblem maps the domain's error values to problems, in this one place.
func domainProblem(err error) *Problem {
	fields := func() []FieldError {
		var out []FieldError
		for _, f := range tenancy.FieldErrors(err) {
			out = append(out, FieldError{Field: f.Field, Message: f.Message})
		}
		return out
	}
	if v, ok := backup.IsValidation(err); ok {
		fields := make([]FieldError, len(v.Fields))
		for i, f := range v.Fields {
			fields[i] = FieldError{Field: f.Field, Message: f.Message}
		}
		return Unprocessable("The backup schedule is not valid.", fields...)
	}
	switch {
	case isNotFound(err):
		return ErrNotFound
	case errors.Is(err, backup.ErrArchived):
		return NewProblem(http.StatusConflict, "schedule_archived", "The backup schedule is archived: restore it first.")
	case errors.Is(err, backup.ErrNotArchived):
		return NewProblem(http.StatusConflict, "schedule_not_archived", "Only an archived backup schedule can be deleted: archive it first.")
	case errors.Is(err, backup.ErrHasRuns):
		return NewProblem(http.StatusConflict, "schedule_has_runs",
			"The backup schedule has operation runs (its history); it can be deleted once they are pruned.")
	case errors.Is(err, backup.ErrNoPreviousRun):
		return NewProblem(http.StatusConflict, "no_previous_run", "The backup schedule has no finished run to retry.")
	case errors.Is(err, tenancy.ErrLastOwner):
		return NewProblem(http.StatusConflict, "last_owner", "The last owner of a workspace cannot be removed or demoted.")
	case errors.Is(err, tenancy.ErrNotWorkspaceMember):
		p := Unprocessable("A tenant membership can be granted only to a member of the tenant's workspace.",
			FieldError{Field: "user_id", Message: "is not a member of the workspace"})
		p.Code = "not_workspace_member"
		return p
	case errors.Is(err, tenancy.ErrConflict):
		p := NewProblem(http.StatusConflict, "conflict", "Something with these values exists already.")
		p.Errors = fields()
		return p
	case errors.Is(err, tenancy.ErrInvalid):
		return Unprocessable("Some values are not valid.", fields()...)
	case errors.Is(err, tenancy.ErrForbidden):
		return NewProblem(http.StatusForbidden, "forbidden", "You may not do this.")
	case errors.Is(err, tenancy.ErrInvalidCredentials):
		return unauthenticated()
	}
	return nil
}
