package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/database/dbtest"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// runCLIWithStdin is runCLI with something on stdin.
func runCLIWithStdin(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestUsersCreate(t *testing.T) {
	tdb := dbtest.New(t)
	t.Setenv("DATABASE_URL", tdb.URL)
	ctx := context.Background()

	out, _, err := runCLIWithStdin(t, "a sturdy password\nsecond line\n",
		"users", "create", "--email", "Admin@Example.com", "--name", "Ada Admin", "--platform-admin", "--password-stdin")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^created user \d+ admin@example\.com\n$`).MatchString(out) {
		t.Fatalf("stdout = %q", out)
	}
	svc := tenancy.NewService(tdb.Gorm)
	u, err := svc.Authenticate(ctx, "admin@example.com", "a sturdy password")
	if err != nil || !u.IsPlatformAdmin || u.Name != "Ada Admin" {
		t.Fatalf("the created user cannot sign in with the first line of stdin: %+v, %v", u, err)
	}

	// Without --password-stdin: a token-only user; stdin is not read.
	if out, _, err := runCLIWithStdin(t, "ignored\n", "users", "create", "--email", "bot@example.com", "--name", "Bot"); err != nil || !strings.HasPrefix(out, "created user ") {
		t.Fatalf("token-only user: %q, %v", out, err)
	}
	if b, err := svc.UserByEmail(ctx, "bot@example.com"); err != nil || b.PasswordHash != nil || b.IsPlatformAdmin {
		t.Fatalf("bot = %+v, %v", b, err)
	}

	// A taken email: one clear line, exit status 1 (not a usage error).
	out, _, err = runCLI(t, "users", "create", "--email", "ADMIN@example.com", "--name", "Again")
	if err == nil || out != "" {
		t.Fatalf("taken email: %q, %v", out, err)
	}
	if msg := err.Error(); errors.Is(err, errUsage) || strings.Contains(msg, "\n") || !strings.Contains(msg, "admin@example.com already exists") {
		t.Fatalf("taken email error: %q", msg)
	}

	for _, c := range []struct {
		stdin string
		args  []string
		want  string
		usage bool
	}{
		{"", []string{"users", "create", "--email", "x@example.com", "--name", "X", "--password-stdin"}, "stdin is empty", false},
		{"short\n", []string{"users", "create", "--email", "x@example.com", "--name", "X", "--password-stdin"}, "password: must have at least 12 characters", false},
		{"", []string{"users", "create", "--email", "not-an-email", "--name", "X"}, "email: must be a plain email address", false},
		{"", []string{"users", "create", "--name", "X"}, "needs --email and --name", true},
		{"", []string{"users", "create", "--email", "x@example.com", "--bogus"}, "flag provided but not defined", true},
		{"", []string{"users"}, "subcommand", true},
		{"", []string{"users", "delete"}, "subcommand", true},
	} {
		_, _, err := runCLIWithStdin(t, c.stdin, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || errors.Is(err, errUsage) != c.usage {
			t.Errorf("%v: error %v, want one line containing %q (usage error: %v)", c.args, err, c.want, c.usage)
		}
	}
	var n int
	if err := tdb.SQL.QueryRow(`SELECT count(*) FROM users`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("users = %d, %v: failed commands must create nothing", n, err)
	}
}

func TestTokensCreate(t *testing.T) {
	tdb := dbtest.New(t)
	t.Setenv("DATABASE_URL", tdb.URL)
	ctx := context.Background()
	if _, _, err := runCLI(t, "users", "create", "--email", "ops@example.com", "--name", "Ops"); err != nil {
		t.Fatal(err)
	}

	out, errOut, err := runCLI(t, "tokens", "create", "--email", "OPS@example.com", "--name", "deploy", "--ttl", "2h")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^ta_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Fatalf("stdout = %q, want the token alone and a newline", out)
	}
	if !strings.Contains(errOut, "ops@example.com") || !strings.Contains(errOut, "expires") {
		t.Fatalf("stderr = %q", errOut)
	}
	plain := strings.TrimSuffix(out, "\n")
	p, err := tenancy.NewAuthenticator(tdb.Gorm).Verify(ctx, plain)
	if err != nil || p.User.Email != "ops@example.com" {
		t.Fatalf("the printed token does not verify: %+v, %v", p, err)
	}
	var name string
	var hours float64
	err = tdb.SQL.QueryRow(`SELECT name, extract(epoch FROM expires_at - created_at) / 3600 FROM api_tokens WHERE id = $1`, p.TokenID).Scan(&name, &hours)
	if err != nil || name != "deploy" || hours < 1.99 || hours > 2.01 {
		t.Fatalf("token row: name %q, ttl %.2fh, %v", name, hours, err)
	}

	// Defaults: 720h; --ttl 0 never expires.
	if _, _, err := runCLI(t, "tokens", "create", "--email", "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := runCLI(t, "tokens", "create", "--email", "ops@example.com", "--ttl", "0"); err != nil || !strings.Contains(errOut, "never expires") {
		t.Fatalf("--ttl 0: %q, %v", errOut, err)
	}
	var defaults, forever int
	if err := tdb.SQL.QueryRow(`SELECT count(*) FILTER (WHERE expires_at - created_at = interval '720 hours'),
			count(*) FILTER (WHERE expires_at IS NULL) FROM api_tokens`).Scan(&defaults, &forever); err != nil || defaults != 1 || forever != 1 {
		t.Fatalf("default ttl tokens %d, non-expiring %d, %v", defaults, forever, err)
	}

	for _, c := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"tokens", "create", "--email", "nobody@example.com"}, "no user with email nobody@example.com", false},
		{[]string{"tokens", "create", "--email", "ops@example.com", "--ttl", "soon"}, `--ttl "soon"`, false},
		{[]string{"tokens", "create", "--email", "ops@example.com", "--ttl", "-1h"}, `--ttl "-1h"`, false},
		{[]string{"tokens", "create"}, "needs --email", true},
		{[]string{"tokens"}, "subcommand", true},
	} {
		out, _, err := runCLI(t, c.args...)
		if err == nil || out != "" || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || errors.Is(err, errUsage) != c.usage {
			t.Errorf("%v: stdout %q, error %v, want one line containing %q (usage error: %v)", c.args, out, err, c.want, c.usage)
		}
	}
	var n int
	if err := tdb.SQL.QueryRow(`SELECT count(*) FROM api_tokens`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("tokens = %d, %v: failed commands must issue nothing", n, err)
	}
}
