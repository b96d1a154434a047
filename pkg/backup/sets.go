package backup

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// SetFilter narrows a set list.
type SetFilter struct {
	BackupScheduleID *int64
	IncludeRetired   bool
}

// SetCursor marks the last set of a page; sets are listed newest first by id. The API seals it
// (pkg/cursor) before a client sees it.
type SetCursor struct {
	ID int64 `json:"i"`
}

// SetPage is one page of sets, newest first; Next is where the next page starts, nil on the last.
type SetPage struct {
	Sets []Set
	Next *SetCursor
}

const setColumns = `id, tenant_id, backup_schedule_id, operation_run_id, name, status, item_count, created_by,
	metadata, completed_at, retired_at, created_at, updated_at`

// ListSets pages through the tenant's backup sets, newest first.
// after (nil for the first page) is the previous page's Next.
func ListSets(ctx context.Context, db *gorm.DB, tenantID int64, f SetFilter, after *SetCursor, limit int) (SetPage, error) {
	q := `SELECT ` + setColumns + ` FROM backup_sets WHERE tenant_id = ?`
	args := []any{tenantID}
	if f.BackupScheduleID != nil {
		q += ` AND backup_schedule_id = ?`
		args = append(args, *f.BackupScheduleID)
	}
	if !f.IncludeRetired {
		q += ` AND retired_at IS NULL`
	}
	if after != nil {
		q += ` AND id < ?`
		args = append(args, after.ID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	var rows []Set
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return SetPage{}, fmt.Errorf("list backup sets: %w", err)
	}
	page := SetPage{Sets: rows}
	if len(rows) > limit {
		page.Sets = rows[:limit]
		page.Next = &SetCursor{ID: rows[limit-1].ID}
	}
	return page, nil
}

// GetSet returns the tenant's set with its item count taken from its items; another tenant's is
// ErrNotFound. Retired sets are found too.
func GetSet(ctx context.Context, db *gorm.DB, tenantID, id int64) (Set, error) {
	var rows []Set
	err := db.WithContext(ctx).Raw(`SELECT `+setColumns+` FROM backup_sets WHERE id = ? AND tenant_id = ?`, id, tenantID).Scan(&rows).Error
	if err != nil {
		return Set{}, fmt.Errorf("backup set %d: %w", id, err)
	}
	if len(rows) == 0 {
		return Set{}, fmt.Errorf("backup set %d: %w", id, ErrNotFound)
	}
	set := rows[0]
	if err := db.WithContext(ctx).Raw(`SELECT count(*) FROM backup_items WHERE backup_set_id = ?`, id).Scan(&set.ItemCount).Error; err != nil {
		return Set{}, fmt.Errorf("backup set %d: %w", id, err)
	}
	return set, nil
}
