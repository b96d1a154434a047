package tenancy

import (
	"context"
	"testing"
	"time"
)

func TestInvitationLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ws, owner := f.workspace(t, "inv")
	other, _ := f.workspace(t, "other")
	alice := f.user(t, "alice@example.com", false)
	bob := f.user(t, "bob@example.com", false)

	inv, err := f.svc.Invite(ctx, ws.ID, owner.ID, " Alice@Example.com ", RoleOperator, 0)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Email != "alice@example.com" || !inv.ExpiresAt.Equal(f.clock.Now().Add(DefaultInvitationTTL)) {
		t.Fatalf("invitation %+v", inv)
	}
	_, err = f.svc.Invite(ctx, ws.ID, owner.ID, "alice@example.com", RoleReadonly, 0)
	wantErr(t, err, ErrConflict)
	wantFields(t, err, "email")
	_, err = f.svc.Invite(ctx, ws.ID, owner.ID, "not an address", "boss", 0)
	wantInvalid(t, err)
	wantFields(t, err, "email", "role")
	_, err = f.svc.Invite(ctx, ws.ID, owner.ID, owner.Email, RoleReadonly, 0)
	wantErr(t, err, ErrAlreadyMember)

	// Only the invitee sees and answers it; a foreign id is not found.
	if got, err := f.svc.InvitationsFor(ctx, bob.ID); err != nil || len(got) != 0 {
		t.Fatalf("bob's invitations = %v, %v", got, err)
	}
	_, err = f.svc.AcceptInvitation(ctx, bob.ID, inv.ID)
	wantErr(t, err, ErrNotFound)
	got, err := f.svc.InvitationsFor(ctx, alice.ID)
	if err != nil || len(got) != 1 || got[0].WorkspaceName != ws.Name || got[0].InviterName == nil || *got[0].InviterName != owner.Name {
		t.Fatalf("alice's invitations = %+v, %v", got, err)
	}
	wantErr(t, f.svc.RevokeInvitation(ctx, other.ID, inv.ID), ErrNotFound)

	m, err := f.svc.AcceptInvitation(ctx, alice.ID, inv.ID)
	if err != nil || m.Role != RoleOperator || m.WorkspaceID != ws.ID {
		t.Fatalf("accept = %+v, %v", m, err)
	}
	_, err = f.svc.AcceptInvitation(ctx, alice.ID, inv.ID)
	wantErr(t, err, ErrNotFound)
	if pend, _ := f.svc.PendingInvitations(ctx, ws.ID); len(pend) != 0 {
		t.Fatalf("pending after accept: %v", pend)
	}

	// Declined and revoked invitations cannot be accepted.
	inv2, err := f.svc.Invite(ctx, ws.ID, owner.ID, "bob@example.com", RoleReadonly, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeclineInvitation(ctx, bob.ID, inv2.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AcceptInvitation(ctx, bob.ID, inv2.ID)
	wantErr(t, err, ErrNotFound)
	inv3, err := f.svc.Invite(ctx, ws.ID, owner.ID, "bob@example.com", RoleReadonly, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeInvitation(ctx, ws.ID, inv3.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AcceptInvitation(ctx, bob.ID, inv3.ID)
	wantErr(t, err, ErrNotFound)
	wms, _, _ := f.svc.MembershipsForUser(ctx, bob.ID)
	if len(wms) != 0 {
		t.Fatalf("bob is a member: %v", wms)
	}
}

func TestInvitationExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ws, owner := f.workspace(t, "exp")
	carol := f.user(t, "carol@example.com", false)
	inv, err := f.svc.Invite(ctx, ws.ID, owner.ID, carol.Email, RoleReadonly, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if got, _ := f.svc.InvitationsFor(ctx, carol.ID); len(got) != 0 {
		t.Fatalf("expired invitation listed: %v", got)
	}
	if pend, _ := f.svc.PendingInvitations(ctx, ws.ID); len(pend) != 0 {
		t.Fatalf("expired invitation pending: %v", pend)
	}
	_, err = f.svc.AcceptInvitation(ctx, carol.ID, inv.ID)
	wantErr(t, err, ErrNotFound)
	// The address can be invited again.
	if _, err := f.svc.Invite(ctx, ws.ID, owner.ID, carol.Email, RoleReadonly, 0); err != nil {
		t.Fatalf("invite again after expiry: %v", err)
	}
}

func TestRoleChangeNeedsMembership(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ws, _ := f.workspace(t, "role")
	dave := f.user(t, "dave@example.com", false)
	_, err := f.svc.ChangeWorkspaceMemberRole(ctx, ws.ID, dave.ID, RoleReadonly)
	wantErr(t, err, ErrInvitationRequired)
	_, err = f.svc.ChangeWorkspaceMemberRole(ctx, ws.ID, 999_999, RoleReadonly)
	wantErr(t, err, ErrInvitationRequired)
	if _, err := f.svc.SetWorkspaceMember(ctx, ws.ID, dave.ID, RoleReadonly); err != nil {
		t.Fatal(err)
	}
	if m, err := f.svc.ChangeWorkspaceMemberRole(ctx, ws.ID, dave.ID, RoleOperator); err != nil || m.Role != RoleOperator {
		t.Fatalf("change role = %+v, %v", m, err)
	}
}

func TestUserLookupStaysInOwnedWorkspaces(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ws, owner := f.workspace(t, "look")
	other, _ := f.workspace(t, "elsewhere")
	inside := f.user(t, "inside@example.com", false)
	outside := f.user(t, "outside@example.com", false)
	for _, m := range []struct {
		ws   int64
		user int64
	}{{ws.ID, inside.ID}, {other.ID, outside.ID}} {
		if _, err := f.svc.SetWorkspaceMember(ctx, m.ws, m.user, RoleReadonly); err != nil {
			t.Fatal(err)
		}
	}
	if u, err := f.svc.UserAmongOwnedWorkspaces(ctx, owner.ID, "INSIDE@example.com"); err != nil || u.ID != inside.ID {
		t.Fatalf("inside = %+v, %v", u, err)
	}
	_, err := f.svc.UserAmongOwnedWorkspaces(ctx, owner.ID, outside.Email)
	wantErr(t, err, ErrNotFound)
	// A readonly member owns nothing, so finds nobody, not even a colleague.
	_, err = f.svc.UserAmongOwnedWorkspaces(ctx, inside.ID, owner.Email)
	wantErr(t, err, ErrNotFound)
}

func TestTokenScopesAndPrefix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.user(t, "scoped@example.com", false)
	a := f.authenticator()

	plain, tok, err := f.svc.CreateToken(ctx, u.ID, TokenInput{Name: "ci", Scopes: []Scope{ScopeRead, ScopeRead}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenPrefix == nil || *tok.TokenPrefix != plain[:displayedPrefixLength] || len(tok.Scopes) != 1 || tok.Scopes[0] != "read" {
		t.Fatalf("token %+v", tok)
	}
	p, err := a.Verify(ctx, plain)
	if err != nil || !p.HasScope(ScopeRead) || p.HasScope(ScopeWrite) {
		t.Fatalf("principal %+v, %v", p, err)
	}
	full, _, err := f.svc.IssueToken(ctx, u.ID, "full", 0)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := a.Verify(ctx, full); err != nil || !p.HasScope(ScopeRead) || !p.HasScope(ScopeWrite) {
		t.Fatalf("full principal %+v, %v", p, err)
	}
	_, _, err = f.svc.CreateToken(ctx, u.ID, TokenInput{Scopes: []Scope{"admin"}})
	wantInvalid(t, err)
	wantFields(t, err, "scopes")

	active, err := f.svc.ActiveTokens(ctx, u.ID)
	if err != nil || len(active) != 2 {
		t.Fatalf("active = %v, %v", active, err)
	}
	revoked, err := f.svc.RevokeUserToken(ctx, u.ID, tok.ID)
	if err != nil || revoked.TokenHash != HashToken(plain) || revoked.RevokedAt == nil {
		t.Fatalf("revoke = %+v, %v", revoked, err)
	}
	if active, _ := f.svc.ActiveTokens(ctx, u.ID); len(active) != 1 {
		t.Fatalf("active after revoke = %v", active)
	}
}

// TestExistingTokensGetEveryScope: the migration gives tokens issued before scopes both.
func TestExistingTokensGetEveryScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.user(t, "old@example.com", false)
	if err := f.db.Gorm.Exec(`INSERT INTO api_tokens (user_id, name, token_hash) VALUES (?, 'old', 'x')`, u.ID).Error; err != nil {
		t.Fatal(err)
	}
	var scopes string
	if err := f.db.SQL.QueryRow(`SELECT scopes::text FROM api_tokens WHERE token_hash = 'x'`).Scan(&scopes); err != nil {
		t.Fatal(err)
	}
	if scopes != "{read,write}" {
		t.Fatalf("scopes of a token inserted without them = %s", scopes)
	}
}
