package tenancy

import (
	"errors"
	"strings"
)

// Errors returned by the Service and the Authenticator. Callers test them with errors.Is; the
// returned errors wrap them with the detail of what was wrong.
var (
	// ErrNotFound: the workspace, tenant, user, membership or token does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique value (email, slug, Entra tenant id) is already taken. The error is an
	// *InputError naming the field.
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input is malformed. The error is an *InputError listing every bad field.
	ErrInvalid = errors.New("invalid input")
	// ErrLastOwner: the change would leave a workspace without an owner.
	ErrLastOwner = errors.New("the last owner of a workspace cannot be removed or demoted")
	// ErrNotWorkspaceMember: a tenant membership was asked for a user outside the tenant's workspace.
	ErrNotWorkspaceMember = errors.New("user is not a member of the tenant's workspace")
	// ErrInvalidCredentials: wrong email or password, or a malformed, unknown, expired or revoked
	// token. Its wrapping message may say which; never show that to the caller.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrForbidden: the acting user may not do this (e.g. create a workspace without being a
	// platform admin).
	ErrForbidden = errors.New("forbidden")
)

// FieldError says what is wrong with one input field. Field uses the JSON names of the API
// (email, name, password, slug, entra_tenant_id, domain, role, ttl).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (f FieldError) Error() string { return f.Field + ": " + f.Message }

// InputError is an error about specific input fields. Kind is ErrInvalid (malformed values, for a
// 422) or ErrConflict (a unique value already taken, for a 409); errors.Is(err, Kind) holds.
type InputError struct {
	Kind   error
	Fields []FieldError
}

func (e *InputError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return e.Kind.Error() + ": " + strings.Join(parts, "; ")
}

func (e *InputError) Unwrap() error { return e.Kind }

// FieldErrors returns the field errors err carries, or nil when it carries none.
func FieldErrors(err error) []FieldError {
	var ie *InputError
	if errors.As(err, &ie) {
		return ie.Fields
	}
	return nil
}

// fieldErrors collects field errors while validating an input.
type fieldErrors []FieldError

func (fe *fieldErrors) add(field, message string) { *fe = append(*fe, FieldError{field, message}) }

// err is nil when nothing was added, else an ErrInvalid *InputError.
func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &InputError{Kind: ErrInvalid, Fields: fe}
}

func invalid(field, message string) error {
	return &InputError{Kind: ErrInvalid, Fields: []FieldError{{field, message}}}
}

func conflict(field, message string) error {
	return &InputError{Kind: ErrConflict, Fields: []FieldError{{field, message}}}
}
