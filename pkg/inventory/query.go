package inventory

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/operations"
)

// ItemFilter narrows an item list.
type ItemFilter struct {
	PolicyType string
	Category   string
	Search     string // case-insensitive substring of the display name
}

// ItemCursor marks the last item of a page; items are ordered by (policy_type, display_name, id).
// The API seals it (pkg/cursor): the display name never reaches a client in clear.
type ItemCursor struct {
	PolicyType  string `json:"t"`
	DisplayName string `json:"n"`
	ID          int64  `json:"i"`
}

// ItemPage is one page of items.
type ItemPage struct {
	Items []Item
	Next  *ItemCursor
}

// ListItems pages through a tenant's items.
func ListItems(ctx context.Context, db *gorm.DB, tenantID int64, f ItemFilter, after *ItemCursor, limit int) (ItemPage, error) {
	q := db.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if f.PolicyType != "" {
		q = q.Where("policy_type = ?", f.PolicyType)
	}
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	if f.Search != "" {
		q = q.Where("display_name ILIKE ?", "%"+escapeLike(f.Search)+"%")
	}
	if after != nil {
		q = q.Where("(policy_type, display_name, id) > (?, ?, ?)", after.PolicyType, after.DisplayName, after.ID)
	}
	var items []Item
	if err := q.Order("policy_type, display_name, id").Limit(limit + 1).Find(&items).Error; err != nil {
		return ItemPage{}, fmt.Errorf("list items: %w", err)
	}
	page := ItemPage{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		last := page.Items[limit-1]
		page.Next = &ItemCursor{PolicyType: last.PolicyType, DisplayName: last.DisplayName, ID: last.ID}
	}
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// KPIs is the inventory page's header.
type KPIs struct {
	TotalItems     int64            `json:"total_items"`
	ByCategory     map[string]int64 `json:"by_category"`
	Restorable     int64            `json:"restorable_items"`
	Coverage       *float64         `json:"coverage"` // restorable / total; null without items
	LastSync       *LastSync        `json:"last_inventory_sync"`
	ActiveRuns     int64            `json:"active_runs"`
	ActiveInvSyncs int64            `json:"active_inventory_syncs"`
}

// LastSync is the tenant's most recent finished inventory sync.
type LastSync struct {
	RunID       int64              `json:"run_id"`
	Status      operations.Status  `json:"status"`
	Outcome     operations.Outcome `json:"outcome"`
	CompletedAt *time.Time         `json:"completed_at"`
	Links       map[string]string  `json:"links"`
}

// TenantKPIs computes the inventory header of a tenant.
func TenantKPIs(ctx context.Context, db *gorm.DB, tenantID int64) (KPIs, error) {
	k := KPIs{ByCategory: map[string]int64{}}
	var rows []struct {
		PolicyType string
		Category   string
		N          int64
	}
	if err := db.WithContext(ctx).Raw(`SELECT policy_type, category, count(*) AS n FROM inventory_items
		WHERE tenant_id = ? GROUP BY policy_type, category`, tenantID).Scan(&rows).Error; err != nil {
		return k, fmt.Errorf("inventory kpis: %w", err)
	}
	for _, r := range rows {
		k.TotalItems += r.N
		k.ByCategory[r.Category] += r.N
		if t, ok := graph.LookupPolicyType(r.PolicyType); ok && t.Restorable {
			k.Restorable += r.N
		}
	}
	if k.TotalItems > 0 {
		cov := float64(k.Restorable) / float64(k.TotalItems)
		k.Coverage = &cov
	}
	r, ok, err := operations.LatestCompleted(ctx, db, tenantID, operations.TypeInventorySync)
	if err != nil {
		return k, fmt.Errorf("inventory kpis: %w", err)
	}
	if ok {
		id := strconv.FormatInt(r.ID, 10)
		k.LastSync = &LastSync{RunID: r.ID, Status: r.Status, Outcome: r.Outcome, CompletedAt: r.CompletedAt,
			Links: map[string]string{"self": "/api/v1/operation-runs/" + id, "ui": "/admin/operations/" + id}}
	}
	k.ActiveRuns, k.ActiveInvSyncs, err = operations.CountActive(ctx, db, tenantID, operations.TypeInventorySync)
	if err != nil {
		return k, fmt.Errorf("inventory kpis: %w", err)
	}
	return k, nil
}
