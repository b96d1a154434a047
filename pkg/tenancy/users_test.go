package tenancy

import (
	"context"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"
)

func ptr[T any](v T) *T { return &v }

func TestCreateUserNormalisesEmailAndHashesPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.svc.CreateUser(ctx, CreateUserInput{Email: "  Alice@Example.COM ", Name: " Alice ", Password: ptr("correct horse battery"), PlatformAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "alice@example.com" || u.Name != "Alice" || !u.IsPlatformAdmin {
		t.Fatalf("user = %+v", u)
	}
	var stored string
	if err := f.db.SQL.QueryRow(`SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "$argon2id$") || !CheckPassword("correct horse battery", stored) {
		t.Fatalf("stored password hash %q", stored)
	}
	for _, email := range []string{"alice@example.com", "ALICE@EXAMPLE.COM"} {
		got, err := f.svc.UserByEmail(ctx, email)
		if err != nil || got.ID != u.ID {
			t.Fatalf("UserByEmail(%s) = %+v, %v", email, got, err)
		}
	}
	if got, err := f.svc.UserByID(ctx, u.ID); err != nil || got.Email != u.Email {
		t.Fatalf("UserByID = %+v, %v", got, err)
	}
	_, err = f.svc.UserByID(ctx, u.ID+1000)
	wantErr(t, err, ErrNotFound)
	_, err = f.svc.UserByEmail(ctx, "nobody@example.com")
	wantErr(t, err, ErrNotFound)

	// Without a password: a token-only user.
	b, err := f.svc.CreateUser(ctx, CreateUserInput{Email: "bot@example.com", Name: "Bot"})
	if err != nil || b.PasswordHash != nil {
		t.Fatalf("token-only user = %+v, %v", b, err)
	}
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.CreateUser(ctx, CreateUserInput{Email: "not an email", Name: "  ", Password: ptr("short")})
	wantInvalid(t, err)
	wantFields(t, err, "email", "name", "password")

	for _, email := range []string{"", "Bob <bob@example.com>", "bob@", "@example.com", strings.Repeat("a", 250) + "@example.com"} {
		_, err := f.svc.CreateUser(ctx, CreateUserInput{Email: email, Name: "Bob"})
		wantInvalid(t, err)
		wantFields(t, err, "email")
	}
	_, err = f.svc.CreateUser(ctx, CreateUserInput{Email: "bob@example.com", Name: strings.Repeat("é", 256)})
	wantFields(t, err, "name")
	if _, err := f.svc.CreateUser(ctx, CreateUserInput{Email: "bob@example.com", Name: strings.Repeat("é", 255)}); err != nil {
		t.Fatalf("255-character name: %v", err)
	}
	var n int
	if err := f.db.SQL.QueryRow(`SELECT count(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("users = %d, %v; invalid input must change nothing", n, err)
	}
}

func TestCreateUserEmailConflict(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "carol@example.com", false)
	_, err := f.svc.CreateUser(ctx, CreateUserInput{Email: "CAROL@example.com", Name: "Carol again"})
	wantErr(t, err, ErrConflict)
	wantFields(t, err, "email")
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.svc.CreateUser(ctx, CreateUserInput{Email: "dave@example.com", Name: "Dave", Password: ptr("a long enough password")})
	if err != nil {
		t.Fatal(err)
	}
	f.user(t, "tokens-only@example.com", false)

	got, err := f.svc.Authenticate(ctx, " Dave@Example.com", "a long enough password")
	if err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	for _, c := range []struct{ email, password string }{
		{"dave@example.com", "a long enough passwore"},
		{"dave@example.com", ""},
		{"nobody@example.com", "a long enough password"},
		{"tokens-only@example.com", "a long enough password"},
		{"tokens-only@example.com", ""},
	} {
		_, err := f.svc.Authenticate(ctx, c.email, c.password)
		wantErr(t, err, ErrInvalidCredentials)
		wantErr(t, err, ErrSignInFailed)
	}
}

// The dummy comparison costs what a real one does only while its parameters are the service's.
func TestDummyPasswordHashUsesPasswordParams(t *testing.T) {
	t.Parallel()
	for _, params := range []*argon2id.Params{DefaultPasswordParams, PasswordParamsFor(256<<20, 4)} {
		svc := NewService(nil, WithPasswordParams(params))
		p, _, _, err := argon2id.DecodeHash(svc.signIn.dummyHash())
		if err != nil {
			t.Fatal(err)
		}
		if !sameParams(p, params) {
			t.Fatalf("dummy hash params %+v, password params %+v", *p, *params)
		}
	}
}
