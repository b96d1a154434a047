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
	rows, err := operations.ScopeSummaries(ctx, db, tenantID, operations.TypeInventorySync)
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
			LatestRun: ScopeRun{ID: r.Latest.ID, Status: r.Latest.Status, Outcome: r.Latest.Outcome,
				CreatedAt: r.Latest.CreatedAt, CompletedAt: r.Latest.CompletedAt}})
	}
	return out, nil
}
