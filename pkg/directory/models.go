// Package directory holds the cache of a tenant's Microsoft Entra groups.
package directory

import "time"

// Group is one Entra group as last seen by a group sync.
type Group struct {
	ID                     int64      `gorm:"primaryKey"`
	TenantID               int64      ``
	EntraGroupID           string     ``
	DisplayName            string     ``
	GroupType              string     ``
	SecurityEnabled        bool       ``
	MailEnabled            bool       ``
	LastSeenAt             *time.Time ``
	LastSeenOperationRunID *int64     ``
	CreatedAt              time.Time  ``
	UpdatedAt              time.Time  ``
}

// TableName binds Group to entra_groups.
func (Group) TableName() string { return "entra_groups" }
