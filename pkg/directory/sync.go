package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/connections"
	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// How long an unseen group stays: stale after StaleAfter, deleted after PurgeAfter.
const (
	StaleAfter = 30 * 24 * time.Hour
	PurgeAfter = 90 * 24 * time.Hour
)

// Providers hands out the Graph provider for one run of a tenant; *connections.Connections is one.
type Providers interface {
	ForRun(ctx context.Context, tenant tenancy.Tenant, runType string, runID int64) (graph.Provider, error)
}

// Syncer does the work of entra_group_sync runs.
type Syncer struct {
	db        *gorm.DB
	sql       *sql.DB
	providers Providers
	now       func() time.Time
}

// NewSyncer builds a Syncer.
func NewSyncer(db *gorm.DB, providers Providers) (*Syncer, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	return &Syncer{db: db, sql: sqlDB, providers: providers, now: time.Now}, nil
}

type storeError struct{ err error }

func (e *storeError) Error() string   { return "store groups: " + e.err.Error() }
func (e *storeError) Unwrap() error   { return e.err }
func (e *storeError) Transient() bool { return true }

const upsertSQL = `
WITH input AS (
	SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::bool[], $6::bool[])
		AS t(entra_group_id, display_name, group_type, security_enabled, mail_enabled)
),
old AS (
	SELECT g.entra_group_id, g.display_name, g.group_type, g.security_enabled, g.mail_enabled FROM entra_groups g
	WHERE g.tenant_id = $1 AND g.entra_group_id = ANY($2::text[])
),
up AS (
	INSERT INTO entra_groups (tenant_id, entra_group_id, display_name, group_type, security_enabled, mail_enabled,
		last_seen_at, last_seen_operation_run_id)
	SELECT $1, entra_group_id, display_name, group_type, security_enabled, mail_enabled, $7, $8 FROM input
	ON CONFLICT (tenant_id, entra_group_id) DO UPDATE SET
		display_name = EXCLUDED.display_name, group_type = EXCLUDED.group_type,
		security_enabled = EXCLUDED.security_enabled, mail_enabled = EXCLUDED.mail_enabled,
		last_seen_at = EXCLUDED.last_seen_at, last_seen_operation_run_id = EXCLUDED.last_seen_operation_run_id,
		updated_at = EXCLUDED.last_seen_at
	RETURNING 1
)
SELECT count(*) FILTER (WHERE o.entra_group_id IS NULL),
       count(*) FILTER (WHERE o.entra_group_id IS NOT NULL AND (o.display_name, o.group_type, o.security_enabled, o.mail_enabled)
                          IS DISTINCT FROM (i.display_name, i.group_type, i.security_enabled, i.mail_enabled)),
       (SELECT count(*) FROM up)
FROM input i LEFT JOIN old o USING (entra_group_id)`

// Sync reads every group of the tenant and upserts it with this run as last seen, then deletes
// the tenant's groups unseen for longer than PurgeAfter. Sync is the last attempt of its run;
// SyncAttempt says which attempt it is.
func (s *Syncer) Sync(ctx context.Context, run operations.Run) (operations.Transition, error) {
	return s.SyncAttempt(ctx, run, true)
}

// SyncAttempt is Sync as one attempt of its run's job: before the last attempt, Graph still
// throttling or unavailable after the client's own retries returns that (transient) error, so the
// job is tried again later within the same run.
func (s *Syncer) SyncAttempt(ctx context.Context, run operations.Run, lastAttempt bool) (operations.Transition, error) {
	var result operations.Transition
	if run.TenantID == nil {
		return result, errors.New("group sync needs a tenant")
	}
	var tenant tenancy.Tenant
	if err := s.db.WithContext(ctx).First(&tenant, *run.TenantID).Error; err != nil {
		return result, fmt.Errorf("tenant %d: %w", *run.TenantID, err)
	}
	provider, err := s.providers.ForRun(ctx, tenant, run.Type, run.ID)
	if err != nil {
		result.Outcome = operations.OutcomeFailed
		result.Failures = []operations.Failure{{Code: connections.ConnectionFailureCode(err), Message: err.Error(), Count: 1}}
		return result, nil
	}
	now := s.now().UTC()
	var observed, created, updated int64
	err = provider.ListGroups(ctx, func(page []graph.Group) error {
		ids, names, kinds := make([]string, 0, len(page)), make([]string, 0, len(page)), make([]string, 0, len(page))
		sec, mail := make([]bool, 0, len(page)), make([]bool, 0, len(page))
		seen := map[string]bool{}
		for _, g := range page {
			if g.ID == "" || seen[g.ID] {
				continue
			}
			seen[g.ID] = true
			ids, names, kinds = append(ids, g.ID), append(names, g.DisplayName), append(kinds, g.Kind())
			sec, mail = append(sec, g.SecurityEnabled), append(mail, g.MailEnabled)
		}
		if len(ids) == 0 {
			return nil
		}
		var c, u, n int64
		if err := s.sql.QueryRowContext(ctx, upsertSQL, tenant.ID, ids, names, kinds, sec, mail, now, run.ID).Scan(&c, &u, &n); err != nil {
			return &storeError{err}
		}
		observed += int64(len(ids))
		created += c
		updated += u
		_ = operations.ReportProgress(ctx, observed, nil) // groups stored so far
		return nil
	})
	var se *storeError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return result, ctx.Err()
	case errors.As(err, &se):
		return result, se
	case !lastAttempt && graph.IsTransient(err):
		return result, fmt.Errorf("groups: %w", err)
	default:
		result.Outcome = operations.OutcomeFailed
		result.Failures = []operations.Failure{{Code: graph.FailureCode(err), Message: "groups: " + err.Error(), Count: 1}}
	}
	purged, perr := PurgeUnseen(ctx, s.db, &tenant.ID, now.Add(-PurgeAfter))
	if perr != nil {
		return result, &storeError{perr}
	}
	result.SummaryCounts = map[string]any{
		"total": observed, "processed": observed, "succeeded": observed, "observed": observed,
		"upserted": observed, "created": created, "updated": updated, "unchanged": observed - created - updated,
		"errors": int64(len(result.Failures)), "purged": purged,
	}
	if result.Outcome == "" {
		result.Outcome = operations.OutcomeSucceeded
	} else if observed > 0 {
		result.Outcome = operations.OutcomePartiallySucceeded
	}
	return result, nil
}

// PurgeUnseen deletes groups last seen before the cutoff (of one tenant, or of all when tenantID
// is nil) and says how many.
func PurgeUnseen(ctx context.Context, db *gorm.DB, tenantID *int64, cutoff time.Time) (int64, error) {
	q := db.WithContext(ctx).Where("last_seen_at < ?", cutoff)
	if tenantID != nil {
		q = q.Where("tenant_id = ?", *tenantID)
	}
	res := q.Delete(&Group{})
	if res.Error != nil {
		return 0, fmt.Errorf("purge groups: %w", res.Error)
	}
	return res.RowsAffected, nil
}
