package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantatlas/operations/pkg/database/dbtest"
)

func TestBackupsPurge(t *testing.T) {
	tdb := dbtest.New(t)
	t.Setenv("DATABASE_URL", tdb.URL)
	id := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := tdb.SQL.QueryRow(q+" RETURNING id", args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	count := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := tdb.SQL.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	ws := id(`INSERT INTO workspaces (name, slug) VALUES ('A', 'a')`)
	tn := id(`INSERT INTO tenants (workspace_id, name, entra_tenant_id) VALUES ($1, 'T', 'e-1')`, ws)
	set := func(retired string, items int) int64 {
		s := id(`INSERT INTO backup_sets (tenant_id, name, status, retired_at) VALUES ($1, 'S', 'completed', now() - $2::interval)`, tn, retired)
		for i := 0; i < items; i++ {
			id(`INSERT INTO backup_items (tenant_id, backup_set_id, policy_type, external_id) VALUES ($1, $2, 'deviceConfiguration', $3)`, tn, s, fmt.Sprint(i))
		}
		return s
	}
	old := set("40 days", 4)
	recent := set("3 days", 1)

	out, _, err := runCLI(t, "backups", "purge", "--tenant", fmt.Sprint(tn))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^run \d+ \(tenant \d+, succeeded\): deleted 1 backup sets, 4 items retired before \S+\n$`).MatchString(out) {
		t.Fatalf("stdout = %q", out)
	}
	if count(`SELECT count(*) FROM backup_sets WHERE id = $1`, old) != 0 || count(`SELECT count(*) FROM backup_sets WHERE id = $1`, recent) != 1 {
		t.Fatal("purged the wrong sets")
	}
	if n := count(`SELECT count(*) FROM operation_runs WHERE type = 'backup_schedule_purge' AND status = 'completed'
		AND outcome = 'succeeded' AND user_id IS NULL AND initiator_name = 'System' AND tenant_id = $1`, tn); n != 1 {
		t.Fatalf("%d purge runs", n)
	}

	// Every workspace, with a shorter grace: the recent one goes, in a workspace-scoped run.
	out, _, err = runCLI(t, "backups", "purge", "--older-than", "48h")
	if err != nil || !strings.Contains(out, fmt.Sprintf("(workspace %d, succeeded): deleted 1 backup sets, 1 items", ws)) {
		t.Fatalf("all workspaces: %q %v", out, err)
	}
	out, _, err = runCLI(t, "backups", "purge")
	if err != nil || !strings.HasPrefix(out, "nothing to purge") {
		t.Fatalf("nothing left: %q %v", out, err)
	}

	for _, c := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"backups"}, "subcommand", true},
		{[]string{"backups", "prune"}, "subcommand", true},
		{[]string{"backups", "purge", "--older-than", "soon"}, "invalid value", true},
		{[]string{"backups", "purge", "--older-than", "-1h"}, "must be positive", true},
		{[]string{"backups", "purge", "extra"}, "unexpected argument", true},
		{[]string{"backups", "purge", "--tenant", "999999"}, "tenant 999999 does not exist", false},
	} {
		_, _, err := runCLI(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, errUsage) != c.usage {
			t.Errorf("%v: %v, want %q (usage %v)", c.args, err, c.want, c.usage)
		}
	}
}
