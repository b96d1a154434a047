package drift

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

// Scope is one drift scope of a tenant: a selection its inventory syncs used.
type Scope struct {
	ScopeKey string
	// Selection is the selection as the newest run of the scope recorded it (its context's
	// selection); null when that run recorded none.
	Selection json.RawMessage
	// Runs counts the scope's inventory_sync runs; SuccessfulRuns those that completed with
	// outcome succeeded (the ones the selector uses: two are needed).
	Runs, SuccessfulRuns int64
	// LatestRun is the scope's newest inventory_sync run, whatever its status.
	LatestRun ScopeRun
}

// ScopeRun is a run as a scope lists it.
type ScopeRun struct {
	ID          int64
	Status      operations.Status
	Outcome     operations.Outcome
	CreatedAt   time.Time
	CompletedAt *time.Time
}

// ListScopes lists the scopes seen in the tenant's inventory_sync runs (their context.scope_key),
// the one with the newest run first.
func ListScopes(ctx context.Context, db *gorm.DB, tenantID int64) ([]Scope, error) {
	var rows []struct {
		ScopeKey       string
		Selection      json.RawMessage
		Runs           int64
		SuccessfulRuns int64
		ID             int64
		Status         operations.Status
		Outcome        operations.Outcome
		CreatedAt      time.Time
		CompletedAt    *time.Time
	}
	err := db.WithContext(ctx).Raw(`SELECT * FROM (
		SELECT DISTINCT ON (context ->> 'scope_key')
		       context ->> 'scope_key' AS scope_key, context -> 'selection' AS selection,
		       count(*) OVER w AS runs, count(*) FILTER (WHERE outcome = 'succeeded') OVER w AS successful_runs,
		       id, status, outcome, created_at, completed_at
		FROM operation_runs
		WHERE tenant_id = ? AND type = ? AND (context ->> 'scope_key') IS NOT NULL
		WINDOW w AS (PARTITION BY context ->> 'scope_key')
		ORDER BY context ->> 'scope_key', created_at DESC, id DESC
	) s ORDER BY created_at DESC, id DESC`, tenantID, operations.TypeInventorySync).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("drift: list scopes: %w", err)
	}
	out := make([]Scope, 0, len(rows))
	for _, r := range rows {
		sel := r.Selection
		if len(sel) == 0 {
			sel = json.RawMessage("null")
		}
		out = append(out, Scope{ScopeKey: r.ScopeKey, Selection: sel, Runs: r.Runs, SuccessfulRuns: r.SuccessfulRuns,
			LatestRun: ScopeRun{ID: r.ID, Status: r.Status, Outcome: r.Outcome, CreatedAt: r.CreatedAt, CompletedAt: r.CompletedAt}})
	}
	return out, nil
}
