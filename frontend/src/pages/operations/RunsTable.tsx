import { Link } from '@tanstack/react-router';
import { useMemo, type ReactNode } from 'react';
import type { OperationRun } from '../../api/types';
import { Badge } from '../../components/Badge';
import { DataTable, type Column, type TableQuery } from '../../components/DataTable';
import type { Pages } from '../../components/Paging';
import { formatDateTime, formatDuration } from '../../format';
import { useRenderTiming } from '../../hooks/useRenderTiming';

const runRowProps = () => ({ 'data-testid': 'run-row' });

function runColumns(tenantName: (id: number | null) => string): Column<OperationRun>[] {
  return [
    { key: 'status', header: 'Status', cell: (r) => <Badge kind="status" value={r.status} /> },
    {
      key: 'operation',
      header: 'Operation',
      cell: (r) => (
        <>
          <Link to="/admin/operations/$run" params={{ run: String(r.id) }} className="row-link">
            {r.type_label}
          </Link>
          <span className="muted id">#{r.id}</span>
        </>
      ),
    },
    { key: 'tenant', header: 'Tenant', cell: (r) => tenantName(r.tenant_id) },
    {
      key: 'initiator',
      header: 'Initiator',
      className: (r) => (r.initiator.kind === 'system' ? 'muted' : undefined),
      cell: (r) => r.initiator.name,
    },
    {
      key: 'started',
      header: 'Started',
      cell: (r) => <time dateTime={r.started_at ?? r.created_at}>{formatDateTime(r.started_at)}</time>,
    },
    { key: 'duration', header: 'Duration', headerClassName: 'num', className: 'num', cell: (r) => formatDuration(r.duration_ms) },
    { key: 'outcome', header: 'Outcome', cell: (r) => <Badge kind="outcome" value={r.outcome} /> },
  ];
}

// RunsTable: the run list, with its footer (how many are shown, the page size, "Load more").
// tenantName should be stable (useCallback): rows render again only when their run changes.
export function RunsTable({
  runs,
  query,
  tenantName,
  summary,
  controls,
}: {
  runs: OperationRun[];
  query: TableQuery & Pages & { dataUpdatedAt: number };
  tenantName: (id: number | null) => string;
  summary: ReactNode;
  controls: ReactNode;
}) {
  useRenderTiming('operations-table-render', query.dataUpdatedAt, runs.length);
  const columns = useMemo(() => runColumns(tenantName), [tenantName]);
  return (
    <DataTable
      label="Operation runs"
      busy={query.isLoading}
      columns={columns}
      rows={runs}
      rowKey={(r) => r.id}
      rowProps={runRowProps}
      query={query}
      loadingText="Loading runs…"
      empty="No runs match these filters."
      paging={{ pages: query, summary, summaryTestId: 'shown-count', controls }}
    />
  );
}
