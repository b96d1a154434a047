package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/redact"
)

// Work is a worker's part of a run: do the work and say how it ended (To is ignored; the outcome
// defaults to succeeded). An error that is Transient may be retried within the same run; any other
// error completes the run as failed.
type Work func(ctx context.Context, run operations.Run) (operations.Transition, error)

// Transient marks an error worth retrying (a database hiccup, a provider briefly away).
type Transient interface{ Transient() bool }

// Failure codes the tracker itself gives.
const (
	CodeWorkerPanic    = "worker.panic"
	CodeWorkerShutdown = "worker.shutdown"
	CodeWorkerError    = "worker.error"
)

// Tracker drives every worker's run: queued → running → completed with its outcome, counts and
// failures, through the run service's one transition function (which stores the initiator's
// notification in the completing transaction).
type Tracker struct {
	runs *operations.Service
	log  *slog.Logger
	// FailureCode maps a work error to a failure code; nil means CodeWorkerError.
	FailureCode func(error) string
	// HeartbeatEvery is how often a running run's worker beats (operations.Service.Heartbeat);
	// default operations.HeartbeatEvery(DefaultWorkerLostAfter).
	HeartbeatEvery time.Duration
}

// errCancelRequested and errRunCompleted are why a heartbeat stops the work: the run was asked
// to stop, or was completed elsewhere (the reconciler).
const (
	errCancelRequested trackerError = "the run was asked to stop"
	errRunCompleted    trackerError = "the run was completed elsewhere"
)

type trackerError string

func (e trackerError) Error() string { return string(e) }

// NewTracker builds a Tracker.
func NewTracker(runs *operations.Service, log *slog.Logger) *Tracker {
	return &Tracker{runs: runs, log: log}
}

type attemptKey struct{}

// LastAttempt reports whether the job a work function runs for will not be tried again after a
// Transient error: work that must record more than the run when it gives up (a backup's set and
// schedule) decides by it.
func LastAttempt(ctx context.Context) bool {
	last, _ := ctx.Value(attemptKey{}).(bool)
	return last
}

// Track runs work for the job's run. It returns nil once the run is completed (whatever its
// outcome), so River does not retry a finished run, and an error only when River should try the
// job again within the same run.
func (t *Tracker) Track(ctx context.Context, job *rivertype.JobRow, runID int64, work Work) (err error) {
	run, err := t.runs.Get(ctx, runID)
	if errors.Is(err, operations.ErrNotFound) {
		t.log.WarnContext(ctx, "job for a run that does not exist", "run_id", runID, "job_id", job.ID)
		return nil
	}
	if err != nil {
		return err
	}
	switch run.Status {
	case operations.StatusCompleted:
		return nil // delivered again after it finished, or completed by the reconciler
	case operations.StatusQueued:
		if run, err = t.runs.Transition(ctx, nil, runID, operations.Transition{To: operations.StatusRunning}); err != nil {
			if errors.Is(err, operations.ErrTerminal) {
				return nil
			}
			return err
		}
	case operations.StatusRunning:
		// A retry of this run's job: the work resumes within the same run.
	}

	if run.CancelRequestedAt != nil {
		// Asked to stop before this attempt began (a retry of the job): nothing more to do.
		return t.complete(context.WithoutCancel(ctx), runID, operations.Cancelled(operations.Transition{}, run))
	}

	lastAttempt := job.Attempt >= job.MaxAttempts
	workCtx, stop := context.WithCancelCause(operations.WithReporter(context.WithValue(ctx, attemptKey{}, lastAttempt), t.runs.Reporter(runID)))
	defer stop(nil)
	beating := make(chan struct{})
	go t.beat(workCtx, runID, stop, beating)
	result, workErr := t.safely(workCtx, run, work)
	interrupted := workCtx.Err() != nil
	stop(nil)
	<-beating

	if interrupted {
		// A requested cancel (River cancels the job's context when the run is cancelled) is told
		// apart from a shutdown or a timeout by the run itself: only a cancel records who asked.
		current, err := t.runs.Get(context.WithoutCancel(ctx), runID)
		if err != nil {
			return err
		}
		if current.Status == operations.StatusCompleted {
			return nil // completed elsewhere meanwhile (the reconciler)
		}
		if current.CancelRequestedAt != nil {
			return t.complete(context.WithoutCancel(ctx), runID, operations.Cancelled(result, current))
		}
	}
	if workErr == nil {
		result.To = operations.StatusCompleted
		if result.Outcome == "" || result.Outcome == operations.OutcomePending {
			result.Outcome = operations.OutcomeSucceeded
		}
		return t.complete(context.WithoutCancel(ctx), runID, result)
	}

	var tr Transient
	if !interrupted && errors.As(workErr, &tr) && tr.Transient() && !lastAttempt {
		t.log.WarnContext(ctx, "run will be retried", "run_id", runID, "attempt", job.Attempt, "error", redact.String(workErr.Error()))
		return workErr
	}
	code := CodeWorkerError
	var p *panicError
	switch {
	case errors.As(workErr, &p):
		code = CodeWorkerPanic
	case interrupted && errors.Is(workErr, context.Canceled):
		code = CodeWorkerShutdown
	case t.FailureCode != nil:
		code = t.FailureCode(workErr)
	}
	result.To, result.Outcome = operations.StatusCompleted, operations.OutcomeFailed
	result.Failures = append(result.Failures, operations.Failure{Code: code, Message: workErr.Error(), Count: 1})
	return t.complete(context.WithoutCancel(ctx), runID, result)
}

// beat records the run's heartbeat until ctx is done. It stops the work (stop) when the run was
// asked to stop or completed elsewhere: the job's cancellation usually says so first, and this is
// the safety net when that notification was missed.
func (t *Tracker) beat(ctx context.Context, runID int64, stop context.CancelCauseFunc, done chan<- struct{}) {
	defer close(done)
	every := t.HeartbeatEvery
	if every <= 0 {
		every = operations.HeartbeatEvery(DefaultWorkerLostAfter)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		b, err := t.runs.Heartbeat(ctx, runID)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			t.log.WarnContext(ctx, "heartbeat failed", "run_id", runID, "error", redact.String(err.Error()))
		case b.CancelRequested:
			stop(errCancelRequested)
			return
		case !b.Running:
			stop(errRunCompleted)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// complete ends the run (and notifies its initiator, in the same transaction).
func (t *Tracker) complete(ctx context.Context, runID int64, result operations.Transition) error {
	_, err := t.runs.Transition(ctx, nil, runID, result)
	if errors.Is(err, operations.ErrTerminal) {
		return nil // the reconciler got there first
	}
	return err
}

type panicError struct{ value any }

func (p *panicError) Error() string { return fmt.Sprintf("the worker panicked: %v", p.value) }

// safely runs work, turning a panic into an error.
func (t *Tracker) safely(ctx context.Context, run operations.Run, work Work) (result operations.Transition, err error) {
	defer func() {
		if r := recover(); r != nil {
			t.log.ErrorContext(ctx, "worker panic", "run_id", run.ID, "panic", redact.String(fmt.Sprint(r)), "stack", string(debug.Stack()))
			err = &panicError{value: r}
		}
	}()
	return work(ctx, run)
}
