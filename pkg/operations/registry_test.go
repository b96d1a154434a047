package operations_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantatlas/operations/pkg/operations"
)

func TestRegistry(t *testing.T) {
	want := []struct {
		key, label, capability string
		rule                   operations.IdentityRule
		limit                  time.Duration
		own                    []string
	}{
		{"inventory_sync", "Inventory sync", "tenant.inventory.sync", operations.IdentityReuseActive, 30 * time.Minute,
			[]string{"created", "updated", "unchanged"}},
		{"entra_group_sync", "Entra group sync", "tenant.directory.sync", operations.IdentityReuseActive, 30 * time.Minute,
			[]string{"observed", "upserted", "errors", "created", "updated", "unchanged"}},
		{"drift_generate_findings", "Drift findings generation", "tenant.drift.view", operations.IdentityReuseActive, 15 * time.Minute,
			[]string{"created", "unchanged", "added", "removed", "modified"}},
		{"backup_schedule_run", "Backup schedule run", "tenant.backups.manage", operations.IdentitySlot, 60 * time.Minute,
			[]string{"items", "policy_types"}},
		{"backup_schedule_retention", "Backup retention", "tenant.backups.manage", operations.IdentitySlot, 15 * time.Minute,
			[]string{"kept", "retired"}},
		{"backup_schedule_purge", "Backup purge", "tenant.backups.manage", operations.IdentitySlot, 60 * time.Minute,
			[]string{"deleted", "items_deleted"}},
	}
	types := operations.Types()
	if len(types) != len(want) {
		t.Fatalf("%d types registered, want %d", len(types), len(want))
	}
	common := []string{"total", "processed", "succeeded", "failed", "skipped"}
	if !slices.Equal(operations.CommonSummaryKeys(), common) {
		t.Fatalf("common keys %v", operations.CommonSummaryKeys())
	}
	for i, w := range want {
		got := types[i]
		if got.Key != w.key || got.Label != w.label || got.Capability != w.capability || got.IdentityRule != w.rule || got.TimeLimit != w.limit {
			t.Errorf("type %d: %+v, want %+v", i, got, w)
		}
		if wantKeys := append(slices.Clone(common), w.own...); !slices.Equal(got.SummaryKeys, wantKeys) {
			t.Errorf("%s summary keys %v, want %v", w.key, got.SummaryKeys, wantKeys)
		}
		if !operations.ValidTypeKey(got.Key) || !got.IdentityRule.Valid() {
			t.Errorf("%s: malformed key or rule", got.Key)
		}
		if l, ok := operations.Lookup(w.key); !ok || l.Key != w.key {
			t.Errorf("Lookup(%q) = %+v, %v", w.key, l, ok)
		}
		if operations.LabelFor(w.key) != w.label || operations.CapabilityFor(w.key) != w.capability {
			t.Errorf("%s: LabelFor/CapabilityFor disagree with the registry", w.key)
		}
		if operations.Keys()[i] != w.key {
			t.Errorf("Keys()[%d] = %s, want %s", i, operations.Keys()[i], w.key)
		}
	}

	// The registry belongs to nobody: changing a returned copy changes nothing.
	types[0].SummaryKeys[0] = "tampered"
	types[0].Label = "tampered"
	if again := operations.Types(); again[0].SummaryKeys[0] != "total" || again[0].Label != "Inventory sync" {
		t.Fatal("Types returned shared state")
	}
}

func TestRegistryUnknownTypes(t *testing.T) {
	for _, key := range []string{"inventory.sync", "backup_schedule.run_now", "restore", "", "Inventory_Sync"} {
		if _, ok := operations.Lookup(key); ok {
			t.Errorf("Lookup(%q) found a type", key)
		}
		if got := operations.LabelFor(key); got != "Unknown operation" {
			t.Errorf("LabelFor(%q) = %q", key, got)
		}
		if got := operations.CapabilityFor(key); got != "tenant.operations.view" {
			t.Errorf("CapabilityFor(%q) = %q", key, got)
		}
	}
}

func TestValidTypeKey(t *testing.T) {
	valid := []string{"inventory_sync", "inventory.sync", "a", "backup_schedule.run_now", "a" + strings.Repeat("b", 63)}
	invalid := []string{"", "Inventory_sync", "1abc", "_abc", "inventory-sync", "inventory sync", "a;drop",
		"a" + strings.Repeat("b", 64), "inventory_sync\n"}
	for _, s := range valid {
		if !operations.ValidTypeKey(s) {
			t.Errorf("ValidTypeKey(%q) = false", s)
		}
	}
	for _, s := range invalid {
		if operations.ValidTypeKey(s) {
			t.Errorf("ValidTypeKey(%q) = true", s)
		}
	}
}
