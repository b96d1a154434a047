package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tenantatlas/operations/pkg/database"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// DefaultPurgeGrace is how long a retired set stays before purge deletes it.
const DefaultPurgeGrace = 30 * 24 * time.Hour

// purgeBatch bounds the sets one purge transaction deletes.
const purgeBatch = 100

// PurgeContext is what a backup_schedule_purge run keeps in its context.
type PurgeContext struct {
	RetiredBefore string `json:"retired_before"` // RFC 3339: sets retired before this go
	Grace         string `json:"grace"`          // the grace period it came from, e.g. "720h0m0s"
}

// Purge does the work of a backup_schedule_purge run: it deletes for good the retired sets (and
// their items) of the run's tenant, or of every tenant of its workspace for a workspace-scoped
// run, that were retired before the run's cutoff. Counts: deleted (sets), items_deleted.
func (s *Service) Purge(ctx context.Context, run operations.Run) (operations.Transition, error) {
	var pc PurgeContext
	var cutoff time.Time
	err := json.Unmarshal(run.Context, &pc)
	if err == nil {
		cutoff, err = time.Parse(time.RFC3339Nano, pc.RetiredBefore)
	}
	if err != nil {
		return operations.Transition{Outcome: operations.OutcomeFailed, Failures: []operations.Failure{
			{Code: CodeUnknown, Message: "The purge run has no valid retired_before in its context.", Count: 1}}}, nil
	}
	sets, items, err := s.purge(ctx, run.WorkspaceID, run.TenantID, cutoff)
	if err != nil {
		if ctx.Err() != nil {
			return operations.Transition{}, ctx.Err()
		}
		return operations.Transition{}, transient(err)
	}
	return operations.Transition{Outcome: operations.OutcomeSucceeded, SummaryCounts: purgeCounts(sets, items)}, nil
}

func purgeCounts(sets, items int64) map[string]any {
	return map[string]any{"total": sets, "processed": sets, "succeeded": sets, "deleted": sets, "items_deleted": items}
}

// purge deletes the scope's sets retired before cutoff, a batch per transaction.
func (s *Service) purge(ctx context.Context, workspaceID int64, tenantID *int64, cutoff time.Time) (sets, items int64, err error) {
	for {
		var n, m int64
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var ids database.Int64Array
			q := `SELECT id FROM backup_sets WHERE retired_at < ? AND tenant_id = ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`
			args := []any{cutoff}
			if tenantID != nil {
				args = append(args, *tenantID)
			} else {
				q = `SELECT id FROM backup_sets WHERE retired_at < ? AND tenant_id IN (SELECT id FROM tenants WHERE workspace_id = ?)
					ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`
				args = append(args, workspaceID)
			}
			if err := tx.Raw(q, append(args, purgeBatch)...).Scan(&ids).Error; err != nil {
				return err
			}
			if len(ids) == 0 {
				return nil
			}
			res := tx.Exec(`DELETE FROM backup_items WHERE backup_set_id = ANY(?::bigint[])`, ids)
			if res.Error != nil {
				return res.Error
			}
			m = res.RowsAffected
			res = tx.Exec(`DELETE FROM backup_sets WHERE id = ANY(?::bigint[])`, ids)
			n = res.RowsAffected
			return res.Error
		})
		if err != nil {
			return sets, items, fmt.Errorf("purge backup sets: %w", err)
		}
		sets, items = sets+n, items+m
		if n < purgeBatch {
			return sets, items, nil
		}
	}
}

// purgeWorkspaces lists the workspaces with sets retired before cutoff.
func (s *Service) purgeWorkspaces(ctx context.Context, cutoff time.Time) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT t.workspace_id FROM backup_sets b JOIN tenants t ON t.id = b.tenant_id
		WHERE b.retired_at < ? ORDER BY 1`, cutoff).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("purge: %w", err)
	}
	return ids, nil
}

func purgeInput(workspaceID int64, tenantID *int64, cutoff time.Time, grace time.Duration, identity any, rule operations.IdentityRule) operations.EnsureInput {
	return operations.EnsureInput{
		WorkspaceID: workspaceID, TenantID: tenantID,
		Type: operations.TypeBackupPurge, IdentityRule: rule, IdentityInputs: identity,
		Context: map[string]any{"retired_before": cutoff.UTC().Format(time.RFC3339Nano), "grace": grace.String()},
	}
}

// DispatchPurges is the daily purge (a River periodic job): one System, workspace-scoped
// backup_schedule_purge run per workspace that has sets retired longer than grace, queued for the
// workers. It says how many runs it created.
func (s *Service) DispatchPurges(ctx context.Context, now time.Time, grace time.Duration) (int, error) {
	if grace <= 0 {
		grace = DefaultPurgeGrace
	}
	cutoff := now.UTC().Add(-grace)
	workspaces, err := s.purgeWorkspaces(ctx, cutoff)
	if err != nil {
		return 0, err
	}
	created := 0
	day := now.UTC().Format("2006-01-02")
	for _, ws := range workspaces {
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			_, isNew, err := s.runs.Start(ctx, tx, purgeInput(ws, nil, cutoff, grace,
				map[string]any{"day": day, "grace": grace.String()}, operations.IdentitySlot), nil)
			if isNew {
				created++
			}
			return err
		})
		if err != nil {
			return created, fmt.Errorf("purge of workspace %d: %w", ws, err)
		}
	}
	return created, nil
}

// PurgeRequest is a purge run by hand (tenantatlas backups purge).
type PurgeRequest struct {
	TenantID *int64        // one tenant; nil means every workspace with something to purge
	Grace    time.Duration // sets retired longer ago than this go; 0 means DefaultPurgeGrace
}

// PurgeReport is what one purge run deleted.
type PurgeReport struct {
	Run           operations.Run
	WorkspaceID   int64
	TenantID      *int64
	RetiredBefore time.Time
	Sets, Items   int64
}

// PurgeNow purges synchronously, through the same code as the workers, as System runs: one
// tenant-scoped run for a tenant, else one workspace-scoped run per workspace that has sets
// retired before the cutoff. Each run is created, run and completed here (no job is queued).
func (s *Service) PurgeNow(ctx context.Context, req PurgeRequest) ([]PurgeReport, error) {
	grace := req.Grace
	if grace <= 0 {
		grace = DefaultPurgeGrace
	}
	cutoff := s.now().UTC().Add(-grace)
	type scope struct {
		workspaceID int64
		tenantID    *int64
	}
	var scopes []scope
	if req.TenantID != nil {
		var t tenancy.Tenant
		if err := s.db.WithContext(ctx).Where("id = ?", *req.TenantID).Take(&t).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, fmt.Errorf("tenant %d: %w", *req.TenantID, ErrNotFound)
			}
			return nil, err
		}
		scopes = append(scopes, scope{t.WorkspaceID, &t.ID})
	} else {
		workspaces, err := s.purgeWorkspaces(ctx, cutoff)
		if err != nil {
			return nil, err
		}
		for _, ws := range workspaces {
			scopes = append(scopes, scope{workspaceID: ws})
		}
	}
	var reports []PurgeReport
	for _, sc := range scopes {
		run, _, err := s.runs.Ensure(ctx, nil, purgeInput(sc.workspaceID, sc.tenantID, cutoff, grace,
			map[string]any{"manual": true}, operations.IdentityAlwaysNew))
		if err != nil {
			return reports, err
		}
		if run, err = s.runs.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
			return reports, err
		}
		result, workErr := s.Purge(ctx, run)
		if workErr != nil {
			result = operations.Transition{Outcome: operations.OutcomeFailed,
				Failures: []operations.Failure{{Code: CodeUnknown, Message: workErr.Error(), Count: 1}}}
		}
		result.To = operations.StatusCompleted
		done, err := s.runs.Transition(context.WithoutCancel(ctx), nil, run.ID, result)
		if err != nil {
			return reports, err
		}
		rep := PurgeReport{Run: done, WorkspaceID: sc.workspaceID, TenantID: sc.tenantID, RetiredBefore: cutoff}
		var counts map[string]int64
		if json.Unmarshal(done.SummaryCounts, &counts) == nil {
			rep.Sets, rep.Items = counts["deleted"], counts["items_deleted"]
		}
		reports = append(reports, rep)
		if workErr != nil {
			return reports, workErr
		}
	}
	return reports, nil
}
