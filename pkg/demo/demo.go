// Package demo seeds a demo workspace so that a new installation has something to show.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tenantatlas/operations/pkg/connections"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// Account is a demo sign-in.
type Account struct {
	Email    string
	Name     string
	Password string
	Role     tenancy.Role
}

// Accounts are the demo users, one per role. Their passwords are public: the demo is for a
// developer's machine, never for production data.
var Accounts = []Account{
	{"owner@demo.tenantatlas.test", "Olivia Owner", "demo-owner-password", tenancy.RoleOwner},
	{"operator@demo.tenantatlas.test", "Oscar Operator", "demo-operator-password", tenancy.RoleOperator},
	{"readonly@demo.tenantatlas.test", "Rita Readonly", "demo-readonly-password", tenancy.RoleReadonly},
}

// Result says what the seed holds.
type Result struct {
	Workspace tenancy.Workspace
	Tenants   []tenancy.Tenant
	RunsAdded int
}

// Seed creates the demo workspace, its tenants, users, memberships and a month of run history.
// It is idempotent: running it again changes nothing that is already there.
func Seed(ctx context.Context, db *gorm.DB, now time.Time) (Result, error) {
	var res Result
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ws := tenancy.Workspace{Name: "Contoso MSP (demo)", Slug: "demo", Status: "active"}
		if err := tx.Where(tenancy.Workspace{Slug: ws.Slug}).FirstOrCreate(&ws).Error; err != nil {
			return fmt.Errorf("workspace: %w", err)
		}
		res.Workspace = ws
		for _, t := range []tenancy.Tenant{
			{WorkspaceID: ws.ID, Name: "Fabrikam", EntraTenantID: "00000000-0000-4000-8000-00000000fa01", Status: "active"},
			{WorkspaceID: ws.ID, Name: "Northwind Traders", EntraTenantID: "00000000-0000-4000-8000-00000000a0a1", Status: "active"},
		} {
			if err := tx.Where(tenancy.Tenant{EntraTenantID: t.EntraTenantID}).FirstOrCreate(&t).Error; err != nil {
				return fmt.Errorf("tenant: %w", err)
			}
			res.Tenants = append(res.Tenants, t)
			// The demo tenants read from the deterministic simulated provider: no credentials needed.
			if err := connections.EnsureSimulated(ctx, tx, t.ID); err != nil {
				return err
			}
		}
		var owner tenancy.User
		for i, a := range Accounts {
			var u tenancy.User
			err := tx.Where("lower(email) = lower(?)", a.Email).First(&u).Error
			if err == gorm.ErrRecordNotFound {
				hash, herr := tenancy.HashPassword(a.Password)
				if herr != nil {
					return herr
				}
				u = tenancy.User{Email: a.Email, Name: a.Name, PasswordHash: &hash, IsPlatformAdmin: a.Role == tenancy.RoleOwner}
				err = tx.Create(&u).Error
			}
			if err != nil {
				return fmt.Errorf("user %s: %w", a.Email, err)
			}
			if i == 0 {
				owner = u
			}
			wm := tenancy.WorkspaceMembership{WorkspaceID: ws.ID, UserID: u.ID, Role: a.Role}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&wm).Error; err != nil {
				return fmt.Errorf("membership: %w", err)
			}
			if a.Role.Rank() < tenancy.RoleManager.Rank() {
				// Operators and readonly members see only the tenants they are members of.
				tm := tenancy.TenantMembership{TenantID: res.Tenants[0].ID, UserID: u.ID, Role: a.Role}
				if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&tm).Error; err != nil {
					return fmt.Errorf("tenant membership: %w", err)
				}
			}
		}
		history := operations.NewService(db)
		n, err := history.CountWorkspaceRuns(ctx, tx, ws.ID)
		if err != nil || n > 0 {
			return err
		}
		runs := pastRuns(ws.ID, res.Tenants, owner, now)
		if err := history.ImportHistory(ctx, tx, runs); err != nil {
			return err
		}
		res.RunsAdded = len(runs)
		return nil
	})
	return res, err
}

// pastRuns is a month of finished runs of every type across the demo tenants.
func pastRuns(workspaceID int64, tenants []tenancy.Tenant, owner tenancy.User, now time.Time) []operations.Run {
	type spec struct {
		typ     string
		outcome operations.Outcome
		counts  map[string]int
		failure []map[string]any
		context map[string]any
	}
	specs := []spec{
		{"inventory_sync", operations.OutcomeSucceeded, map[string]int{"total": 42, "processed": 42, "succeeded": 42, "created": 3, "updated": 4, "unchanged": 35}, nil,
			map[string]any{"selection": map[string]any{"policy_types": []string{"deviceConfiguration", "deviceCompliancePolicy"}, "include_foundations": true}}},
		{"entra_group_sync", operations.OutcomeSucceeded, map[string]int{"total": 118, "processed": 118, "succeeded": 118}, nil, map[string]any{}},
		{"inventory_sync", operations.OutcomePartiallySucceeded, map[string]int{"total": 40, "processed": 40, "succeeded": 31, "failed": 9}, []map[string]any{{"code": "graph.throttled", "message": "configurationPolicies: throttled after 5 attempts", "count": 9}},
			map[string]any{"selection": map[string]any{"policy_types": []string{"configurationPolicy"}, "include_foundations": false}}},
		{"backup_schedule_run", operations.OutcomeSucceeded, map[string]int{"total": 37, "succeeded": 37}, nil, map[string]any{"trigger": "scheduled"}},
		{"backup_schedule_retention", operations.OutcomeSucceeded, map[string]int{"kept": 30, "retired": 1}, nil, map[string]any{}},
		{"drift_generate_findings", operations.OutcomeSucceeded, map[string]int{"total": 5, "created": 5}, nil, map[string]any{}},
		{"entra_group_sync", operations.OutcomeFailed, map[string]int{"total": 0}, []map[string]any{{"code": "graph.permission_missing", "message": "Group.Read.All is not granted to the app registration", "count": 1}}, map[string]any{}},
		{"backup_schedule_purge", operations.OutcomeSucceeded, map[string]int{"deleted": 2}, nil, map[string]any{}},
	}
	var runs []operations.Run
	for i := 0; i < 60; i++ {
		s := specs[i%len(specs)]
		t := tenants[i%len(tenants)]
		created := now.Add(-time.Duration(60-i) * 11 * time.Hour).UTC().Truncate(time.Second)
		started := created.Add(2 * time.Second)
		completed := started.Add(time.Duration(20+i%7*13) * time.Second)
		tenantID := t.ID
		r := operations.Run{
			WorkspaceID: workspaceID, TenantID: &tenantID, Type: s.typ,
			Status: operations.StatusCompleted, Outcome: s.outcome,
			SummaryCounts: mustJSON(s.counts), FailureSummary: mustJSON(orEmpty(s.failure)), Context: mustJSON(s.context),
			StartedAt: &started, CompletedAt: &completed, CreatedAt: created, UpdatedAt: completed,
		}
		if i%3 == 0 || s.typ == "backup_schedule_run" || s.typ == "backup_schedule_retention" || s.typ == "backup_schedule_purge" {
			r.InitiatorName = "System"
		} else {
			uid := owner.ID
			r.UserID, r.InitiatorName = &uid, owner.Name
		}
		runs = append(runs, r)
	}
	return runs
}

func orEmpty(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
