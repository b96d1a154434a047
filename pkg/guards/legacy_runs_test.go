package guards

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// legacyTokens are the names of the legacy run system (spec 087, FR-009). None may appear in the
// application's code.
var legacyTokens = []string{
	"InventorySyncRun", "inventory_sync_runs", "InventorySyncRunResource",
	"EntraGroupSyncRun", "entra_group_sync_runs", "EntraGroupSyncRunResource",
	"BackupScheduleRun", "backup_schedule_runs", "BackupScheduleRunsRelationManager",
}

// scanned are the application's directories, relative to the repository root.
var scanned = []string{"api", "cmd", "pkg", "frontend/src"}

// excluded paths, relative to the repository root. db/migrations is not scanned at all: the
// chain necessarily names the tables it creates and drops.
var excluded = map[string]string{
	"pkg/guards/legacy_runs_test.go": "this guard, which lists the tokens",
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// findLegacyTokens returns "path:line: token" for every occurrence under the given directories.
func findLegacyTokens(t *testing.T, root string, dirs []string) (hits []string, files int) {
	t.Helper()
	for _, dir := range dirs {
		start := filepath.Join(root, dir)
		if _, err := os.Stat(start); os.IsNotExist(err) {
			continue
		}
		err := filepath.WalkDir(start, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if d.Name() == "node_modules" || d.Name() == "dist" {
					return filepath.SkipDir
				}
				return nil
			}
			if _, skip := excluded[rel]; skip {
				return nil
			}
			files++
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
			for n := 1; sc.Scan(); n++ {
				line := sc.Text()
				for _, tok := range legacyTokens {
					if strings.Contains(line, tok) {
						hits = append(hits, rel+":"+strconv.Itoa(n)+": "+tok)
					}
				}
			}
			return sc.Err()
		})
		if err != nil {
			t.Fatalf("scan %s: %v", dir, err)
		}
	}
	return hits, files
}

// TestNoLegacyRuns fails, naming file and line, wherever a legacy run token appears in api/,
// cmd/, pkg/ or frontend/src.
func TestNoLegacyRuns(t *testing.T) {
	root := repoRoot(t)
	hits, files := findLegacyTokens(t, root, scanned)
	if files < 10 {
		t.Fatalf("scanned only %d files under %v: is the root %s right?", files, scanned, root)
	}
	for _, h := range hits {
		t.Errorf("legacy run token: %s", h)
	}
}

// TestNoLegacyRunsDetects proves the scan finds a token, so the guard cannot pass vacuously.
func TestNoLegacyRunsDetects(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "pkg", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := "package x\n\n// ok\nvar _ = \"SELECT * FROM backup_schedule_runs\"\n"
	if err := os.WriteFile(filepath.Join(root, "pkg", "x", "x.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	hits, _ := findLegacyTokens(t, root, scanned)
	if len(hits) != 1 || hits[0] != "pkg/x/x.go:4: backup_schedule_runs" {
		t.Fatalf("hits = %v", hits)
	}
}
