package tenancy

import (
	"strings"

	"github.com/tenantatlas/operations/pkg/validation"
)

// Errors returned by the Service and the Authenticator. Callers test them with errors.Is; the
// returned errors wrap them with the detail of what was wrong. Invalid input is a
// *validation.Error listing every bad field (Field uses the JSON names of the API: email, name,
// password, slug, entra_tenant_id, domain, role, ttl).
const (
	// ErrNotFound: the workspace, tenant, user, membership or token does not exist.
	ErrNotFound Error = "not found"
	// ErrConflict: a unique value (email, slug, Entra tenant id) is already taken. The error is a
	// *ConflictError naming the field.
	ErrConflict Error = "conflict"
	// ErrLastOwner: the change would leave a workspace without an owner.
	ErrLastOwner Error = "the last owner of a workspace cannot be removed or demoted"
	// ErrNotWorkspaceMember: a tenant membership was asked for a user outside the tenant's workspace.
	ErrNotWorkspaceMember Error = "user is not a member of the tenant's workspace"
	// ErrInvalidCredentials: wrong email or password, or a malformed, unknown, expired or revoked
	// token. Its wrapping message may say which; never show that to the caller.
	ErrInvalidCredentials Error = "invalid credentials"
	// ErrSignInFailed: Authenticate refused the email and password. Every such error is also an
	// ErrInvalidCredentials; this one tells a failed sign-in from a bad token.
	ErrSignInFailed Error = "wrong email or password"
	// ErrInvitationRequired: a user who is not a member of a workspace can join it only by
	// accepting an invitation (platform admins add members directly).
	ErrInvitationRequired Error = "joining a workspace takes an invitation"
	// ErrAlreadyMember: the invited address belongs to a member of the workspace already.
	ErrAlreadyMember Error = "already a member of the workspace"
	// ErrForbidden: the acting user may not do this (e.g. create a workspace without being a
	// platform admin).
	ErrForbidden Error = "forbidden"
)

// Error is the type of this package's sentinel errors: constants, so no code can replace them,
// and comparable, so errors.Is finds them through %w wrapping.
type Error string

func (e Error) Error() string { return string(e) }

// invalidSummary is the summary of every invalid input of this package.
const invalidSummary = "Some values are not valid."

// ConflictError names the fields whose unique value is already taken; errors.Is(err, ErrConflict)
// holds.
type ConflictError struct {
	Fields []validation.Field
}

func (e *ConflictError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return ErrConflict.Error() + ": " + strings.Join(parts, "; ")
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

// invalid is the *validation.Error of one bad field.
func invalid(field, message string) error {
	return validation.Fields{{Field: field, Message: message}}.Invalid(invalidSummary)
}

func conflict(field, message string) error {
	return &ConflictError{Fields: []validation.Field{{Field: field, Message: message}}}
}
