package operations_test

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/tenantatlas/operations/pkg/operations"
)

func TestSanitizeCounts(t *testing.T) {
	cases := []struct {
		name string
		typ  string
		in   map[string]any
		want map[string]int64
	}{
		{"nil", "inventory_sync", nil, map[string]int64{}},
		{"type keys kept, foreign keys dropped", "inventory_sync",
			map[string]any{"total": 10, "created": 2, "updated": 3, "unchanged": 5, "kept": 1, "items": 4, "password": 1},
			map[string]int64{"total": 10, "created": 2, "updated": 3, "unchanged": 5}},
		{"unknown type: common keys only", "legacy.thing",
			map[string]any{"total": 3, "processed": 3, "succeeded": 1, "failed": 1, "skipped": 1, "created": 9},
			map[string]int64{"total": 3, "processed": 3, "succeeded": 1, "failed": 1, "skipped": 1}},
		{"per-type keys", "backup_schedule_purge",
			map[string]any{"deleted": 4, "items_deleted": 40, "retired": 1},
			map[string]int64{"deleted": 4, "items_deleted": 40}},
		{"non-numbers dropped", "inventory_sync",
			map[string]any{"total": "10", "processed": true, "succeeded": nil, "failed": map[string]any{"n": 1}, "skipped": []any{1}},
			map[string]int64{}},
		{"numbers of every kind", "drift_generate_findings",
			map[string]any{"total": int8(1), "processed": uint16(2), "succeeded": int64(3), "failed": float32(4), "skipped": 5.0,
				"created": json.Number("6"), "unchanged": json.Number("7.0"), "added": json.Number("8e1"), "removed": uint64(9)},
			map[string]int64{"total": 1, "processed": 2, "succeeded": 3, "failed": 4, "skipped": 5, "created": 6, "unchanged": 7, "added": 80, "removed": 9}},
		{"not whole, negative, not finite, too large: dropped", "drift_generate_findings",
			map[string]any{"total": 1.5, "processed": -1, "succeeded": math.NaN(), "failed": math.Inf(1), "skipped": json.Number("-2"),
				"created": json.Number("1.25"), "unchanged": uint64(math.MaxUint64), "added": 1e19, "removed": json.Number("x"), "modified": 0},
			map[string]int64{"modified": 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := operations.SanitizeCounts(c.typ, c.in)
			if got == nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("SanitizeCounts = %v, want %v", got, c.want)
			}
		})
	}
}
