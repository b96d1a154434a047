package api

import (
	"errors"
	"net/http"

	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

func isNotFound(err error) bool {
	return errors.Is(err, tenancy.ErrNotFound) || errors.Is(err, operations.ErrNotFound)
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
	switch {
	case isNotFound(err):
		return ErrNotFound
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
