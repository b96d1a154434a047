package operations_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

func (f *fixture) events(t *testing.T, after int64) []operations.Event {
	t.Helper()
	evs, err := operations.EventsAfter(context.Background(), f.db.SQL, after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// changes lists "run:change" of events, in order.
func changes(evs []operations.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprintf("%d:%s", e.RunID, e.Change)
	}
	return out
}

func listen(t *testing.T, f *fixture) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), f.db.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	if _, err := conn.Exec(context.Background(), "LISTEN "+operations.ChannelRunEvents); err != nil {
		t.Fatal(err)
	}
	return conn
}

func nextNotification(t *testing.T, conn *pgx.Conn) (runID, seq int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := conn.WaitForNotification(ctx)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	runID, seq, err = operations.ParseEventPayload(n.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return runID, seq
}

// Every change of a run through the service is an event, numbered and announced when it commits,
// with nothing but the run id and the number in the announcement.
func TestEveryRunChangeIsAnEvent(t *testing.T) {
	f := newFixture(t)
	conn := listen(t, f)
	run := f.runIn(t, operations.StatusCompleted)
	got := f.events(t, 0)
	want := []string{fmt.Sprintf("%d:created", run.ID), fmt.Sprintf("%d:started", run.ID), fmt.Sprintf("%d:completed", run.ID)}
	if fmt.Sprint(changes(got)) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", changes(got), want)
	}
	for i, e := range got {
		if e.Run == nil || e.Run.ID != run.ID || e.Run.Status != operations.StatusCompleted {
			t.Fatalf("event %d carries run %+v, want the run as it is now", i, e.Run)
		}
		if i > 0 && e.Seq <= got[i-1].Seq {
			t.Fatalf("numbers not increasing: %d after %d", e.Seq, got[i-1].Seq)
		}
		runID, seq := nextNotification(t, conn)
		if runID != run.ID || seq != e.Seq {
			t.Fatalf("announcement %d: run %d seq %d, want run %d seq %d", i, runID, seq, run.ID, e.Seq)
		}
	}
}

// A rolled-back change leaves neither an event nor an announcement; a later change is numbered
// right after the last committed one.
func TestRolledBackChangeLeavesNoEvent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	run := f.runIn(t, operations.StatusQueued)
	before := f.events(t, 0)
	conn := listen(t, f)
	boom := errors.New("boom")
	err := f.db.Gorm.Transaction(func(tx *gorm.DB) error {
		if _, err := f.svc.Transition(ctx, tx, run.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := f.events(t, 0); len(got) != len(before) {
		t.Fatalf("a rolled-back transition left events: %v", changes(got))
	}
	if _, err := f.svc.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
		t.Fatal(err)
	}
	runID, seq := nextNotification(t, conn)
	if runID != run.ID || seq != before[len(before)-1].Seq+1 {
		t.Fatalf("announced run %d seq %d after a rollback, want run %d seq %d", runID, seq, run.ID, before[len(before)-1].Seq+1)
	}
}

// Events are numbered in commit order, not in the order their transactions wrote them: a reader
// that has seen number N never sees a smaller number appear later.
func TestEventsAreNumberedInCommitOrder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first, second := f.runIn(t, operations.StatusQueued), f.runIn(t, operations.StatusQueued)
	last := f.events(t, 0)
	after := last[len(last)-1].Seq

	tx1 := f.db.Gorm.Begin()
	if _, err := f.svc.Transition(ctx, tx1, first.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
		t.Fatal(err)
	}
	// The second run changes later but commits first.
	if _, err := f.svc.Transition(ctx, nil, second.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
		t.Fatal(err)
	}
	seen := f.events(t, after)
	if len(seen) != 1 || seen[0].RunID != second.ID {
		t.Fatalf("before the first commits, want only the second run's event, got %v", changes(seen))
	}
	if err := tx1.Commit().Error; err != nil {
		t.Fatal(err)
	}
	rest := f.events(t, seen[0].Seq)
	if len(rest) != 1 || rest[0].RunID != first.ID {
		t.Fatalf("after the first commits, want its event after %d, got %v (all: %v)", seen[0].Seq, changes(rest), changes(f.events(t, after)))
	}
}

// Ensure without a caller's transaction creates the run and its event together.
func TestEnsureRecordsCreation(t *testing.T) {
	f := newFixture(t)
	run, created := f.ensure(t, operations.EnsureInput{WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeInventorySync,
		IdentityInputs: map[string]any{"scope": "all"}})
	again, createdAgain := f.ensure(t, operations.EnsureInput{WorkspaceID: f.workspaceID, TenantID: &f.tenantID, Type: operations.TypeInventorySync,
		IdentityInputs: map[string]any{"scope": "all"}})
	if !created || createdAgain || again.ID != run.ID {
		t.Fatalf("ensure: created %v, again %v (%d vs %d)", created, createdAgain, again.ID, run.ID)
	}
	if got := changes(f.events(t, 0)); fmt.Sprint(got) != fmt.Sprint([]string{fmt.Sprintf("%d:created", run.ID)}) {
		t.Fatalf("events %v: a reused run is no new event", got)
	}
}

// Pruning deletes old events and moves the horizon to the highest number it deleted.
func TestPruneEventsMovesTheHorizon(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old := f.runIn(t, operations.StatusRunning)
	f.clock.Add(48 * time.Hour)
	recent := f.runIn(t, operations.StatusQueued)
	all := f.events(t, 0)
	n, err := f.svc.PruneEvents(ctx, f.clock.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("pruned %d events, want the old run's 2", n)
	}
	b, err := operations.ReadEventBounds(ctx, f.db.SQL)
	if err != nil {
		t.Fatal(err)
	}
	if b.PrunedThrough != all[1].Seq || b.Last != all[2].Seq {
		t.Fatalf("bounds %+v, want pruned through %d and last %d", b, all[1].Seq, all[2].Seq)
	}
	if got := f.events(t, 0); len(got) != 1 || got[0].RunID != recent.ID {
		t.Fatalf("kept %v, want only run %d's event (old run %d)", changes(got), recent.ID, old.ID)
	}
}

func TestFilterMatchesLikeTheList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	queued := f.runIn(t, operations.StatusQueued)
	done := f.runIn(t, operations.StatusCompleted)
	filters := []operations.Filter{
		{}, {Tab: operations.TabActive}, {Tab: operations.TabFailed}, {Tab: operations.TabSucceeded},
		{Statuses: []operations.Status{operations.StatusQueued}}, {Outcomes: []operations.Outcome{operations.OutcomeFailed}},
		{TenantID: &f.tenantID}, {TenantID: ptr(f.tenantID + 1)}, {WorkspaceID: &f.workspaceID}, {Types: []string{operations.TypeInventorySync}},
		{InitiatorSystem: true}, {InitiatorUserID: &f.aliceID}, {CreatedAfter: ptr(f.clock.Now().Add(time.Hour))},
		{CreatedBefore: ptr(f.clock.Now().Add(time.Hour))}, {BackupScheduleID: ptr(int64(7))},
	}
	grants := []operations.Grant{{TenantIDs: []int64{f.tenantID}, WorkspaceIDs: []int64{f.workspaceID}, Unknown: true}}
	for i, flt := range filters {
		page, err := operations.List(ctx, f.db.SQL, grants, flt, nil, 50)
		if err != nil {
			t.Fatal(err)
		}
		listed := map[int64]bool{}
		for _, r := range page.Runs {
			listed[r.ID] = true
		}
		for _, r := range []operations.Run{queued, done} {
			r, _ := f.svc.Get(ctx, r.ID)
			if flt.Matches(r) != listed[r.ID] {
				t.Errorf("filter %d %+v: Matches(run %d) = %v, the list says %v", i, flt, r.ID, flt.Matches(r), listed[r.ID])
			}
		}
	}
}
