package db_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
)

const baselineVersion = 20260211000000

// migrator opens the chain on a test database; the test fails on any error.
func migrator(t *testing.T, url string) *database.Migrator {
	t.Helper()
	mg, err := database.NewMigrator(context.Background(), url)
	if err != nil {
		t.Fatalf("migrator: %v", err)
	}
	t.Cleanup(func() { _ = mg.Close() })
	return mg
}

type exec struct {
	t  *testing.T
	db *sql.DB
}

func (e exec) id(query string, args ...any) int64 {
	e.t.Helper()
	var id int64
	if err := e.db.QueryRow(query+" RETURNING id", args...).Scan(&id); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return id
}

func (e exec) do(query string, args ...any) {
	e.t.Helper()
	if _, err := e.db.Exec(query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

func (e exec) int(query string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (e exec) nullInt(query string, args ...any) sql.NullInt64 {
	e.t.Helper()
	var n sql.NullInt64
	if err := e.db.QueryRow(query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestCutoverUpgrade migrates a database holding pre-cut-over data through the spec-087 chain and
// checks that references move to canonical runs, legacy storage goes and nothing else is lost.
func TestCutoverUpgrade(t *testing.T) {
	t.Parallel()
	tdb := dbtest.NewEmpty(t)
	mg := migrator(t, tdb.URL)
	if err := mg.Goto(baselineVersion); err != nil {
		t.Fatalf("goto baseline: %v", err)
	}
	x := exec{t, tdb.SQL}

	ws := x.id(`INSERT INTO workspaces (name, slug) VALUES ('Contoso MSP', 'contoso')`)
	tn := x.id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'Fabrikam', 'tid-1')`, ws)
	user := x.id(`INSERT INTO users (email, name) VALUES ('ops@example.com', 'Ops')`)
	run := func(typ string) int64 {
		return x.id(`INSERT INTO operation_runs (workspace_id, tenant_id, user_id, initiator_name, type, status, outcome, context)
			VALUES ($1, $2, $3, 'Ops', $4, 'completed', 'succeeded', $5)`, ws, tn, user, typ, `{"trigger":"scheduled"}`)
	}

	// Every dotted type of the affected workflows, and types that must stay as stored.
	want := map[int64]string{}
	for dotted, canonical := range map[string]string{
		"inventory.sync":            "inventory_sync",
		"directory_groups.sync":     "entra_group_sync",
		"drift.generate":            "drift_generate_findings",
		"backup_schedule.run_now":   "backup_schedule_run",
		"backup_schedule.retry":     "backup_schedule_run",
		"backup_schedule.scheduled": "backup_schedule_run",
	} {
		want[run(dotted)] = canonical
	}
	for _, keep := range []string{"restore.execute", "backup_set.add_policies", "inventory.sync.preview",
		"Inventory.Sync", "backup_schedule.purge", "inventory_sync", "policy.sync"} {
		want[run(keep)] = keep
	}

	// Legacy inventory runs: bridged, without a bridge, and bridged to a run deleted since.
	bridged := run("inventory.sync")
	want[bridged] = "inventory_sync"
	bridged2 := run("inventory.sync")
	want[bridged2] = "inventory_sync"
	doomed := run("inventory.sync")
	legacyRun := func(bridge any) int64 {
		return x.id(`INSERT INTO inventory_sync_runs (tenant_id, selection_hash, status, operation_run_id)
			VALUES ($1, 'sel', 'success', $2)`, tn, bridge)
	}
	lBridged, lBridged2, lNoBridge, lDeleted := legacyRun(bridged), legacyRun(bridged2), legacyRun(nil), legacyRun(doomed)
	x.do(`DELETE FROM operation_runs WHERE id = $1`, doomed)

	finding := func(fp string, baseline, current any) int64 {
		return x.id(`INSERT INTO findings (tenant_id, scope_key, baseline_run_id, current_run_id, fingerprint, subject_type, subject_external_id, change_type)
			VALUES ($1, 'scope', $2, $3, $4, 'deviceConfiguration', 'ext', 'modified')`, tn, baseline, current, fp)
	}
	fBoth := finding("f1", lBridged, lBridged2)
	fMixed := finding("f2", lNoBridge, lBridged)
	fDeleted := finding("f3", lDeleted, nil)
	fNone := finding("f4", nil, nil)

	item := func(ext string, lastSeen any) int64 {
		return x.id(`INSERT INTO inventory_items (tenant_id, policy_type, external_id, last_seen_run_id)
			VALUES ($1, 'deviceConfiguration', $2, $3)`, tn, ext, lastSeen)
	}
	iBridged, iNoBridge, iDeleted, iNone := item("i1", lBridged2), item("i2", lNoBridge), item("i3", lDeleted), item("i4", nil)

	groupRun := run("directory_groups.sync")
	want[groupRun] = "entra_group_sync"
	gBridged := x.id(`INSERT INTO entra_group_sync_runs (tenant_id, status, operation_run_id) VALUES ($1, 'succeeded', $2)`, tn, groupRun)
	gNoBridge := x.id(`INSERT INTO entra_group_sync_runs (tenant_id, status) VALUES ($1, 'failed')`, tn)
	eBridged := x.id(`INSERT INTO entra_groups (tenant_id, entra_group_id, last_seen_run_id) VALUES ($1, 'g1', $2)`, tn, gBridged)
	eNoBridge := x.id(`INSERT INTO entra_groups (tenant_id, entra_group_id, last_seen_run_id) VALUES ($1, 'g2', $2)`, tn, gNoBridge)

	schedRun := run("backup_schedule.scheduled")
	want[schedRun] = "backup_schedule_run"
	sched := x.id(`INSERT INTO backup_schedules (tenant_id, name, frequency, time_of_day) VALUES ($1, 'Nightly', 'daily', '02:00')`, tn)
	x.do(`INSERT INTO backup_schedule_runs (backup_schedule_id, tenant_id, scheduled_for, status, operation_run_id)
		VALUES ($1, $2, now(), 'success', $3)`, sched, tn, schedRun)

	runsBefore := x.int(`SELECT count(*) FROM operation_runs`)
	idsBefore := x.int(`SELECT sum(id) FROM operation_runs`)

	if err := mg.Up(); err != nil {
		t.Fatalf("migrate up: %v", err)
	}

	t.Run("exact type rewrites", func(t *testing.T) {
		for id, typ := range want {
			var got string
			if err := tdb.SQL.QueryRow(`SELECT type FROM operation_runs WHERE id = $1`, id).Scan(&got); err != nil {
				t.Fatalf("run %d: %v", id, err)
			}
			if got != typ {
				t.Errorf("run %d: type %q, want %q", id, got, typ)
			}
		}
	})

	t.Run("findings backfilled through the bridge, NULL without one", func(t *testing.T) {
		check := func(name string, id int64, col string, want int64, valid bool) {
			got := x.nullInt(`SELECT `+col+` FROM findings WHERE id = $1`, id)
			if got.Valid != valid || (valid && got.Int64 != want) {
				t.Errorf("%s %s = %v, want valid=%v %d", name, col, got, valid, want)
			}
		}
		check("both bridged", fBoth, "baseline_operation_run_id", bridged, true)
		check("both bridged", fBoth, "current_operation_run_id", bridged2, true)
		check("no bridge", fMixed, "baseline_operation_run_id", 0, false)
		check("mixed", fMixed, "current_operation_run_id", bridged, true)
		check("deleted run", fDeleted, "baseline_operation_run_id", 0, false)
		check("none", fNone, "baseline_operation_run_id", 0, false)
		check("none", fNone, "current_operation_run_id", 0, false)
	})

	t.Run("inventory items and groups backfilled", func(t *testing.T) {
		for _, c := range []struct {
			table string
			id    int64
			want  int64
			valid bool
		}{
			{"inventory_items", iBridged, bridged2, true},
			{"inventory_items", iNoBridge, 0, false},
			{"inventory_items", iDeleted, 0, false},
			{"inventory_items", iNone, 0, false},
			{"entra_groups", eBridged, groupRun, true},
			{"entra_groups", eNoBridge, 0, false},
		} {
			got := x.nullInt(`SELECT last_seen_operation_run_id FROM `+c.table+` WHERE id = $1`, c.id)
			if got.Valid != c.valid || (c.valid && got.Int64 != c.want) {
				t.Errorf("%s %d: last_seen_operation_run_id = %v, want valid=%v %d", c.table, c.id, got, c.valid, c.want)
			}
		}
	})

	t.Run("legacy columns and tables gone", func(t *testing.T) {
		for _, c := range [][2]string{
			{"findings", "baseline_run_id"}, {"findings", "current_run_id"},
			{"inventory_items", "last_seen_run_id"}, {"entra_groups", "last_seen_run_id"},
		} {
			if n := x.int(`SELECT count(*) FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`, c[0], c[1]); n != 0 {
				t.Errorf("column %s.%s still exists", c[0], c[1])
			}
		}
		for _, table := range []string{"inventory_sync_runs", "entra_group_sync_runs", "backup_schedule_runs"} {
			if n := x.int(`SELECT count(*) FROM information_schema.tables WHERE table_name = $1`, table); n != 0 {
				t.Errorf("table %s still exists", table)
			}
		}
	})

	t.Run("no run created or lost, nothing else lost", func(t *testing.T) {
		if n := x.int(`SELECT count(*) FROM operation_runs`); n != runsBefore {
			t.Errorf("operation_runs count %d, want %d", n, runsBefore)
		}
		if n := x.int(`SELECT sum(id) FROM operation_runs`); n != idsBefore {
			t.Errorf("operation_runs ids changed")
		}
		for table, want := range map[string]int64{"findings": 4, "inventory_items": 4, "entra_groups": 2, "backup_schedules": 1} {
			if n := x.int(`SELECT count(*) FROM ` + table); n != want {
				t.Errorf("%s count %d, want %d", table, n, want)
			}
		}
	})

	t.Run("canonical references are foreign keys that null on delete", func(t *testing.T) {
		x.do(`DELETE FROM operation_runs WHERE id = $1`, bridged2)
		if got := x.nullInt(`SELECT current_operation_run_id FROM findings WHERE id = $1`, fBoth); got.Valid {
			t.Errorf("finding still points at deleted run %d", got.Int64)
		}
		if got := x.nullInt(`SELECT last_seen_operation_run_id FROM inventory_items WHERE id = $1`, iBridged); got.Valid {
			t.Errorf("item still points at deleted run %d", got.Int64)
		}
	})
}
