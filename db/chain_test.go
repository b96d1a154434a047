package db_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/db"
	"github.com/tenantatlas/operations/pkg/database"
	"github.com/tenantatlas/operations/pkg/database/dbtest"
)

// schemaSnapshot lists every column, index and constraint of the public schema.
func schemaSnapshot(t *testing.T, x exec) string {
	t.Helper()
	rows, err := x.db.Query(`
		SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
		FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
		UNION ALL
		SELECT 'idx ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
		UNION ALL
		SELECT 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE connamespace = 'public'::regnamespace
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// TestDownToBaselineAndUpAgain walks the chain all the way down and up again on an empty
// database: every down restores the shape its up changed.
func TestDownToBaselineAndUpAgain(t *testing.T) {
	t.Parallel()
	tdb := dbtest.NewEmpty(t)
	mg := migrator(t, tdb.URL)
	x := exec{t, tdb.SQL}

	if err := mg.Goto(baselineVersion); err != nil {
		t.Fatalf("goto baseline: %v", err)
	}
	baseline := schemaSnapshot(t, x)

	if err := mg.Up(); err != nil {
		t.Fatalf("up: %v", err)
	}
	head := schemaSnapshot(t, x)
	if v, dirty, err := mg.Version(); err != nil || dirty || v != database.LatestVersion() {
		t.Fatalf("version %d dirty=%v err=%v, want %d", v, dirty, err, database.LatestVersion())
	}

	// Down one step at a time to the baseline.
	for i := len(database.Versions()) - 1; i > 0; i-- {
		if err := mg.Down(1); err != nil {
			t.Fatalf("down from %d: %v", database.Versions()[i], err)
		}
	}
	if got := schemaSnapshot(t, x); got != baseline {
		t.Fatalf("schema after down to baseline differs from the baseline:\n%s", diff(baseline, got))
	}

	if err := mg.Up(); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if got := schemaSnapshot(t, x); got != head {
		t.Fatalf("schema after up again differs:\n%s", diff(head, got))
	}

	// And the baseline's own down leaves nothing behind.
	if err := mg.Goto(baselineVersion); err != nil {
		t.Fatal(err)
	}
	if err := mg.Down(1); err != nil {
		t.Fatalf("down baseline: %v", err)
	}
	if n := x.int(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`); n != 0 {
		t.Fatalf("%d tables left after the baseline's down", n)
	}
}

func diff(want, got string) string {
	w := map[string]bool{}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	g := map[string]bool{}
	var b strings.Builder
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	return b.String()
}

// TestEveryMigrationHasADown checks the chain's files pair up and versions are unique timestamps.
func TestEveryMigrationHasADown(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(db.Migrations, db.MigrationsDir+"/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`^(\d{14})_[a-z0-9_]+\.(up|down)\.sql$`)
	ups, downs := map[string]string{}, map[string]string{}
	for _, f := range files {
		base := strings.TrimPrefix(f, db.MigrationsDir+"/")
		m := name.FindStringSubmatch(base)
		if m == nil {
			t.Errorf("%s: name must be <14-digit timestamp>_<snake_case>.(up|down).sql", base)
			continue
		}
		stem := strings.TrimSuffix(strings.TrimSuffix(base, ".up.sql"), ".down.sql")
		if m[2] == "up" {
			if prev, ok := ups[m[1]]; ok {
				t.Errorf("version %s used twice: %s and %s", m[1], prev, stem)
			}
			ups[m[1]] = stem
		} else {
			downs[m[1]] = stem
		}
	}
	for v, stem := range ups {
		if downs[v] != stem {
			t.Errorf("%s has no matching down", stem)
		}
	}
	for v, stem := range downs {
		if ups[v] != stem {
			t.Errorf("%s has no matching up", stem)
		}
	}
}
