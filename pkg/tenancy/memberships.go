package tenancy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

func validateRole(role Role) error {
	if !role.Valid() {
		return invalid("role", "must be one of owner, manager, operator, readonly")
	}
	return nil
}

// countOwners counts a workspace's owners; call it with the workspace locked.
func countOwners(tx *gorm.DB, workspaceID int64) (int64, error) {
	var n int64
	err := tx.Model(&WorkspaceMembership{}).Where("workspace_id = ? AND role = ?", workspaceID, RoleOwner).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count owners: %w", err)
	}
	return n, nil
}

// SetWorkspaceMember gives a user a role in a workspace, adding or changing the membership:
// direct adding, for platform admins and the CLI (everyone else invites, see Invite).
// Demoting the last owner is ErrLastOwner; a missing workspace or user is ErrNotFound.
func (s *Service) SetWorkspaceMember(ctx context.Context, workspaceID, userID int64, role Role) (WorkspaceMembership, error) {
	return s.setWorkspaceMember(ctx, workspaceID, userID, role, true)
}

// ChangeWorkspaceMemberRole changes the role of a member of a workspace. A user who is not a
// member (or does not exist: the two are not told apart) is ErrInvitationRequired; demoting the
// last owner is ErrLastOwner.
func (s *Service) ChangeWorkspaceMemberRole(ctx context.Context, workspaceID, userID int64, role Role) (WorkspaceMembership, error) {
	return s.setWorkspaceMember(ctx, workspaceID, userID, role, false)
}

func (s *Service) setWorkspaceMember(ctx context.Context, workspaceID, userID int64, role Role, mayAdd bool) (WorkspaceMembership, error) {
	if err := validateRole(role); err != nil {
		return WorkspaceMembership{}, fmt.Errorf("set workspace member: %w", err)
	}
	now := s.clockNow()
	var m WorkspaceMembership
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockWorkspace(tx, workspaceID); err != nil {
			return err
		}
		if mayAdd {
			if err := userExists(tx, userID); err != nil {
				return err
			}
		}
		err := tx.Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Take(&m).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound) && !mayAdd:
			return ErrInvitationRequired
		case errors.Is(err, gorm.ErrRecordNotFound):
			m = WorkspaceMembership{WorkspaceID: workspaceID, UserID: userID, Role: role, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&m).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		case m.Role == role:
			return nil
		default:
			if m.Role == RoleOwner {
				owners, err := countOwners(tx, workspaceID)
				if err != nil {
					return err
				}
				if owners <= 1 {
					return ErrLastOwner
				}
			}
			m.Role, m.UpdatedAt = role, now
			if err := tx.Model(&WorkspaceMembership{}).Where("id = ?", m.ID).
				Updates(map[string]any{"role": role, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		return notifyMembership(tx, ScopeWorkspace, workspaceID, userID)
	})
	if err != nil {
		return WorkspaceMembership{}, fmt.Errorf("set member %d of workspace %d: %w", userID, workspaceID, err)
	}
	return m, nil
}

// RemoveWorkspaceMember removes a user from a workspace, with their tenant memberships in it.
// Removing the last owner is ErrLastOwner; a user who is not a member is ErrNotFound.
func (s *Service) RemoveWorkspaceMember(ctx context.Context, workspaceID, userID int64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockWorkspace(tx, workspaceID); err != nil {
			return err
		}
		var m WorkspaceMembership
		if err := tx.Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Take(&m).Error; err != nil {
			return notFound(err, "membership")
		}
		if m.Role == RoleOwner {
			owners, err := countOwners(tx, workspaceID)
			if err != nil {
				return err
			}
			if owners <= 1 {
				return ErrLastOwner
			}
		}
		var tenantIDs []int64
		err := tx.Raw(`DELETE FROM tenant_memberships
			WHERE user_id = ? AND tenant_id IN (SELECT id FROM tenants WHERE workspace_id = ?)
			RETURNING tenant_id`, userID, workspaceID).Scan(&tenantIDs).Error
		if err != nil {
			return fmt.Errorf("remove tenant memberships: %w", err)
		}
		if err := tx.Delete(&m).Error; err != nil {
			return err
		}
		for _, tid := range tenantIDs {
			if err := notifyMembership(tx, ScopeTenant, tid, userID); err != nil {
				return err
			}
		}
		return notifyMembership(tx, ScopeWorkspace, workspaceID, userID)
	})
	if err != nil {
		return fmt.Errorf("remove member %d of workspace %d: %w", userID, workspaceID, err)
	}
	return nil
}

// SetTenantMember gives a workspace member a role on one tenant. A user outside the tenant's
// workspace is ErrNotWorkspaceMember; a missing tenant is ErrNotFound.
func (s *Service) SetTenantMember(ctx context.Context, tenantID, userID int64, role Role) (TenantMembership, error) {
	if err := validateRole(role); err != nil {
		return TenantMembership{}, fmt.Errorf("set tenant member: %w", err)
	}
	now := s.clockNow()
	var m TenantMembership
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err := s.lockTenantWorkspace(tx, tenantID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&WorkspaceMembership{}).Where("workspace_id = ? AND user_id = ?", t.WorkspaceID, userID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotWorkspaceMember
		}
		err = tx.Where("tenant_id = ? AND user_id = ?", tenantID, userID).Take(&m).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			m = TenantMembership{TenantID: tenantID, UserID: userID, Role: role, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&m).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		case m.Role == role:
			return nil
		default:
			m.Role, m.UpdatedAt = role, now
			if err := tx.Model(&TenantMembership{}).Where("id = ?", m.ID).
				Updates(map[string]any{"role": role, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		return notifyMembership(tx, ScopeTenant, tenantID, userID)
	})
	if err != nil {
		return TenantMembership{}, fmt.Errorf("set member %d of tenant %d: %w", userID, tenantID, err)
	}
	return m, nil
}

// RemoveTenantMember removes a user's membership of a tenant; none is ErrNotFound.
func (s *Service) RemoveTenantMember(ctx context.Context, tenantID, userID int64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := s.lockTenantWorkspace(tx, tenantID); err != nil {
			return err
		}
		res := tx.Where("tenant_id = ? AND user_id = ?", tenantID, userID).Delete(&TenantMembership{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("membership: %w", ErrNotFound)
		}
		return notifyMembership(tx, ScopeTenant, tenantID, userID)
	})
	if err != nil {
		return fmt.Errorf("remove member %d of tenant %d: %w", userID, tenantID, err)
	}
	return nil
}

// lockTenantWorkspace reads a tenant and locks its workspace, so that a tenant membership cannot
// be granted while the user's workspace membership is being removed.
func (s *Service) lockTenantWorkspace(tx *gorm.DB, tenantID int64) (Tenant, error) {
	var t Tenant
	if err := tx.Where("id = ?", tenantID).Take(&t).Error; err != nil {
		return t, notFound(err, "tenant %d", tenantID)
	}
	if _, err := lockWorkspace(tx, t.WorkspaceID); err != nil {
		return t, err
	}
	return t, nil
}

// MembershipsForUser returns a user's workspace and tenant memberships, from one snapshot.
func (s *Service) MembershipsForUser(ctx context.Context, userID int64) ([]WorkspaceMembership, []TenantMembership, error) {
	wms, tms := []WorkspaceMembership{}, []TenantMembership{}
	err := s.snapshot(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ?", userID).Order("workspace_id").Find(&wms).Error; err != nil {
			return err
		}
		return tx.Where("user_id = ?", userID).Order("tenant_id").Find(&tms).Error
	})
	if err != nil {
		return nil, nil, fmt.Errorf("memberships of user %d: %w", userID, err)
	}
	return wms, tms, nil
}

// AllMemberships returns every membership and every tenant (for its workspace), from one
// snapshot: what an authorisation adapter loads.
func (s *Service) AllMemberships(ctx context.Context) ([]WorkspaceMembership, []TenantMembership, []Tenant, error) {
	wms, tms, ts := []WorkspaceMembership{}, []TenantMembership{}, []Tenant{}
	err := s.snapshot(ctx, func(tx *gorm.DB) error {
		if err := tx.Order("id").Find(&wms).Error; err != nil {
			return err
		}
		if err := tx.Order("id").Find(&tms).Error; err != nil {
			return err
		}
		return tx.Order("id").Find(&ts).Error
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("all memberships: %w", err)
	}
	return wms, tms, ts, nil
}

// snapshot runs fn in a read-only REPEATABLE READ transaction, so its reads agree with each other.
func (s *Service) snapshot(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
}
