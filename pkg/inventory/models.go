// Package inventory holds a tenant's Intune policy inventory, filled by inventory sync runs.
package inventory

import (
	"encoding/json"
	"time"
)

// Item is one policy of a tenant as last seen by an inventory sync.
type Item struct {
	ID                     int64           `gorm:"primaryKey"`
	TenantID               int64           ``
	PolicyType             string          ``
	ExternalID             string          ``
	DisplayName            string          ``
	Category               string          ``
	Platform               string          ``
	Meta                   json.RawMessage `gorm:"type:jsonb"`
	ContentHash            string          ``
	LastSeenAt             *time.Time      ``
	LastSeenOperationRunID *int64          ``
	CreatedAt              time.Time       ``
	UpdatedAt              time.Time       ``
}

// TableName binds Item to inventory_items.
func (Item) TableName() string { return "inventory_items" }
