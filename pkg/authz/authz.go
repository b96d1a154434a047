// Package authz decides who may do what, with casbin.
//
// The role -> capability policy (policy.csv) and the model (model.conf) are versioned with the
// code. Who holds which role where comes only from the membership tables, read by a small
// read-only adapter into casbin grouping rules, one per effective (user, role, domain) triple.
// An Authorizer keeps an immutable snapshot of the enforcer in memory and swaps in a new one on
// Reload, which membership changes trigger through PostgreSQL LISTEN/NOTIFY.
//
// Decisions follow the 404/403 rule: a user who is not a member of the workspace, or not entitled
// to the tenant, gets NotFound (nothing exists for them); a member without the capability gets
// Forbidden.
package authz

import (
	"context"
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// Decision is the outcome of an authorisation check.
type Decision int

// Decisions, in the order they are checked.
const (
	NotFound  Decision = iota // not a member / not entitled: answer exactly as for a missing resource
	Forbidden                 // a member lacking the capability
	Allowed
)

// Scope is where a resource lives: a tenant of a workspace, or the workspace itself.
type Scope struct {
	WorkspaceID int64
	TenantID    *int64
}

// TenantScope is the scope of a tenant-owned resource.
func TenantScope(workspaceID, tenantID int64) Scope {
	return Scope{WorkspaceID: workspaceID, TenantID: &tenantID}
}

// WorkspaceScope is the scope of a workspace-owned resource.
func WorkspaceScope(workspaceID int64) Scope { return Scope{WorkspaceID: workspaceID} }

func (s Scope) domain() string {
	if s.TenantID != nil {
		return tenantDomain(*s.TenantID)
	}
	return workspaceDomain(s.WorkspaceID)
}

func userSubject(id int64) string     { return "user:" + strconv.FormatInt(id, 10) }
func tenantDomain(id int64) string    { return "tenant:" + strconv.FormatInt(id, 10) }
func workspaceDomain(id int64) string { return "workspace:" + strconv.FormatInt(id, 10) }
func roleSubject(role string) string  { return "role:" + role }
func parseDomain(d string) (string, int64) {
	kind, id, _ := strings.Cut(d, ":")
	n, _ := strconv.ParseInt(id, 10, 64)
	return kind, n
}

// Authorizer answers authorisation questions from an in-memory snapshot.
type Authorizer struct {
	db   *gorm.DB
	snap atomic.Pointer[snapshot]
	mu   sync.Mutex // serialises reloads
}

// snapshot is one immutable load of the memberships.
type snapshot struct {
	generation   uint64
	enf          *casbin.Enforcer
	capabilities []string            // every capability the policy names
	domains      map[string][]string // user subject -> domains it holds a role in
	caps         sync.Map            // "user|domain" -> map[string]bool
	byRole       sync.Map            // role subject -> map[string]bool
	visMu        sync.Mutex          // one Visibility computation at a time per snapshot
	vis          sync.Map            // user id -> *Visibility
}

// New loads the policy and every membership.
func New(ctx context.Context, db *gorm.DB) (*Authorizer, error) {
	a := &Authorizer{db: db}
	if err := a.Reload(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// Reload reads every membership again and swaps in a fresh snapshot; decisions in flight finish
// on the old one.
func (a *Authorizer) Reload(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return fmt.Errorf("authz model: %w", err)
	}
	ad := &adapter{ctx: ctx, db: a.db}
	enf, err := casbin.NewEnforcer(m, ad)
	if err != nil {
		return fmt.Errorf("authz load: %w", err)
	}
	enf.EnableAutoSave(false)
	s := &snapshot{enf: enf, domains: ad.domains}
	if old := a.snap.Load(); old != nil {
		s.generation = old.generation + 1
	}
	seen := map[string]bool{}
	for _, p := range ad.policies {
		if !seen[p[2]] {
			seen[p[2]] = true
			s.capabilities = append(s.capabilities, p[2])
		}
	}
	sort.Strings(s.capabilities)
	a.snap.Store(s)
	return nil
}

// Generation numbers the loaded snapshot; it changes on every Reload, so caches of answers
// derived from authorisation can key on it.
func (a *Authorizer) Generation() uint64 { return a.snap.Load().generation }

// capsIn returns the capabilities the user holds in a domain; an empty map means no role there.
func (s *snapshot) capsIn(userID int64, domain string) map[string]bool {
	key := strconv.FormatInt(userID, 10) + "|" + domain
	if v, ok := s.caps.Load(key); ok {
		return v.(map[string]bool)
	}
	roles := s.enf.GetRolesForUserInDomain(userSubject(userID), domain)
	caps := map[string]bool{}
	if len(roles) > 0 {
		// The model grants a capability when any of the user's roles in the domain has a policy
		// line for it in the wildcard domain: the union of the roles' policy lines. One lookup
		// per role (cached per snapshot) instead of one Enforce per capability, which matters for
		// callers in a thousand domains. TestCapabilitiesMatchEnforce pins the equivalence.
		for _, r := range roles {
			for c := range s.roleCaps(r) {
				caps[c] = true
			}
		}
		if len(caps) == 0 {
			// A role that grants nothing still makes the user a member.
			caps[""] = true
		}
	}
	s.caps.Store(key, caps)
	return caps
}

// roleCaps lists the capabilities a role's policy lines grant in the wildcard domain.
func (s *snapshot) roleCaps(role string) map[string]bool {
	if v, ok := s.byRole.Load(role); ok {
		return v.(map[string]bool)
	}
	caps := map[string]bool{}
	lines, err := s.enf.GetFilteredPolicy(0, role, "*")
	if err == nil {
		for _, l := range lines {
			caps[l[2]] = true
		}
	}
	s.byRole.Store(role, caps)
	return caps
}

// enforceCaps asks casbin's matcher for each capability; the reference roleCaps is tested against.
func (s *snapshot) enforceCaps(userID int64, domain string) map[string]bool {
	caps := map[string]bool{}
	for _, c := range s.capabilities {
		if ok, err := s.enf.Enforce(userSubject(userID), domain, c); err == nil && ok {
			caps[c] = true
		}
	}
	return caps
}

// Decide answers whether the user may use capability on a resource in scope.
func (a *Authorizer) Decide(userID int64, scope Scope, capability string) Decision {
	s := a.snap.Load()
	// Workspace membership is the outer boundary, whatever tenant rows say; the adapter only
	// grants tenant roles inside the user's workspaces, so a tenant role implies membership.
	caps := s.capsIn(userID, scope.domain())
	if len(caps) == 0 {
		return NotFound
	}
	if caps[capability] {
		return Allowed
	}
	return Forbidden
}

// Capabilities lists the capabilities the user holds in scope (nil when not a member).
func (a *Authorizer) Capabilities(userID int64, scope Scope) []string {
	caps := a.snap.Load().capsIn(userID, scope.domain())
	out := make([]string, 0, len(caps))
	for c := range caps {
		if c != "" {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// Visibility is everything one user may see in run lists.
type Visibility struct {
	Grants []operations.Grant
	// Tenants and Workspaces are every tenant the user is entitled to and every workspace it is a
	// member of, whatever the capabilities.
	Tenants    map[int64]bool
	Workspaces map[int64]bool
}

// Empty reports whether the user can see no run at all.
func (v *Visibility) Empty() bool { return len(v.Grants) == 0 }

// Visibility computes, once per snapshot and user, which runs the user may view: in each scope,
// the run types whose capability the user holds there.
func (a *Authorizer) Visibility(userID int64) *Visibility {
	s := a.snap.Load()
	if v, ok := s.vis.Load(userID); ok {
		return v.(*Visibility)
	}
	// Concurrent first requests of a user wait for one computation.
	s.visMu.Lock()
	defer s.visMu.Unlock()
	if v, ok := s.vis.Load(userID); ok {
		return v.(*Visibility)
	}
	v := &Visibility{Tenants: map[int64]bool{}, Workspaces: map[int64]bool{}}
	groups := map[string]*operations.Grant{}
	var order []string
	for _, dom := range s.domains[userSubject(userID)] {
		kind, id := parseDomain(dom)
		caps := s.capsIn(userID, dom)
		if len(caps) == 0 {
			continue
		}
		if kind == "tenant" {
			v.Tenants[id] = true
		} else {
			v.Workspaces[id] = true
		}
		var types []string
		all := true
		for _, t := range operations.Types() {
			if caps[t.Capability] {
				types = append(types, t.Key)
			} else {
				all = false
			}
		}
		unknown := caps[operations.CapabilityOperationsView]
		if len(types) == 0 && !unknown {
			continue
		}
		if all {
			types = nil
		}
		key := strings.Join(types, ",") + "|" + strconv.FormatBool(all) + "|" + strconv.FormatBool(unknown)
		g, ok := groups[key]
		if !ok {
			g = &operations.Grant{Types: types, Unknown: unknown}
			groups[key] = g
			order = append(order, key)
		}
		if kind == "tenant" {
			g.TenantIDs = append(g.TenantIDs, id)
		} else {
			g.WorkspaceIDs = append(g.WorkspaceIDs, id)
		}
	}
	for _, k := range order {
		g := groups[k]
		sort.Slice(g.TenantIDs, func(i, j int) bool { return g.TenantIDs[i] < g.TenantIDs[j] })
		sort.Slice(g.WorkspaceIDs, func(i, j int) bool { return g.WorkspaceIDs[i] < g.WorkspaceIDs[j] })
		v.Grants = append(v.Grants, *g)
	}
	s.vis.Store(userID, v)
	return v
}
