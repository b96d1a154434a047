import { Link } from '@tanstack/react-router';
import { memo } from 'react';
import type { OperationRun } from '../../api/types';
import { Badge } from '../../components/Badge';
import { formatDateTime, formatDuration } from '../../format';
import { useRenderTiming } from '../../hooks/useRenderTiming';

export function RunsTable({
  runs,
  loading,
  dataUpdatedAt,
  tenantName,
}: {
  runs: OperationRun[];
  loading: boolean;
  dataUpdatedAt: number;
  tenantName: (id: number | null) => string;
}) {
  useRenderTiming('operations-table-render', dataUpdatedAt, runs.length);
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Operation runs" aria-busy={loading}>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Operation</th>
            <th scope="col">Tenant</th>
            <th scope="col">Initiator</th>
            <th scope="col">Started</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {loading && (
            <tr>
              <td colSpan={7} className="table-empty">
                Loading runs…
              </td>
            </tr>
          )}
          {!loading && runs.length === 0 && (
            <tr>
              <td colSpan={7} className="table-empty">
                No runs match these filters.
              </td>
            </tr>
          )}
          {runs.map((r) => (
            <RunRow key={r.id} run={r} tenant={tenantName(r.tenant_id)} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

const RunRow = memo(function RunRow({ run, tenant }: { run: OperationRun; tenant: string }) {
  return (
    <tr data-testid="run-row">
      <td>
        <Badge kind="status" value={run.status} />
      </td>
      <td>
        <Link to="/admin/operations/$run" params={{ run: String(run.id) }} className="row-link">
          {run.known_type ? run.type_label : 'Unknown operation'}
        </Link>
        <span className="muted id">#{run.id}</span>
      </td>
      <td>{tenant}</td>
      <td className={run.initiator.kind === 'system' ? 'muted' : undefined}>{run.initiator.name}</td>
      <td>
        <time dateTime={run.started_at ?? run.created_at}>{formatDateTime(run.started_at)}</time>
      </td>
      <td className="num">{formatDuration(run.duration_ms)}</td>
      <td>
        <Badge kind="outcome" value={run.outcome} />
      </td>
    </tr>
  );
});
