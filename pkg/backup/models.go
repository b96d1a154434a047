// Package backup holds backup schedules and the backup sets their runs produce.
package backup

import (
	"encoding/json"
	"time"

	"github.com/tenantatlas/operations/pkg/database"
)

// Schedule is a recurring backup of a tenant's policies.
type Schedule struct {
	ID                 int64                `gorm:"primaryKey"`
	TenantID           int64                ``
	Name               string               ``
	IsEnabled          bool                 ``
	Timezone           string               ``
	Frequency          string               ``
	TimeOfDay          string               `gorm:"type:time"`
	DaysOfWeek         database.Int32Array  `gorm:"type:smallint[]"`
	PolicyTypes        database.StringArray `gorm:"type:text[]"`
	IncludeFoundations bool                 ``
	RetentionKeepLast  int                  ``
	LastRunAt          *time.Time           ``
	LastRunStatus      *string              ``
	NextRunAt          *time.Time           ``
	ArchivedAt         *time.Time           ``
	CreatedAt          time.Time            ``
	UpdatedAt          time.Time            ``
}

// TableName binds Schedule to backup_schedules.
func (Schedule) TableName() string { return "backup_schedules" }

// Set is one backup of a tenant's policies. A set a schedule's run made names the schedule and
// the run; retention retires it (RetiredAt) and purge deletes it after a grace period.
type Set struct {
	ID               int64           `gorm:"primaryKey"`
	TenantID         int64           ``
	BackupScheduleID *int64          ``
	OperationRunID   *int64          ``
	Name             string          ``
	Status           string          ``
	ItemCount        int             ``
	CreatedBy        *string         ``
	Metadata         json.RawMessage `gorm:"type:jsonb"`
	CompletedAt      *time.Time      ``
	RetiredAt        *time.Time      ``
	CreatedAt        time.Time       ``
	UpdatedAt        time.Time       ``
}

// Set statuses (backup_sets.status): pending while its run writes it, then completed (every
// policy type read), partial (some failed or were skipped) or failed.
const (
	SetPending   = "pending"
	SetCompleted = "completed"
	SetPartial   = "partial"
	SetFailed    = "failed"
)

// TableName binds Set to backup_sets.
func (Set) TableName() string { return "backup_sets" }

// Item is one policy, with its assignments, inside a backup set.
type Item struct {
	ID          int64           `gorm:"primaryKey"`
	TenantID    int64           ``
	BackupSetID int64           ``
	PolicyType  string          ``
	ExternalID  string          ``
	DisplayName string          ``
	Payload     json.RawMessage `gorm:"type:jsonb"`
	Assignments json.RawMessage `gorm:"type:jsonb"`
	ContentHash string          ``
	CreatedAt   time.Time       ``
}

// TableName binds Item to backup_items.
func (Item) TableName() string { return "backup_items" }
