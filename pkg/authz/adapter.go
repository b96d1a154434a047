package authz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"gorm.io/gorm"
)

// errReadOnly: memberships change through the tenancy service, never through casbin.
var errReadOnly = errors.New("authz: the membership adapter is read-only")

// adapter loads the versioned policy and turns memberships into grouping rules:
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

const groupingSQL = `
SELECT wm.user_id, wm.role, 'workspace:' || wm.workspace_id
FROM workspace_memberships wm
UNION ALL
SELECT wm.user_id, wm.role, 'tenant:' || t.id
FROM workspace_memberships wm
JOIN tenants t ON t.workspace_id = wm.workspace_id
WHERE wm.role IN ('owner', 'manager')
   OR EXISTS (SELECT 1 FROM tenant_memberships tm WHERE tm.tenant_id = t.id AND tm.user_id = wm.user_id)
UNION ALL
SELECT tm.user_id, tm.role, 'tenant:' || tm.tenant_id
FROM tenant_memberships tm
JOIN tenants t ON t.id = tm.tenant_id
JOIN workspace_memberships wm ON wm.workspace_id = t.workspace_id AND wm.user_id = tm.user_id`

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
	rows, err := a.db.WithContext(ctx).Raw(groupingSQL).Rows()
	if err != nil {
		return fmt.Errorf("load memberships: %w", err)
	}
	defer rows.Close()
	a.domains = map[string][]string{}
	seen := map[[3]string]bool{}
	seenDom := map[[2]string]bool{}
	for rows.Next() {
		var userID int64
		var role, domain string
		if err := rows.Scan(&userID, &role, &domain); err != nil {
			return fmt.Errorf("load memberships: %w", err)
		}
		rule := [3]string{userSubject(userID), roleSubject(role), domain}
		if seen[rule] {
			continue
		}
		if !seenDom[[2]string{rule[0], domain}] {
			seenDom[[2]string{rule[0], domain}] = true
			a.domains[rule[0]] = append(a.domains[rule[0]], domain)
		}
		seen[rule] = true
		if err := persist.LoadPolicyArray([]string{"g", rule[0], rule[1], rule[2]}, m); err != nil {
			return fmt.Errorf("grouping rule: %w", err)
		}
	}
	return rows.Err()
}

func (a *adapter) SavePolicy(model.Model) error                              { return errReadOnly }
func (a *adapter) AddPolicy(string, string, []string) error                  { return errReadOnly }
func (a *adapter) RemovePolicy(string, string, []string) error               { return errReadOnly }
func (a *adapter) RemoveFilteredPolicy(string, string, int, ...string) error { return errReadOnly }
