package tenancy

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Grant is one role a user holds in one domain, as the memberships entitle it. Domain is
// "workspace:<id>" or "tenant:<id>".
type Grant struct {
	UserID int64
	Role   Role
	Domain string
}

// grantsSQL derives the grants from the memberships:
//
//   - every workspace membership: (user, role, workspace);
//   - a workspace owner or manager is entitled to every tenant of the workspace: (user, role, tenant);
//   - an operator or readonly member is entitled only to tenants where it also holds a tenant
//     membership; there both roles are granted;
//   - a tenant membership without a membership of the tenant's workspace grants nothing.
const grantsSQL = `
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

// EachGrant streams every grant the memberships make, in one query, calling fn with each; the same
// grant may come more than once. An error from fn stops the reading and is returned as it is.
func EachGrant(ctx context.Context, db *gorm.DB, fn func(Grant) error) error {
	rows, err := db.WithContext(ctx).Raw(grantsSQL).Rows()
	if err != nil {
		return fmt.Errorf("load memberships: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g Grant
		if err := rows.Scan(&g.UserID, &g.Role, &g.Domain); err != nil {
			return fmt.Errorf("load memberships: %w", err)
		}
		if err := fn(g); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load memberships: %w", err)
	}
	return nil
}
