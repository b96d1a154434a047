package connections

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantatlas/operations/pkg/graph"
	"github.com/tenantatlas/operations/pkg/operations"
	"github.com/tenantatlas/operations/pkg/tenancy"
)

// CodeNotConnected is the failure code of a run whose tenant has no provider connection.
const CodeNotConnected = "provider.not_connected"

// ForRun returns the provider for one run of a tenant. The run's generation, the number of the
// tenant's earlier runs of the same type, is what the simulated provider varies its data by, so
// consecutive syncs of a demo tenant see a little change.
func (c *Connections) ForRun(ctx context.Context, tenant tenancy.Tenant, runType string, runID int64) (graph.Provider, error) {
	generation, err := operations.CountEarlierRuns(ctx, c.db, tenant.ID, runType, runID)
	if err != nil {
		return nil, fmt.Errorf("count the tenant's runs: %w", err)
	}
	return c.Provider(ctx, tenant, generation)
}

// ConnectionFailureCode is the failure code of an error from ForRun or Provider.
func ConnectionFailureCode(err error) string {
	if errors.Is(err, ErrNoConnection) {
		return CodeNotConnected
	}
	return graph.FailureCode(err)
}
