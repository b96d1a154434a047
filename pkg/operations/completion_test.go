package operations_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/tenantatlas/operations/pkg/operations"
)

// TestCompletionCommitsWithItsHookAndAlso: the completion hook and the transition's Also run in the
// completing transaction, with the completed run; when either fails, the run stays as it was.
func TestCompletionCommitsWithItsHookAndAlso(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var hooked []int64
	svc := operations.NewService(f.db.Gorm, operations.OnComplete(func(ctx context.Context, tx *gorm.DB, run operations.Run) error {
		if run.Status != operations.StatusCompleted {
			t.Errorf("hook saw run %d %s", run.ID, run.Status)
		}
		hooked = append(hooked, run.ID)
		return tx.Exec(`INSERT INTO notifications (user_id, kind, run_id, title, body) VALUES (?, 'run_finished', ?, 't', 'b')`, f.aliceID, run.ID).Error
	}))
	in := operations.EnsureInput{WorkspaceID: f.workspaceID, TenantID: &f.tenantID, UserID: &f.aliceID, InitiatorName: "Alice Admin",
		Type: operations.TypeInventorySync, IdentityInputs: "sel"}

	run, _, err := svc.Ensure(ctx, nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusRunning}); err != nil {
		t.Fatal(err)
	}
	if len(hooked) != 0 {
		t.Fatal("the hook ran for a start")
	}

	// Also fails: the completion, the hook's write and Also's write roll back together.
	refused := errors.New("the set could not be finished")
	_, err = svc.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusCompleted, Outcome: operations.OutcomeSucceeded,
		Also: func(ctx context.Context, tx *gorm.DB, done operations.Run) error {
			if err := tx.Exec(`UPDATE workspaces SET name = 'changed' WHERE id = ?`, f.workspaceID).Error; err != nil {
				return err
			}
			return refused
		}})
	if !errors.Is(err, refused) {
		t.Fatalf("completion with a failing Also: %v", err)
	}
	var status, name string
	var notes int
	if err := f.db.SQL.QueryRow(`SELECT r.status, w.name, (SELECT count(*) FROM notifications WHERE run_id = r.id)
		FROM operation_runs r JOIN workspaces w ON w.id = r.workspace_id WHERE r.id = $1`, run.ID).Scan(&status, &name, &notes); err != nil {
		t.Fatal(err)
	}
	if status != "running" || name == "changed" || notes != 0 {
		t.Fatalf("after a failed completion: status %s, workspace %q, %d notifications", status, name, notes)
	}

	// Also succeeds: all three commit.
	var alsoSaw operations.Run
	done, err := svc.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusCompleted, Outcome: operations.OutcomeSucceeded,
		Also: func(ctx context.Context, tx *gorm.DB, done operations.Run) error { alsoSaw = done; return nil }})
	if err != nil || done.Status != operations.StatusCompleted || alsoSaw.ID != run.ID || alsoSaw.Outcome != operations.OutcomeSucceeded {
		t.Fatalf("completion: %+v %v (Also saw %+v)", done, err, alsoSaw)
	}
	if err := f.db.SQL.QueryRow(`SELECT count(*) FROM notifications WHERE run_id = $1`, run.ID).Scan(&notes); err != nil || notes != 1 {
		t.Fatalf("%d notifications, %v", notes, err)
	}
	// A completed run is terminal: no second completion, no second hook call.
	if _, err := svc.Transition(ctx, nil, run.ID, operations.Transition{To: operations.StatusCompleted, Outcome: operations.OutcomeFailed}); !errors.Is(err, operations.ErrTerminal) {
		t.Fatalf("second completion: %v", err)
	}
	if len(hooked) != 2 { // the rolled-back attempt and the committed one
		t.Fatalf("hook calls %v", hooked)
	}
}
