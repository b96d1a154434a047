// Package notify holds the notifications sent to a run's initiator when the run finishes.
package notify

import "time"

// Notification is one message to one user.
type Notification struct {
	ID        int64      `gorm:"primaryKey"`
	UserID    int64      ``
	Kind      string     ``
	RunID     *int64     ``
	Title     string     ``
	Body      string     ``
	Link      *string    ``
	ReadAt    *time.Time ``
	CreatedAt time.Time  ``
}

// TableName binds Notification to notifications.
func (Notification) TableName() string { return "notifications" }
