// Package drift compares two inventory sync runs of one selection and records what changed as
// findings.
package drift

import (
	"encoding/json"
	"time"
)

// Finding is one change between a baseline and a current inventory run.
type Finding struct {
	ID                     int64           `gorm:"primaryKey"`
	TenantID               int64           ``
	FindingType            string          ``
	ScopeKey               string          ``
	BaselineOperationRunID *int64          ``
	CurrentOperationRunID  *int64          ``
	Fingerprint            string          ``
	SubjectType            string          ``
	SubjectExternalID      string          ``
	ChangeType             string          ``
	Severity               string          ``
	Status                 string          ``
	AcknowledgedAt         *time.Time      ``
	AcknowledgedByUserID   *int64          ``
	Evidence               json.RawMessage `gorm:"type:jsonb"`
	CreatedAt              time.Time       ``
	UpdatedAt              time.Time       ``
}

// TableName binds Finding to findings.
func (Finding) TableName() string { return "findings" }
