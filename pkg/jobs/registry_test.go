package jobs

import (
	"slices"
	"testing"

	"github.com/tenantatlas/operations/pkg/operations"
)

// TestEveryRunTypeHasAWorker holds the work table to the registry: every registered run type has
// a worker, and nothing else has one.
func TestEveryRunTypeHasAWorker(t *testing.T) {
	works := WorkerConfig{}.works()
	for _, key := range operations.Keys() {
		if works[key] == nil {
			t.Errorf("run type %s has no worker in the work table", key)
		}
	}
	for key := range works {
		if !operations.Known(key) {
			t.Errorf("the work table has a worker for %s, which the registry does not know", key)
		}
	}
}

// TestJobKindIsTheRunType: a run's job is queued with its type as the kind and its id alone.
func TestJobKindIsTheRunType(t *testing.T) {
	for _, key := range operations.Keys() {
		if a := ArgsFor(key, 7); a.Kind() != key || a.RunID != 7 {
			t.Errorf("%s: args %+v kind %q", key, a, a.Kind())
		}
	}
	if slices.Contains(operations.Keys(), ReconcileArgs{}.Kind()) || slices.Contains(operations.Keys(), PruneArgs{}.Kind()) {
		t.Error("a maintenance job kind collides with a run type")
	}
}
