package tenancy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/validation"
)

// DefaultInvitationTTL is how long an invitation can be accepted.
const DefaultInvitationTTL = 7 * 24 * time.Hour

// Invitation statuses.
const (
	InvitationPending  = "pending"
	InvitationAccepted = "accepted"
	InvitationDeclined = "declined"
	InvitationRevoked  = "revoked"
	InvitationExpired  = "expired"
)

// Invitation asks whoever signs in with Email to join a workspace with Role. It names no user:
// the address is invited whether or not a user with it exists yet, so inviting tells nothing of
// who has an account.
type Invitation struct {
	ID          int64      `gorm:"primaryKey" json:"id"`
	WorkspaceID int64      `json:"workspace_id"`
	Email       string     `json:"email"`
	Role        Role       `json:"role"`
	InvitedBy   *int64     `json:"invited_by"`
	Status      string     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	RespondedAt *time.Time `json:"responded_at"`
}

// TableName is the table of workspace invitations.
func (Invitation) TableName() string { return "workspace_invitations" }

// ReceivedInvitation is an invitation as its invitee sees it: with the workspace's name and who
// sent it.
type ReceivedInvitation struct {
	Invitation
	WorkspaceName string
	InviterName   *string
}

// Invite invites an email address to a workspace with a role, for ttl (0: DefaultInvitationTTL).
// An address with a pending invitation to the workspace is ErrConflict; one that belongs to a
// member already is ErrAlreadyMember; a missing workspace is ErrNotFound.
func (s *Service) Invite(ctx context.Context, workspaceID, invitedBy int64, email string, role Role, ttl time.Duration) (Invitation, error) {
	var fe validation.Fields
	email = NormalizeEmail(email)
	validateEmail(&fe, email)
	if !role.Valid() {
		fe.Add("role", "must be one of owner, manager, operator, readonly")
	}
	if err := fe.Invalid(invalidSummary); err != nil {
		return Invitation{}, fmt.Errorf("invite: %w", err)
	}
	if ttl <= 0 {
		ttl = DefaultInvitationTTL
	}
	now := s.clockNow()
	inv := Invitation{WorkspaceID: workspaceID, Email: email, Role: role, InvitedBy: &invitedBy,
		Status: InvitationPending, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockWorkspace(tx, workspaceID); err != nil {
			return err
		}
		var members int64
		err := tx.Model(&WorkspaceMembership{}).
			Joins("JOIN users u ON u.id = workspace_memberships.user_id").
			Where("workspace_memberships.workspace_id = ? AND lower(u.email) = ?", workspaceID, email).
			Count(&members).Error
		if err != nil {
			return err
		}
		if members > 0 {
			return ErrAlreadyMember
		}
		// An expired invitation no longer holds the address's place.
		if err := expire(tx, now, "workspace_id = ? AND email = ?", workspaceID, email); err != nil {
			return err
		}
		if err := tx.Create(&inv).Error; err != nil {
			if database.IsUniqueViolation(err, "workspace_invitations_pending_key") {
				return conflict("email", "has a pending invitation to this workspace")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return Invitation{}, fmt.Errorf("invite to workspace %d: %w", workspaceID, err)
	}
	return inv, nil
}

// expire marks the pending invitations that where selects and whose time is up as expired.
func expire(tx *gorm.DB, now time.Time, where string, args ...any) error {
	err := tx.Model(&Invitation{}).Where(where, args...).
		Where("status = ? AND expires_at <= ?", InvitationPending, now).
		Updates(map[string]any{"status": InvitationExpired}).Error
	if err != nil {
		return fmt.Errorf("expire invitations: %w", err)
	}
	return nil
}

// PendingInvitations lists a workspace's invitations that can still be accepted, newest first.
func (s *Service) PendingInvitations(ctx context.Context, workspaceID int64) ([]Invitation, error) {
	out := []Invitation{}
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND status = ? AND expires_at > ?", workspaceID, InvitationPending, s.clockNow()).
		Order("created_at DESC, id DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("pending invitations of workspace %d: %w", workspaceID, err)
	}
	return out, nil
}

// RevokeInvitation withdraws a pending invitation of a workspace. One that is not pending, or
// belongs to another workspace, is ErrNotFound.
func (s *Service) RevokeInvitation(ctx context.Context, workspaceID, id int64) error {
	now := s.clockNow()
	res := s.db.WithContext(ctx).Model(&Invitation{}).
		Where("id = ? AND workspace_id = ? AND status = ? AND expires_at > ?", id, workspaceID, InvitationPending, now).
		Updates(map[string]any{"status": InvitationRevoked, "responded_at": now})
	if res.Error != nil {
		return fmt.Errorf("revoke invitation %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("invitation %d: %w", id, ErrNotFound)
	}
	return nil
}

// InvitationsFor lists the pending invitations to a user's email address, newest first.
func (s *Service) InvitationsFor(ctx context.Context, userID int64) ([]ReceivedInvitation, error) {
	type row struct {
		Invitation
		WorkspaceName string
		InviterName   *string
	}
	var rows []row
	err := s.db.WithContext(ctx).Raw(`SELECT i.*, w.name AS workspace_name, inviter.name AS inviter_name
		FROM workspace_invitations i
		JOIN users me ON me.id = ? AND lower(me.email) = i.email
		JOIN workspaces w ON w.id = i.workspace_id
		LEFT JOIN users inviter ON inviter.id = i.invited_by
		WHERE i.status = ? AND i.expires_at > ?
		ORDER BY i.created_at DESC, i.id DESC`, userID, InvitationPending, s.clockNow()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("invitations of user %d: %w", userID, err)
	}
	out := make([]ReceivedInvitation, len(rows))
	for i, r := range rows {
		out[i] = ReceivedInvitation(r)
	}
	return out, nil
}

// AcceptInvitation makes the user a member of the invitation's workspace with its role. Only an
// invitation to the user's own email that is pending and unexpired can be accepted; any other
// is ErrNotFound. A user who is a member already keeps their role.
func (s *Service) AcceptInvitation(ctx context.Context, userID, id int64) (WorkspaceMembership, error) {
	var m WorkspaceMembership
	err := s.respond(ctx, userID, id, InvitationAccepted, func(tx *gorm.DB, inv Invitation, now time.Time) error {
		if _, err := lockWorkspace(tx, inv.WorkspaceID); err != nil {
			return err
		}
		err := tx.Where("workspace_id = ? AND user_id = ?", inv.WorkspaceID, userID).Take(&m).Error
		if err == nil {
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		m = WorkspaceMembership{WorkspaceID: inv.WorkspaceID, UserID: userID, Role: inv.Role, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&m).Error; err != nil {
			return err
		}
		return notifyMembership(tx, ScopeWorkspace, inv.WorkspaceID, userID)
	})
	if err != nil {
		return WorkspaceMembership{}, fmt.Errorf("accept invitation %d: %w", id, err)
	}
	return m, nil
}

// DeclineInvitation declines an invitation to the user's email; as AcceptInvitation, anything
// but a pending, unexpired invitation of theirs is ErrNotFound.
func (s *Service) DeclineInvitation(ctx context.Context, userID, id int64) error {
	err := s.respond(ctx, userID, id, InvitationDeclined, nil)
	if err != nil {
		return fmt.Errorf("decline invitation %d: %w", id, err)
	}
	return nil
}

// respond locks the user's pending invitation, runs also and records the answer, in one
// transaction.
func (s *Service) respond(ctx context.Context, userID, id int64, status string, also func(*gorm.DB, Invitation, time.Time) error) error {
	now := s.clockNow()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var inv Invitation
		err := tx.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "workspace_invitations"}}).
			Joins("JOIN users me ON me.id = ? AND lower(me.email) = workspace_invitations.email", userID).
			Where("workspace_invitations.id = ? AND workspace_invitations.status = ? AND workspace_invitations.expires_at > ?",
				id, InvitationPending, now).
			Take(&inv).Error
		if err != nil {
			return notFound(err, "invitation %d", id)
		}
		if also != nil {
			if err := also(tx, inv, now); err != nil {
				return err
			}
		}
		return tx.Model(&Invitation{}).Where("id = ?", inv.ID).
			Updates(map[string]any{"status": status, "responded_at": now}).Error
	})
}

// WorkspaceMember is a membership with its user, for the members list of a workspace.
type WorkspaceMember struct {
	UserID    int64
	Email     string
	Name      string
	Role      Role
	CreatedAt time.Time
}

// WorkspaceMembers lists a workspace's members, by email.
func (s *Service) WorkspaceMembers(ctx context.Context, workspaceID int64) ([]WorkspaceMember, error) {
	out := []WorkspaceMember{}
	err := s.db.WithContext(ctx).Raw(`SELECT u.id AS user_id, u.email, u.name, m.role, m.created_at
		FROM workspace_memberships m JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = ? ORDER BY lower(u.email), u.id`, workspaceID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("members of workspace %d: %w", workspaceID, err)
	}
	return out, nil
}

// UserAmongOwnedWorkspaces finds the user with an email among the members of the workspaces the
// caller owns: the lookup an owner who is not a platform admin may make. Anyone else is
// ErrNotFound, whether or not they have an account.
func (s *Service) UserAmongOwnedWorkspaces(ctx context.Context, callerID int64, email string) (User, error) {
	email = NormalizeEmail(email)
	var u User
	res := s.db.WithContext(ctx).Raw(`SELECT u.* FROM users u
		WHERE lower(u.email) = ? AND EXISTS (
			SELECT 1 FROM workspace_memberships theirs
			JOIN workspace_memberships mine ON mine.workspace_id = theirs.workspace_id
			WHERE theirs.user_id = u.id AND mine.user_id = ? AND mine.role = ?)`,
		email, callerID, RoleOwner).Scan(&u)
	if res.Error != nil {
		return User{}, fmt.Errorf("user %s: %w", email, res.Error)
	}
	if res.RowsAffected == 0 {
		return User{}, fmt.Errorf("user %s: %w", email, ErrNotFound)
	}
	return u, nil
}
