import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useCallback, useMemo, useState } from 'react';
import { useApi, useSessionData } from '../../context';
import { queryKeys } from '../../api/queryKeys';
import { useMe, useOperationTypes } from '../../hooks/useMe';
import { NewRunsBar, useLiveRunList } from '../../hooks/useRunStream';
import { RUN_TABS, type RunTab } from '../../api/types';
import { formatDuration, formatNumber } from '../../format';
import { FilterBar } from './FilterBar';
import { RunsTable } from './RunsTable';
import { defaultWindowStart, PAGE_SIZES, toRunQuery, type PageSize, type RunSearch } from './search';

const TAB_LABELS: Record<RunTab, string> = {
  all: 'All',
  active: 'Active',
  succeeded: 'Succeeded',
  partial: 'Partial',
  failed: 'Failed',
};

const route = getRouteApi('/admin/operations');

export default function OperationsPage() {
  const api = useApi();
  const me = useMe();
  const session = useSessionData();
  const navigate = route.useNavigate();
  const search = route.useSearch();
  const [windowStart] = useState(() => defaultWindowStart());
  const userId = session?.user.id;
  const query = useMemo(() => toRunQuery(search, userId, windowStart), [search, userId, windowStart]);
  const countQuery = useMemo(() => ({ ...query, tab: undefined }), [query]);
  const size = search.size ?? 50;
  const tab = search.tab ?? 'all';
  const types = useOperationTypes();

  const listKey = queryKeys.runs.list(query, size);
  const { newCount, showNew, live } = useLiveRunList(listKey, query);
  const counts = useQuery({
    queryKey: queryKeys.runCounts.of(countQuery),
    queryFn: () => api.runCounts(countQuery),
    refetchInterval: live ? false : 30_000,
  });
  const runs = useInfiniteQuery({
    queryKey: listKey,
    queryFn: ({ pageParam }) => api.listRuns(query, pageParam, size),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // Without the run stream, poll (the browser revalidates with the list's ETag).
    refetchInterval: live ? false : 10_000,
  });
  const rows = useMemo(() => runs.data?.pages.flatMap((p) => p.data) ?? [], [runs.data]);
  const tenantName = useCallback((id: number | null) => (id == null ? 'Workspace' : (me.tenant(id)?.name ?? `Tenant #${id}`)), [me]);

  const setSearch = (patch: Partial<RunSearch>) =>
    navigate({ to: '/admin/operations', search: (prev) => clean({ ...prev, ...patch }) });

  const scopeTenant = search.tenant ? me.tenant(search.tenant) : undefined;
  const kpis = counts.data?.kpis;
  const tabs = counts.data?.tabs;

  return (
    <div className="stack">
      <div className="page-header">
        <div>
          <h1>Operations</h1>
          <p className="scope" data-testid="scope">
            <span className="scope-label">{search.tenant ? (scopeTenant?.name ?? `Tenant #${search.tenant}`) : 'All tenants'}</span>
            {search.tenant && (
              <button type="button" className="link-button" onClick={() => setSearch({ tenant: undefined })}>
                Show all tenants
              </button>
            )}
            <span className="muted">
              · {search.from || search.to ? 'custom date range' : 'last 30 days'}
            </span>
          </p>
        </div>
      </div>

      <section className="kpis" aria-label="Key figures">
        <Kpi label="Runs (30 days)" value={formatNumber(kpis?.total)} loading={counts.isLoading} />
        <Kpi label="Active now" value={formatNumber(kpis?.active)} loading={counts.isLoading} />
        <Kpi label="Failed or partial (7 days)" value={formatNumber(kpis?.failed_or_partial_7d)} loading={counts.isLoading} />
        <Kpi
          label="Average duration (7 days)"
          value={kpis?.average_duration_7d_secs == null ? '—' : formatDuration(kpis.average_duration_7d_secs * 1000)}
          loading={counts.isLoading}
        />
      </section>

      <nav className="tabs" aria-label="Run status">
        {RUN_TABS.map((t) => (
          <Link
            key={t}
            to="/admin/operations"
            from="/admin/operations"
            search={(prev) => clean({ ...prev, tab: t === 'all' ? undefined : t })}
            className={`tab ${tab === t ? 'is-current' : ''}`}
            aria-current={tab === t ? 'page' : undefined}
            data-testid={`tab-${t}`}
          >
            {TAB_LABELS[t]}
            <span className="tab-count">{tabs ? formatNumber(tabs[t]) : '·'}</span>
          </Link>
        ))}
      </nav>

      <FilterBar search={search} types={types.data} tenants={me.tenants} onChange={setSearch} />
      <NewRunsBar count={newCount} onShow={showNew} />

      <RunsTable
        runs={rows}
        query={runs}
        tenantName={tenantName}
        summary={rows.length > 0 ? `Showing ${formatNumber(rows.length)} run${rows.length === 1 ? '' : 's'}` : ''}
        controls={
          <label className="page-size">
            Rows per page
            <select
              value={size}
              onChange={(e) => {
                const n = Number(e.target.value) as PageSize;
                void setSearch({ size: n === 50 ? undefined : n });
              }}
            >
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        }
      />
    </div>
  );
}

function Kpi({ label, value, loading }: { label: string; value: string; loading?: boolean }) {
  return (
    <div className="kpi">
      <span className="kpi-label">{label}</span>
      <span className="kpi-value">{loading ? '…' : value}</span>
    </div>
  );
}

// clean drops empty values so the URL carries only what is set.
export function clean(s: RunSearch): RunSearch {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined && v !== '' && v !== null) out[k] = v;
  return out as RunSearch;
}
