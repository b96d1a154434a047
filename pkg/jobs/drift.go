package jobs

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"github.com/tenantatlas/operations/pkg/drift"
	"github.com/tenantatlas/operations/pkg/operations"
)

// DriftGenerateArgs start the work of a drift_generate_findings run.
type DriftGenerateArgs RunArgs

// Kind names the job kind.
func (DriftGenerateArgs) Kind() string { return operations.TypeDriftGenerateFindings }

// errNoDriftGenerator completes a drift run as failed when the worker was built without a
// generator.
var errNoDriftGenerator = errors.New("this worker has no drift generator configured")

// driftWorker drives drift_generate_findings runs through the tracker with the generator's work.
func driftWorker(tracker *Tracker, gen *drift.Generator) river.Worker[DriftGenerateArgs] {
	return river.WorkFunc(func(ctx context.Context, job *river.Job[DriftGenerateArgs]) error {
		work := func(context.Context, operations.Run) (operations.Transition, error) {
			return operations.Transition{}, errNoDriftGenerator
		}
		if gen != nil {
			work = gen.Generate
		}
		return tracker.Track(ctx, job.JobRow, job.Args.RunID, work)
	})
}
