// Package tenancy holds workspaces, tenants, users, their memberships and API tokens.
package tenancy

import (
	"time"

	"github.com/tenantatlas/operations/pkg/database"
)

// Role is a membership role. Roles nest: owner ⊃ manager ⊃ operator ⊃ readonly.
type Role string

// The four roles, highest first.
const (
	RoleOwner    Role = "owner"
	RoleManager  Role = "manager"
	RoleOperator Role = "operator"
	RoleReadonly Role = "readonly"
)

// Roles lists every role, highest first.
var Roles = []Role{RoleOwner, RoleManager, RoleOperator, RoleReadonly}

// Rank orders roles: a higher rank holds every capability of a lower one. Unknown roles rank 0.
func (r Role) Rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleManager:
		return 3
	case RoleOperator:
		return 2
	case RoleReadonly:
		return 1
	}
	return 0
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r.Rank() > 0 }

// Workspace is the authorisation boundary: nothing in it exists for a non-member.
type Workspace struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Tenant is one Microsoft Entra tenant managed inside a workspace.
type Tenant struct {
	ID            int64     `gorm:"primaryKey" json:"id"`
	WorkspaceID   int64     `json:"workspace_id"`
	Name          string    `json:"name"`
	EntraTenantID string    `json:"entra_tenant_id"`
	Domain        *string   `json:"domain"`
	Status        string    `json:"status"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// User is a person or a script signing in with a password or an API token.
type User struct {
	ID              int64     `gorm:"primaryKey" json:"id"`
	Email           string    `json:"email"`
	Name            string    `json:"name"`
	PasswordHash    *string   `json:"-"`
	IsPlatformAdmin bool      `json:"is_platform_admin"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// WorkspaceMembership gives a user a role in a workspace.
type WorkspaceMembership struct {
	ID          int64     `gorm:"primaryKey" json:"id"`
	WorkspaceID int64     `json:"workspace_id"`
	UserID      int64     `json:"user_id"`
	Role        Role      `json:"role"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TenantMembership gives a workspace member a role on one tenant.
type TenantMembership struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	TenantID  int64     `json:"tenant_id"`
	UserID    int64     `json:"user_id"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// APIToken is a bearer token; only its hash is stored.
type APIToken struct {
	ID        int64  `gorm:"primaryKey" json:"id"`
	UserID    int64  `json:"user_id"`
	Name      string `json:"name"`
	TokenHash string `json:"-"`
	// TokenPrefix is the start of the plaintext (nil for tokens issued before it was recorded).
	TokenPrefix *string              `json:"token_prefix"`
	Scopes      database.StringArray `json:"scopes"`
	LastUsedAt  *time.Time           `json:"last_used_at"`
	ExpiresAt   *time.Time           `json:"expires_at"`
	RevokedAt   *time.Time           `json:"revoked_at"`
	CreatedAt   time.Time            `json:"created_at"`
}

// Table names, spelled out rather than left to GORM's naming strategy.

// TableName is the table of workspaces.
func (Workspace) TableName() string { return "workspaces" }

// TableName is the table of tenants.
func (Tenant) TableName() string { return "tenants" }

// TableName is the table of users.
func (User) TableName() string { return "users" }

// TableName is the table of workspace memberships.
func (WorkspaceMembership) TableName() string { return "workspace_memberships" }

// TableName is the table of tenant memberships.
func (TenantMembership) TableName() string { return "tenant_memberships" }

// TableName is the table of API tokens.
func (APIToken) TableName() string { return "api_tokens" }
