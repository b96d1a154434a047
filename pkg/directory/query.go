package directory

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// GroupFilter narrows a group list.
type GroupFilter struct {
	Search    string
	GroupType string
	Stale     *bool // unseen for longer than StaleAfter
}

// GroupCursor marks the last group of a page; groups are ordered by (display_name, id). The API
// seals it (pkg/cursor) before a client sees it.
type GroupCursor struct {
	DisplayName string `json:"n"`
	ID          int64  `json:"i"`
}

// GroupPage is one page of groups.
type GroupPage struct {
	Groups []Group
	Next   *GroupCursor
}

// ListGroups pages through a tenant's groups.
func ListGroups(ctx context.Context, db *gorm.DB, tenantID int64, f GroupFilter, after *GroupCursor, limit int, now time.Time) (GroupPage, error) {
	q := db.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if f.Search != "" {
		q = q.Where("display_name ILIKE ?", "%"+strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Search)+"%")
	}
	if f.GroupType != "" {
		q = q.Where("group_type = ?", f.GroupType)
	}
	if f.Stale != nil {
		if *f.Stale {
			q = q.Where("(last_seen_at IS NULL OR last_seen_at < ?)", now.Add(-StaleAfter))
		} else {
			q = q.Where("last_seen_at >= ?", now.Add(-StaleAfter))
		}
	}
	if after != nil {
		q = q.Where("(display_name, id) > (?, ?)", after.DisplayName, after.ID)
	}
	var groups []Group
	if err := q.Order("display_name, id").Limit(limit + 1).Find(&groups).Error; err != nil {
		return GroupPage{}, fmt.Errorf("list groups: %w", err)
	}
	page := GroupPage{Groups: groups}
	if len(groups) > limit {
		page.Groups = groups[:limit]
		last := page.Groups[limit-1]
		page.Next = &GroupCursor{DisplayName: last.DisplayName, ID: last.ID}
	}
	return page, nil
}

// IsStale reports whether a group has gone unseen for longer than StaleAfter.
func (g Group) IsStale(now time.Time) bool {
	return g.LastSeenAt == nil || now.Sub(*g.LastSeenAt) > StaleAfter
}
