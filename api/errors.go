package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/tenantatlas/operations/pkg/backup"
	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/notify"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
	"github.com/tenantatlas/operations/pkg/validation"
)

func isNotFound(err error) bool {
	return errors.Is(err, tenancy.ErrNotFound) || errors.Is(err, operations.ErrNotFound) || errors.Is(err, backup.ErrNotFound) ||
		errors.Is(err, drift.ErrNotFound) || errors.Is(err, notify.ErrNotFound)
}

// fieldErrors renders a domain's field errors.
func fieldErrors(fields []validation.Field) []FieldError {
	if len(fields) == 0 {
		return nil
	}
	out := make([]FieldError, len(fields))
	for i, f := range fields {
		out[i] = FieldError{Field: f.Field, Message: f.Message}
	}
	return out
}

// validationProblem is the problem of invalid input: 400 when it is malformed, else 422, with
// one field error per offending field.
func validationProblem(v *validation.Error) *Problem {
	if v.Malformed {
		detail := v.Summary
		if detail == "" {
			detail = "A query parameter is invalid."
		}
		return BadRequest("invalid_parameter", detail, fieldErrors(v.Fields)...)
	}
	detail := v.Summary
	if detail == "" {
		detail = "Some values are not valid."
	}
	return Unprocessable(detail, fieldErrors(v.Fields)...)
}

// domainProblem maps the domain's error values to problems, in this one place.
func domainProblem(err error) *Problem {
	if v, ok := validation.As(err); ok {
		return validationProblem(v)
	}
	var conflict *tenancy.ConflictError
	var throttled *tenancy.ThrottledError
	var confirm *drift.ConfirmRequiredError
	switch {
	case database.IsUnavailable(err):
		return databaseUnavailable()
	case isNotFound(err):
		return ErrNotFound
	case errors.As(err, &confirm):
		p := NewProblem(http.StatusConflict, "findings.confirm_required",
			"The filter matches "+strconv.FormatInt(confirm.Count, 10)+" findings to acknowledge; acknowledging more than "+
				strconv.Itoa(drift.ConfirmThreshold)+" needs \"confirm\" set to that exact count. Nothing was changed.")
		p.Count = &confirm.Count
		return p
	case errors.Is(err, drift.ErrBlocked):
		return NewProblem(http.StatusConflict, "drift.blocked", drift.BlockedMessage+".")
	case errors.Is(err, operations.ErrAlreadyCompleted):
		return NewProblem(http.StatusConflict, "run.completed", "The run has completed; only a queued or running run can be cancelled.")
	case errors.Is(err, operations.ErrNotActionable):
		return NewProblem(http.StatusConflict, "run.not_actionable", "Runs of this type cannot be cancelled or retried.")
	case errors.Is(err, operations.ErrNotRetryable):
		return NewProblem(http.StatusConflict, "run.not_retryable",
			"Only a completed run that failed, partially succeeded, was cancelled or was blocked can be retried.")
	case errors.Is(err, operations.ErrIdempotencyKeyReused):
		return Unprocessable("The Idempotency-Key was already used for a different request.",
			FieldError{Field: "Idempotency-Key", Message: "already used for a different request"})
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
	case errors.Is(err, tenancy.ErrInvitationRequired):
		return NewProblem(http.StatusForbidden, "invitation_required",
			"Only members' roles can be changed here; invite someone new with POST /api/v1/workspaces/{workspace}/invitations.")
	case errors.Is(err, tenancy.ErrAlreadyMember):
		p := NewProblem(http.StatusConflict, "already_member", "The address belongs to a member of the workspace already.")
		p.Errors = []FieldError{{Field: "email", Message: "is a member already"}}
		return p
	case errors.Is(err, tenancy.ErrNotWorkspaceMember):
		p := Unprocessable("A tenant membership can be granted only to a member of the tenant's workspace.",
			FieldError{Field: "user_id", Message: "is not a member of the workspace"})
		p.Code = "not_workspace_member"
		return p
	case errors.Is(err, tenancy.ErrConflict):
		p := NewProblem(http.StatusConflict, "conflict", "Something with these values exists already.")
		if errors.As(err, &conflict) {
			p.Errors = fieldErrors(conflict.Fields)
		}
		return p
	case errors.Is(err, tenancy.ErrForbidden):
		return NewProblem(http.StatusForbidden, "forbidden", "You may not do this.")
	case errors.As(err, &throttled):
		return tooManyRequests("signin_throttled",
			"Too many failed sign-ins for this account or from this address; try again after Retry-After seconds.", throttled.RetryAfter)
	case errors.Is(err, tenancy.ErrSignInBusy):
		return tooManyRequests("signin_busy", "Too many sign-ins at once; try again in a moment.", time.Second)
	case errors.Is(err, tenancy.ErrSignInFailed):
		return NewProblem(http.StatusUnauthorized, "invalid_credentials", "The email or password is wrong.")
	case errors.Is(err, tenancy.ErrInvalidCredentials):
		return unauthenticated()
	}
	return nil
}
