package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tenantatlas/operations/pkg/operations"
)

// KindRunFinished is the kind of the notification sent when a run finishes.
const KindRunFinished = "run_finished"

// ErrNotFound is returned for a notification that does not exist or is not the caller's.
const ErrNotFound Error = "notification not found"

// Error is the type of this package's sentinel errors: constants, so no code can replace them,
// and comparable, so errors.Is finds them through %w wrapping.
type Error string

func (e Error) Error() string { return string(e) }

// Present is the one presenter of run notifications: title, body and link.
func Present(r operations.Run) (title, body, link string) {
	label := operations.LabelFor(r.Type)
	switch r.Outcome {
	case operations.OutcomeSucceeded:
		title = label + " succeeded"
	case operations.OutcomePartiallySucceeded:
		title = label + " partially succeeded"
	case operations.OutcomeFailed:
		title = label + " failed"
	case operations.OutcomeBlocked:
		title = label + " was blocked"
	case operations.OutcomeCancelled:
		title = label + " was cancelled"
	default:
		title = label + " finished"
	}
	body = "Run #" + strconv.FormatInt(r.ID, 10)
	if r.StartedAt != nil && r.CompletedAt != nil {
		body += " finished in " + r.CompletedAt.Sub(*r.StartedAt).Round(time.Second).String()
	} else {
		body += " finished"
	}
	body += "."
	return title, body, "/admin/operations/" + strconv.FormatInt(r.ID, 10)
}

// RunFinished records the one notification of a finished run, to its initiator only. System runs
// (no user) and active runs notify nobody; calling it twice for a run stores one notification.
// Pass the transaction that completed the run, so that both commit together.
func RunFinished(ctx context.Context, tx *gorm.DB, r operations.Run) error {
	if r.UserID == nil || r.Status != operations.StatusCompleted {
		return nil
	}
	title, body, link := Present(r)
	runID := r.ID
	n := Notification{UserID: *r.UserID, Kind: KindRunFinished, RunID: &runID, Title: title, Body: body, Link: &link}
	err := tx.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:     []clause.Column{{Name: "run_id"}, {Name: "user_id"}},
		TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "run_id IS NOT NULL"}}},
		DoNothing:   true,
	}).Create(&n).Error
	if err != nil {
		return fmt.Errorf("notify run %d: %w", r.ID, err)
	}
	return nil
}

// Cursor marks the last notification of a page; notifications are listed unread first, then
// newest first by (created_at, id). The API seals it (pkg/cursor) before a client sees it.
type Cursor struct {
	Read      bool      `json:"r"`
	CreatedAt time.Time `json:"c"`
	ID        int64     `json:"i"`
}

// Page is one page of a user's notifications.
type Page struct {
	Items  []Notification
	Unread int64
	Next   *Cursor // where the next page starts; nil on the last page
}

// List returns a user's notifications, unread first, newest first within each group, starting
// after the cursor (nil for the first page).
func List(ctx context.Context, db *gorm.DB, userID int64, after *Cursor, limit int) (Page, error) {
	var p Page
	q := db.WithContext(ctx).Where("user_id = ?", userID)
	if err := q.Model(&Notification{}).Where("read_at IS NULL").Count(&p.Unread).Error; err != nil {
		return p, fmt.Errorf("count notifications: %w", err)
	}
	list := db.WithContext(ctx).Where("user_id = ?", userID)
	if after != nil {
		list = list.Where("((read_at IS NOT NULL) > ? OR ((read_at IS NOT NULL) = ? AND (created_at, id) < (?, ?)))",
			after.Read, after.Read, after.CreatedAt, after.ID)
	}
	err := list.Order("read_at IS NOT NULL, created_at DESC, id DESC").Limit(limit + 1).Find(&p.Items).Error
	if err != nil {
		return p, fmt.Errorf("list notifications: %w", err)
	}
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
		last := p.Items[limit-1]
		p.Next = &Cursor{Read: last.ReadAt != nil, CreatedAt: last.CreatedAt, ID: last.ID}
	}
	return p, nil
}

// MarkRead marks one of the user's notifications as read.
func MarkRead(ctx context.Context, db *gorm.DB, userID, id int64, now time.Time) (Notification, error) {
	var n Notification
	res := db.WithContext(ctx).Model(&n).Clauses(clause.Returning{}).
		Where("id = ? AND user_id = ?", id, userID).
		Update("read_at", gorm.Expr("coalesce(read_at, ?)", now))
	if res.Error != nil {
		return n, fmt.Errorf("mark notification read: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return n, ErrNotFound
	}
	return n, nil
}

// MarkAllRead marks every unread notification of the user as read and says how many.
func MarkAllRead(ctx context.Context, db *gorm.DB, userID int64, now time.Time) (int64, error) {
	res := db.WithContext(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", userID).Update("read_at", now)
	if res.Error != nil {
		return 0, fmt.Errorf("mark notifications read: %w", res.Error)
	}
	return res.RowsAffected, nil
}
