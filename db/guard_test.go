package db_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/db"
)

// writesRuns matches any statement that would write rows into operation_runs.
var writesRuns = regexp.MustCompile(`(?is)\b(insert\s+into|copy|merge\s+into)\s+(public\.)?"?operation_runs"?\b|\binto\s+(public\.)?"?operation_runs"?\b`)

// TestNoLegacyRunBackfill keeps every migration, up and down, from creating canonical runs out of
// legacy run history (spec 087 FR-010): references may be backfilled, run rows may not. The
// runtime half of the rule, an unchanged operation_runs count across the cut-over, is checked in
// TestCutoverUpgrade.
func TestNoLegacyRunBackfill(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(db.Migrations, db.MigrationsDir+"/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no migrations found")
	}
	for _, f := range files {
		b, err := fs.ReadFile(db.Migrations, f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(stripComments(string(b)), "\n") {
			if writesRuns.MatchString(line) {
				t.Errorf("%s:%d writes into operation_runs: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

func TestNoLegacyRunBackfillPatternCatchesWrites(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		"INSERT INTO operation_runs (type) SELECT 'inventory_sync' FROM inventory_sync_runs",
		"insert  into public.operation_runs select * from x",
		`COPY "operation_runs" FROM stdin`,
		"SELECT * INTO operation_runs FROM legacy",
	} {
		if !writesRuns.MatchString(bad) {
			t.Errorf("pattern misses %q", bad)
		}
	}
	for _, ok := range []string{"UPDATE operation_runs SET type = 'x'", "JOIN operation_runs o ON o.id = r.operation_run_id"} {
		if writesRuns.MatchString(ok) {
			t.Errorf("pattern flags %q", ok)
		}
	}
}

// stripComments blanks SQL line comments, keeping line numbers.
func stripComments(sql string) string {
	lines := strings.Split(sql, "\n")
	for i, l := range lines {
		if j := strings.Index(l, "--"); j >= 0 {
			lines[i] = l[:j]
		}
	}
	return strings.Join(lines, "\n")
}
