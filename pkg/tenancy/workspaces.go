package tenancy

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/validation"
)

// Workspace and tenant statuses.
const (
	StatusActive   = "active"
	StatusArchived = "archived"
)

var (
	slugPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	uuidPattern  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	labelPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// CreateWorkspace creates a workspace with creator as its owner, in one transaction. Only platform
// admins may (ErrForbidden otherwise; the flag is read from the database, not from creator). A
// taken slug is an ErrConflict.
func (s *Service) CreateWorkspace(ctx context.Context, creator User, name, slug string) (Workspace, error) {
	var fe validation.Fields
	name = validateName(&fe, "name", name)
	slug = strings.TrimSpace(slug)
	if !slugPattern.MatchString(slug) {
		fe.Add("slug", "must be 2 to 63 lower-case letters, digits or hyphens, starting with a letter or digit")
	}
	if err := fe.Invalid(invalidSummary); err != nil {
		return Workspace{}, fmt.Errorf("create workspace: %w", err)
	}
	now := s.clockNow()
	ws := Workspace{Name: name, Slug: slug, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var admin bool
		res := tx.Model(&User{}).Select("is_platform_admin").Where("id = ?", creator.ID).Scan(&admin)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 || !admin {
			return fmt.Errorf("only platform admins may create workspaces: %w", ErrForbidden)
		}
		if err := tx.Create(&ws).Error; err != nil {
			if database.IsUniqueViolation(err, "workspaces_slug_key") {
				return conflict("slug", "is already taken")
			}
			return err
		}
		m := WorkspaceMembership{WorkspaceID: ws.ID, UserID: creator.ID, Role: RoleOwner, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&m).Error; err != nil {
			return fmt.Errorf("owner membership: %w", err)
		}
		return notifyMembership(tx, ScopeWorkspace, ws.ID, creator.ID)
	})
	if err != nil {
		return Workspace{}, fmt.Errorf("create workspace %s: %w", slug, err)
	}
	return ws, nil
}

// CreateTenantInput is a new tenant. EntraTenantID is the directory's GUID; Domain (optional) its
// primary domain, e.g. contoso.onmicrosoft.com.
type CreateTenantInput struct {
	Name          string
	EntraTenantID string
	Domain        *string
}

// CreateTenant adds a tenant to a workspace. A missing workspace is ErrNotFound; an Entra tenant
// id already managed (in any workspace) is an ErrConflict. The workspace's owners and managers
// are entitled to the new tenant at once, so it is announced on ChannelMemberships.
func (s *Service) CreateTenant(ctx context.Context, workspaceID int64, in CreateTenantInput) (Tenant, error) {
	var fe validation.Fields
	name := validateName(&fe, "name", in.Name)
	entraID := strings.ToLower(strings.TrimSpace(in.EntraTenantID))
	if !uuidPattern.MatchString(entraID) {
		fe.Add("entra_tenant_id", "must be a GUID such as 00000000-0000-0000-0000-000000000000")
	}
	var domain *string
	if in.Domain != nil {
		if d := strings.ToLower(strings.TrimSpace(*in.Domain)); d != "" {
			if !validDomain(d) {
				fe.Add("domain", "must be a domain name such as contoso.onmicrosoft.com")
			}
			domain = &d
		}
	}
	if err := fe.Invalid(invalidSummary); err != nil {
		return Tenant{}, fmt.Errorf("create tenant: %w", err)
	}
	now := s.clockNow()
	t := Tenant{WorkspaceID: workspaceID, Name: name, EntraTenantID: entraID, Domain: domain, Status: StatusActive,
		CreatedAt: now, UpdatedAt: now}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			switch {
			case database.IsUniqueViolation(err, "tenants_entra_tenant_id_key"):
				return conflict("entra_tenant_id", "is already managed")
			case errors.Is(err, gorm.ErrForeignKeyViolated):
				return fmt.Errorf("workspace %d: %w", workspaceID, ErrNotFound)
			}
			return err
		}
		return notifyMembership(tx, ScopeTenant, t.ID, 0)
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("create tenant: %w", err)
	}
	return t, nil
}

func validDomain(d string) bool {
	if len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !labelPattern.MatchString(l) {
			return false
		}
	}
	return true
}

// Workspace returns a workspace, or ErrNotFound.
func (s *Service) Workspace(ctx context.Context, id int64) (Workspace, error) {
	var ws Workspace
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&ws).Error; err != nil {
		return Workspace{}, notFound(err, "workspace %d", id)
	}
	return ws, nil
}

// Tenant returns a tenant, or ErrNotFound.
func (s *Service) Tenant(ctx context.Context, id int64) (Tenant, error) {
	var t Tenant
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return Tenant{}, notFound(err, "tenant %d", id)
	}
	return t, nil
}

// ListWorkspacesForUser returns the workspaces a user is a member of, by name.
func (s *Service) ListWorkspacesForUser(ctx context.Context, userID int64) ([]Workspace, error) {
	wss := []Workspace{}
	err := s.db.WithContext(ctx).
		Joins("JOIN workspace_memberships m ON m.workspace_id = workspaces.id AND m.user_id = ?", userID).
		Order("workspaces.name, workspaces.id").Find(&wss).Error
	if err != nil {
		return nil, fmt.Errorf("list workspaces of user %d: %w", userID, err)
	}
	return wss, nil
}

// ListTenants returns a workspace's tenants, by name. It does not check that the workspace exists.
func (s *Service) ListTenants(ctx context.Context, workspaceID int64) ([]Tenant, error) {
	ts := []Tenant{}
	if err := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID).Order("name, id").Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("list tenants of workspace %d: %w", workspaceID, err)
	}
	return ts, nil
}
