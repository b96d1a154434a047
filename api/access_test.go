package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/tenancy"
)

// scopedToken issues a token with the given scopes for u.
func (e *env) scopedToken(u tenancy.User, scopes ...tenancy.Scope) string {
	e.t.Helper()
	tok, _, err := e.tenancy.CreateToken(context.Background(), u.ID, tenancy.TokenInput{Name: "scoped", TTL: time.Hour, Scopes: scopes})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// TestReadTokenOnEveryRoute enumerates the route table: with a read token, every GET route
// answers as it does for a token with every scope, and every state-changing route answers 403
// scope_missing (before its resource is looked at, so nothing changes).
func TestReadTokenOnEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, full := e.user("owner@scope.test", true)
	read := e.scopedToken(owner, tenancy.ScopeRead)
	ws := e.id(`INSERT INTO workspaces (name, slug) VALUES ('S', 's')`)
	tn := e.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T', 'e-s')`, ws)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, ws, owner.ID)
	run := e.run(ws, &tn, "inventory_sync")
	e.reload()
	fill := strings.NewReplacer(":workspace", itoa(ws), ":tenant", itoa(tn), ":user_id", itoa(owner.ID), ":id", itoa(run))

	gets, changes := 0, 0
	for _, r := range e.srv.Routes() {
		scope := e.srv.DeclaredScope(r.Method, r.Path)
		if scope == "" || r.Method == http.MethodHead {
			continue // public or gone: no token involved; HEAD is checked with its GET
		}
		path := fill.Replace(r.Path)
		name := r.Method + " " + r.Path
		switch r.Method {
		case http.MethodGet:
			if scope != "read" {
				t.Errorf("%s declares scope %q, want read", name, scope)
			}
			gets++
			want := e.do(r.Method, path, full, nil)
			got := e.do(r.Method, path, read, nil)
			if got.Status != want.Status || strings.Contains(string(got.Body), "scope_missing") {
				t.Errorf("%s with a read token = %d %s, with every scope %d", name, got.Status, got.Body, want.Status)
			}
			if head := e.do(http.MethodHead, path, read, nil); head.Status != want.Status {
				t.Errorf("HEAD %s with a read token = %d, want %d", r.Path, head.Status, want.Status)
			}
		default:
			if scope != "write" {
				t.Errorf("%s declares scope %q, want write", name, scope)
			}
			changes++
			res := e.do(r.Method, path, read, map[string]any{})
			if res.Status != http.StatusForbidden || res.json(t)["code"] != "scope_missing" {
				t.Errorf("%s with a read token = %d %s, want 403 scope_missing", name, res.Status, res.Body)
			}
		}
	}
	if gets < 20 || changes < 15 {
		t.Fatalf("only %d GET and %d state-changing routes enumerated", gets, changes)
	}
	// The read token changed nothing: the workspace still has its one member, no token was made.
	var members, tokens int
	if err := e.db.SQL.QueryRow(`SELECT (SELECT count(*) FROM workspace_memberships), (SELECT count(*) FROM api_tokens)`).Scan(&members, &tokens); err != nil {
		t.Fatal(err)
	}
	if members != 1 || tokens != 2 {
		t.Fatalf("after the read token's requests: %d memberships, %d tokens", members, tokens)
	}
	// A write-only token cannot read.
	write := e.scopedToken(owner, tenancy.ScopeWrite)
	if res := e.do(http.MethodGet, "/api/v1/operation-runs", write, nil); res.Status != http.StatusForbidden || res.json(t)["code"] != "scope_missing" {
		t.Errorf("write-only token lists runs = %d %s", res.Status, res.Body)
	}
}

func TestMyTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, session := e.user("me@tokens.test", false)
	_, otherTok := e.user("other@tokens.test", false)

	res := e.do(http.MethodPost, "/api/v1/me/tokens", session, map[string]any{"name": "ci", "ttl": "48h", "scopes": []string{"read"}})
	if res.Status != http.StatusCreated || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create = %d %s", res.Status, res.Body)
	}
	created := res.json(t)
	secret := created["token"].(string)
	id := int64(created["id"].(float64))
	if !strings.HasPrefix(secret, created["prefix"].(string)) || created["scopes"].([]any)[0] != "read" || len(created["scopes"].([]any)) != 1 {
		t.Fatalf("created %v", created)
	}

	list := e.do(http.MethodGet, "/api/v1/me/tokens", secret, nil)
	if list.Status != http.StatusOK || strings.Contains(string(list.Body), secret) || strings.Contains(string(list.Body), "hash") {
		t.Fatalf("list = %d %s", list.Status, list.Body)
	}
	data := list.json(t)["data"].([]any)
	if len(data) != 2 {
		t.Fatalf("listed %d tokens: %s", len(data), list.Body)
	}
	for _, d := range data {
		tok := d.(map[string]any)
		if (int64(tok["id"].(float64)) == id) != tok["current"].(bool) {
			t.Errorf("current flag wrong: %v", tok)
		}
		if int64(tok["id"].(float64)) == id && tok["last_used_at"] == nil {
			t.Errorf("last_used_at not recorded for the token that listed: %v", tok)
		}
	}

	// The read token cannot make itself a stronger one, nor revoke.
	if res := e.do(http.MethodPost, "/api/v1/me/tokens", secret, map[string]any{"name": "escalate"}); res.Status != http.StatusForbidden {
		t.Errorf("read token creates a token = %d", res.Status)
	}
	for _, bad := range []map[string]any{
		{"name": ""},
		{"name": "x", "ttl": "banana"},
		{"name": "x", "ttl": "0s"},
		{"name": "x", "ttl": "9000h"},
		{"name": "x", "scopes": []string{}},
		{"name": "x", "scopes": []string{"admin"}},
	} {
		if res := e.do(http.MethodPost, "/api/v1/me/tokens", session, bad); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("create %v = %d %s", bad, res.Status, res.Body)
		}
	}
	// Another user's token is not found, and stays valid.
	if res := e.do(http.MethodDelete, "/api/v1/me/tokens/"+itoa(id), otherTok, nil); res.Status != http.StatusNotFound {
		t.Errorf("other user revokes = %d", res.Status)
	}
	if res := e.do(http.MethodGet, "/api/v1/me", secret, nil); res.Status != http.StatusOK {
		t.Fatalf("token before revocation = %d", res.Status)
	}
	if res := e.do(http.MethodDelete, "/api/v1/me/tokens/"+itoa(id), session, nil); res.Status != http.StatusNoContent {
		t.Fatalf("revoke = %d %s", res.Status, res.Body)
	}
	// Refused at once, although this process had it cached.
	if res := e.do(http.MethodGet, "/api/v1/me", secret, nil); res.Status != http.StatusUnauthorized {
		t.Errorf("revoked token = %d", res.Status)
	}
	if res := e.do(http.MethodGet, "/api/v1/me/tokens", session, nil); len(res.json(t)["data"].([]any)) != 1 {
		t.Errorf("revoked token still listed: %s", res.Body)
	}
	_ = u
}

func TestInvitations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, adminTok := e.user("admin@inv.test", true)
	owner, ownerTok := e.user("owner@inv.test", false)
	invitee, inviteeTok := e.user("invitee@inv.test", false)
	stranger, strangerTok := e.user("stranger@inv.test", false)
	ws := e.id(`INSERT INTO workspaces (name, slug) VALUES ('Inv', 'inv')`)
	other := e.id(`INSERT INTO workspaces (name, slug) VALUES ('Other', 'other')`)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, ws, owner.ID)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, other, admin.ID)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, ws, admin.ID)
	e.id(`INSERT INTO workspace_memberships (workspace_id, user_id, role) VALUES ($1, $2, 'readonly')`, other, stranger.ID)
	e.reload()
	wsPath := "/api/v1/workspaces/" + itoa(ws)

	// An owner cannot add a non-member directly, whether or not the user exists.
	for _, id := range []int64{invitee.ID, 999_999} {
		res := e.do(http.MethodPut, wsPath+"/members/"+itoa(id), ownerTok, map[string]string{"role": "readonly"})
		if res.Status != http.StatusForbidden || res.json(t)["code"] != "invitation_required" {
			t.Errorf("owner adds user %d directly = %d %s", id, res.Status, res.Body)
		}
	}
	// The owner looks up only members of workspaces they own.
	if res := e.do(http.MethodGet, "/api/v1/users?email=stranger@inv.test", ownerTok, nil); res.Status != http.StatusOK || len(res.json(t)["data"].([]any)) != 0 {
		t.Errorf("owner finds a user of another workspace: %d %s", res.Status, res.Body)
	}
	if res := e.do(http.MethodGet, "/api/v1/users?email=owner@inv.test", ownerTok, nil); len(res.json(t)["data"].([]any)) != 1 {
		t.Errorf("owner does not find a member of their workspace: %s", res.Body)
	}
	if res := e.do(http.MethodGet, "/api/v1/users?email=stranger@inv.test", adminTok, nil); len(res.json(t)["data"].([]any)) != 1 {
		t.Errorf("platform admin does not find a user: %s", res.Body)
	}

	// Inviting an existing and an unknown address answer alike.
	a := e.do(http.MethodPost, wsPath+"/invitations", ownerTok, map[string]string{"email": "Invitee@inv.test", "role": "operator"})
	b := e.do(http.MethodPost, wsPath+"/invitations", ownerTok, map[string]string{"email": "nobody@inv.test", "role": "operator"})
	if a.Status != http.StatusCreated || b.Status != http.StatusCreated {
		t.Fatalf("invite = %d %s / %d %s", a.Status, a.Body, b.Status, b.Body)
	}
	invID := int64(a.json(t)["id"].(float64))
	if res := e.do(http.MethodPost, wsPath+"/invitations", ownerTok, map[string]string{"email": "invitee@inv.test", "role": "readonly"}); res.Status != http.StatusConflict {
		t.Errorf("second pending invitation = %d", res.Status)
	}
	if res := e.do(http.MethodPost, wsPath+"/invitations", ownerTok, map[string]string{"email": "owner@inv.test", "role": "readonly"}); res.Status != http.StatusConflict || res.json(t)["code"] != "already_member" {
		t.Errorf("invite a member = %d %s", res.Status, res.Body)
	}
	if res := e.do(http.MethodPost, wsPath+"/invitations", ownerTok, map[string]string{"email": "x", "role": "king"}); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("invalid invitation = %d", res.Status)
	}
	// Members without members.manage, and non-members, cannot invite or see invitations.
	if res := e.do(http.MethodGet, wsPath+"/invitations", strangerTok, nil); res.Status != http.StatusNotFound {
		t.Errorf("non-member lists invitations = %d", res.Status)
	}
	pending := e.do(http.MethodGet, wsPath+"/invitations", ownerTok, nil)
	if pending.Status != http.StatusOK || len(pending.json(t)["data"].([]any)) != 2 {
		t.Fatalf("pending = %d %s", pending.Status, pending.Body)
	}

	// Only the invitee sees and accepts it.
	if res := e.do(http.MethodGet, "/api/v1/me/invitations", strangerTok, nil); len(res.json(t)["data"].([]any)) != 0 {
		t.Errorf("stranger sees invitations: %s", res.Body)
	}
	if res := e.do(http.MethodPost, "/api/v1/me/invitations/"+itoa(invID)+"/accept", strangerTok, nil); res.Status != http.StatusNotFound {
		t.Errorf("stranger accepts = %d", res.Status)
	}
	mine := e.do(http.MethodGet, "/api/v1/me/invitations", inviteeTok, nil)
	got := mine.json(t)["data"].([]any)
	if len(got) != 1 || got[0].(map[string]any)["workspace_name"] != "Inv" || got[0].(map[string]any)["invited_by"] != "owner" {
		t.Fatalf("invitee's invitations: %s", mine.Body)
	}
	if res := e.do(http.MethodGet, wsPath+"/tenants", inviteeTok, nil); res.Status != http.StatusNotFound {
		t.Errorf("invitee before accepting = %d", res.Status)
	}
	acc := e.do(http.MethodPost, "/api/v1/me/invitations/"+itoa(invID)+"/accept", inviteeTok, nil)
	if acc.Status != http.StatusOK || acc.json(t)["role"] != "operator" {
		t.Fatalf("accept = %d %s", acc.Status, acc.Body)
	}
	if res := e.do(http.MethodGet, wsPath+"/tenants", inviteeTok, nil); res.Status != http.StatusOK {
		t.Errorf("member after accepting lists tenants = %d", res.Status)
	}
	if res := e.do(http.MethodPost, "/api/v1/me/invitations/"+itoa(invID)+"/accept", inviteeTok, nil); res.Status != http.StatusNotFound {
		t.Errorf("accept twice = %d", res.Status)
	}
	// Now a member, the owner may change the invitee's role.
	if res := e.do(http.MethodPut, wsPath+"/members/"+itoa(invitee.ID), ownerTok, map[string]string{"role": "readonly"}); res.Status != http.StatusOK {
		t.Errorf("owner changes a member's role = %d %s", res.Status, res.Body)
	}
	members := e.do(http.MethodGet, wsPath+"/members", ownerTok, nil)
	if members.Status != http.StatusOK || len(members.json(t)["data"].([]any)) != 3 {
		t.Errorf("members = %d %s", members.Status, members.Body)
	}

	// Revoking: the other invitation goes; a foreign workspace's id is not found.
	otherID := int64(b.json(t)["id"].(float64))
	if res := e.do(http.MethodDelete, "/api/v1/workspaces/"+itoa(other)+"/invitations/"+itoa(otherID), adminTok, nil); res.Status != http.StatusNotFound {
		t.Errorf("revoke through another workspace = %d", res.Status)
	}
	if res := e.do(http.MethodDelete, wsPath+"/invitations/"+itoa(otherID), ownerTok, nil); res.Status != http.StatusNoContent {
		t.Errorf("revoke = %d", res.Status)
	}
	if res := e.do(http.MethodGet, wsPath+"/invitations", ownerTok, nil); len(res.json(t)["data"].([]any)) != 0 {
		t.Errorf("pending after accept and revoke: %s", res.Body)
	}

	// Declining; a platform admin still adds directly.
	d := e.do(http.MethodPost, wsPath+"/invitations", ownerTok, map[string]string{"email": "stranger@inv.test", "role": "readonly"})
	did := itoa(int64(d.json(t)["id"].(float64)))
	if res := e.do(http.MethodPost, "/api/v1/me/invitations/"+did+"/decline", strangerTok, nil); res.Status != http.StatusNoContent {
		t.Errorf("decline = %d", res.Status)
	}
	if res := e.do(http.MethodPost, "/api/v1/me/invitations/"+did+"/accept", strangerTok, nil); res.Status != http.StatusNotFound {
		t.Errorf("accept after decline = %d", res.Status)
	}
	if res := e.do(http.MethodPut, wsPath+"/members/"+itoa(stranger.ID), adminTok, map[string]string{"role": "readonly"}); res.Status != http.StatusOK {
		t.Errorf("platform admin adds directly = %d %s", res.Status, res.Body)
	}
}
