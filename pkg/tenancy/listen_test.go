package tenancy

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

func receive(t *testing.T, ch <-chan string, what string) string {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10s", what)
		return ""
	}
}

func nothing(t *testing.T, ch <-chan string, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %q", what, v)
	case <-time.After(300 * time.Millisecond):
	}
}

// Changes made through one connection reach the handlers of a Listen on another, only when they
// commit, and keep doing so after the listening connection is killed.
func TestListenDeliversNotifications(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u, err := url.Parse(f.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", "tenancy_listen_test")
	u.RawQuery = q.Encode()

	auth := f.authenticator()
	tokens, memberships, reconnects := make(chan string, 16), make(chan string, 16), make(chan string, 16)
	listenCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- Listen(listenCtx, u.String(), map[string]func(string){
			ChannelTokens: func(hash string) {
				auth.Invalidate(hash)
				tokens <- hash
			},
			ChannelMemberships: func(payload string) { memberships <- payload },
		}, func() {
			auth.InvalidateAll()
			reconnects <- "reconnect"
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Listen returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Listen did not return after its context was cancelled")
		}
	})
	receive(t, reconnects, "first connection")

	// A workspace: its creator's membership is announced.
	ws, owner := f.workspace(t, "listened")
	c, err := ParseMembershipChange(receive(t, memberships, "membership notification"))
	if err != nil || c != (MembershipChange{Scope: ScopeWorkspace, ScopeID: ws.ID, UserID: owner.ID}) {
		t.Fatalf("membership change = %+v, %v", c, err)
	}
	tn, err := f.svc.CreateTenant(ctx, ws.ID, CreateTenantInput{Name: "T", EntraTenantID: "00000000-0000-4000-8000-0000000000aa"})
	if err != nil {
		t.Fatal(err)
	}
	c, _ = ParseMembershipChange(receive(t, memberships, "tenant notification"))
	if c != (MembershipChange{Scope: ScopeTenant, ScopeID: tn.ID}) {
		t.Fatalf("tenant change = %+v", c)
	}
	// A refused change rolls back, and its notification with it.
	_, err = f.svc.SetWorkspaceMember(ctx, ws.ID, owner.ID, RoleReadonly)
	wantErr(t, err, ErrLastOwner)
	nothing(t, memberships, "notification of a rolled-back change")

	// A token revoked by "another process" is refused by this one's Authenticator at once.
	plain, tok, err := f.svc.IssueToken(ctx, owner.ID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Verify(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeToken(ctx, owner.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, tokens, "token notification"); got != tok.TokenHash {
		t.Fatalf("token payload = %q, want %q", got, tok.TokenHash)
	}
	_, err = auth.Verify(ctx, plain)
	wantErr(t, err, ErrInvalidCredentials)

	// Kill the listening connection: Listen reconnects and says so.
	var killed int
	err = f.db.SQL.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'tenancy_listen_test' AND datname = current_database()`).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminated %d listening connections, %v", killed, err)
	}
	receive(t, reconnects, "reconnect")
	plain2, tok2, err := f.svc.IssueToken(ctx, owner.ID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeTokenByPlaintext(ctx, plain2); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, tokens, "token notification after reconnect"); got != tok2.TokenHash {
		t.Fatalf("token payload after reconnect = %q", got)
	}
	member := f.user(t, "member@example.com", false)
	if _, err := f.svc.SetWorkspaceMember(ctx, ws.ID, member.ID, RoleOperator); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetTenantMember(ctx, tn.ID, member.ID, RoleOperator); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveWorkspaceMember(ctx, ws.ID, member.ID); err != nil {
		t.Fatal(err)
	}
	var got []MembershipChange
	for range 4 {
		c, err := ParseMembershipChange(receive(t, memberships, "membership notification"))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	want := []MembershipChange{
		{ScopeWorkspace, ws.ID, member.ID}, {ScopeTenant, tn.ID, member.ID}, // set
		{ScopeTenant, tn.ID, member.ID}, {ScopeWorkspace, ws.ID, member.ID}, // removal, tenant memberships first
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("membership changes = %+v, want %+v", got, want)
		}
	}
}

func TestListenRefusesAnUnusableConfiguration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if err := Listen(ctx, "postgres://localhost/x", nil, nil); err == nil {
		t.Fatal("Listen without channels returned nil")
	}
	err := Listen(ctx, "postgres://user:hunter2@[bad", map[string]func(string){ChannelTokens: func(string) {}}, nil)
	if err == nil {
		t.Fatal("Listen with a malformed URL returned nil")
	}
	if s := err.Error(); len(s) == 0 || strings.Contains(s, "hunter2") {
		t.Fatalf("error %q", s)
	}
}

func TestParseMembershipChange(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "{", `{"scope":"galaxy","scope_id":1}`} {
		if _, err := ParseMembershipChange(bad); err == nil {
			t.Errorf("ParseMembershipChange(%q) succeeded", bad)
		}
	}
}
