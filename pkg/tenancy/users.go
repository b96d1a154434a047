package tenancy

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/validation"
)

// MaxNameLength bounds the names of users, workspaces, tenants and tokens, in characters.
const MaxNameLength = 255

// maxEmailLength is the longest address SMTP can carry (RFC 5321).
const maxEmailLength = 254

// CreateUserInput is a new user. Password nil creates a user who signs in with API tokens only.
type CreateUserInput struct {
	Email         string
	Name          string
	Password      *string
	PlatformAdmin bool
}

// NormalizeEmail trims and lower-cases an address, the form in which emails are stored and looked up.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func validateEmail(fe *validation.Fields, email string) {
	switch {
	case email == "":
		fe.Add("email", "is required")
	case len(email) > maxEmailLength:
		fe.Add("email", fmt.Sprintf("must be at most %d characters", maxEmailLength))
	default:
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Name != "" || addr.Address != email {
			fe.Add("email", "must be a plain email address such as name@example.com")
		}
	}
}

// validateName checks a required display name and returns it trimmed.
func validateName(fe *validation.Fields, field, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		fe.Add(field, "is required")
	case utf8.RuneCountInString(name) > MaxNameLength:
		fe.Add(field, fmt.Sprintf("must be at most %d characters", MaxNameLength))
	case !utf8.ValidString(name):
		fe.Add(field, "must be valid UTF-8")
	}
	return name
}

// CreateUser creates a user. The email is stored in lower case; a taken email is an ErrConflict.
func (s *Service) CreateUser(ctx context.Context, in CreateUserInput) (User, error) {
	var fe validation.Fields
	email := NormalizeEmail(in.Email)
	validateEmail(&fe, email)
	name := validateName(&fe, "name", in.Name)
	var hash *string
	if in.Password != nil {
		if len(*in.Password) < MinPasswordLength {
			fe.Add("password", fmt.Sprintf("must have at least %d characters", MinPasswordLength))
		}
	}
	if err := fe.Invalid(invalidSummary); err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	if in.Password != nil {
		release, err := s.signIn.limiter.Acquire(ctx)
		if err != nil {
			return User{}, fmt.Errorf("create user: %w", err)
		}
		h, err := hashPassword(*in.Password, s.signIn.params)
		release()
		if err != nil {
			return User{}, fmt.Errorf("create user: %w", err)
		}
		hash = &h
	}
	now := s.clockNow()
	u := User{Email: email, Name: name, PasswordHash: hash, IsPlatformAdmin: in.PlatformAdmin, CreatedAt: now, UpdatedAt: now}
	if err := s.db.WithContext(ctx).Create(&u).Error; err != nil {
		if database.IsUniqueViolation(err, "users_email_key") {
			return User{}, fmt.Errorf("create user %s: %w", email, conflict("email", "is already taken"))
		}
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByID returns a user, or ErrNotFound.
func (s *Service) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return User{}, notFound(err, "user %d", id)
	}
	return u, nil
}

// UserByEmail returns the user with that email, in any case, or ErrNotFound.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	email = NormalizeEmail(email)
	var u User
	if err := s.db.WithContext(ctx).Where("lower(email) = ?", email).Take(&u).Error; err != nil {
		return User{}, notFound(err, "user %s", email)
	}
	return u, nil
}

// Authenticate checks an email and password. An unknown email, a user without a password and a
// wrong password are all ErrSignInFailed (and ErrInvalidCredentials), and all cost one argon2id
// comparison, so that timing does not tell which emails exist. The comparison waits for a slot of
// the service's VerifyLimiter (else ErrSignInBusy). A hash made with other parameters than the
// service's is replaced after a successful comparison. It does not throttle: sign-in from the
// network goes through SignIn.
func (s *Service) Authenticate(ctx context.Context, email, password string) (User, error) {
	release, err := s.signIn.limiter.Acquire(ctx)
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	defer release()
	return s.authenticate(ctx, email, password)
}

// authenticate is Authenticate within a verification slot the caller holds.
func (s *Service) authenticate(ctx context.Context, email, password string) (User, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	if err != nil || u.PasswordHash == nil {
		checkPassword(password, s.signIn.dummyHash())
		return User{}, signInFailed()
	}
	ok, params := checkPassword(password, *u.PasswordHash)
	if !ok {
		return User{}, signInFailed()
	}
	if !sameParams(params, s.signIn.params) {
		s.rehash(ctx, &u, password)
	}
	return u, nil
}

// signInFailed is the error of a refused email and password.
func signInFailed() error {
	return fmt.Errorf("authenticate: %w: %w", ErrSignInFailed, ErrInvalidCredentials)
}

// userExists reports ErrNotFound for a missing user, inside tx.
func userExists(tx *gorm.DB, id int64) error {
	var n int64
	if err := tx.Model(&User{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return fmt.Errorf("user %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	return nil
}
