package authz

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/tenancy"
)

// errReadOnly: memberships change through the tenancy service, never through casbin.
const errReadOnly Error = "authz: the membership adapter is read-only"

// Error is the type of this package's sentinel errors: constants, so no code can replace them,
// and comparable, so errors.Is finds them through %w wrapping.
type Error string

func (e Error) Error() string { return string(e) }

// adapter loads the versioned policy and turns the memberships' grants (tenancy.EachGrant) into
// grouping rules (user, role, domain):
//
//   - every workspace membership: (user, role, workspace);
//   - a workspace owner or manager is entitled to every tenant of the workspace: (user, role, tenant);
//   - an operator or readonly member is entitled only to tenants where it also holds a tenant
//     membership; there both roles are granted, so the higher one counts;
//   - a tenant membership without a membership of the tenant's workspace grants nothing.
type adapter struct {
	ctx      context.Context
	db       *gorm.DB
	policies [][]string
	domains  map[string][]string
}

func (a *adapter) LoadPolicy(m model.Model) error {
	for _, line := range strings.Split(policyText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := persist.LoadPolicyLine(line, m); err != nil {
			return fmt.Errorf("policy line %q: %w", line, err)
		}
		fields := strings.Split(line, ",")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		a.policies = append(a.policies, fields[1:])
	}

	ctx, cancel := context.WithTimeout(a.ctx, 30*time.Second)
	defer cancel()
	a.domains = map[string][]string{}
	seen := map[[3]string]bool{}
	seenDom := map[[2]string]bool{}
	return tenancy.EachGrant(ctx, a.db, func(g tenancy.Grant) error {
		rule := [3]string{userSubject(g.UserID), roleSubject(string(g.Role)), g.Domain}
		if seen[rule] {
			return nil
		}
		if !seenDom[[2]string{rule[0], g.Domain}] {
			seenDom[[2]string{rule[0], g.Domain}] = true
			a.domains[rule[0]] = append(a.domains[rule[0]], g.Domain)
		}
		seen[rule] = true
		if err := persist.LoadPolicyArray([]string{"g", rule[0], rule[1], rule[2]}, m); err != nil {
			return fmt.Errorf("grouping rule: %w", err)
		}
		return nil
	})
}

func (a *adapter) SavePolicy(model.Model) error                              { return errReadOnly }
func (a *adapter) AddPolicy(string, string, []string) error                  { return errReadOnly }
func (a *adapter) RemovePolicy(string, string, []string) error               { return errReadOnly }
func (a *adapter) RemoveFilteredPolicy(string, string, int, ...string) error { return errReadOnly }
