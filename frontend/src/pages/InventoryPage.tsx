import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useId, useMemo, useState } from 'react';
import { isApiError } from '../api/errors';
import { queryKeys } from '../api/queryKeys';
import type { InventoryItem, InventoryKPIs } from '../api/types';
import { Badge } from '../components/Badge';
import { DataTable, type Column } from '../components/DataTable';
import { StartWorkButton } from '../components/StartWorkButton';
import { useApi } from '../context';
import { formatDateTime, formatNumber, formatPercent, formatRelative } from '../format';
import { useDebounced } from '../hooks/useDebounced';
import { useMe } from '../hooks/useMe';
import { parseId } from '../routing/params';
import { ErrorState, ForbiddenPage, NotFoundPage } from './StatusPages';
import { RunLink } from '../components/Paging';

const route = getRouteApi('/admin/t/$tenant/inventory');

export default function InventoryPage() {
  const id = parseId(route.useParams().tenant);
  if (id === null) return <NotFoundPage title="Tenant not found" />;
  return <Inventory tenantId={id} key={id} />;
}

function Inventory({ tenantId }: { tenantId: number }) {
  const api = useApi();
  const me = useMe();
  const tenant = me.tenant(tenantId);
  const kpis = useQuery({
    queryKey: queryKeys.inventory.kpis(tenantId),
    queryFn: () => api.inventoryKpis(tenantId),
    refetchInterval: (q) => ((q.state.data?.active_runs ?? 0) > 0 ? 3000 : false),
  });
  if (kpis.isError && isApiError(kpis.error) && kpis.error.status === 404)
    return <NotFoundPage title="Tenant not found" detail="There is no such tenant, or you are not entitled to it." />;
  if (kpis.isError && isApiError(kpis.error) && kpis.error.status === 403)
    return <ForbiddenPage capability={kpis.error.capability} what="the inventory" />;
  return (
    <div className="stack">
      <div className="page-header">
        <div>
          <p className="eyebrow">{tenant?.name ?? `Tenant #${tenantId}`}</p>
          <h1>Inventory</h1>
          <p className="muted">The tenant's Intune policies and foundations, as the latest inventory syncs saw them.</p>
        </div>
        <StartWorkButton
          tenantId={tenantId}
          capability="tenant.inventory.sync"
          start={() => api.startInventorySync(tenantId)}
          invalidate={[queryKeys.inventory.tenant(tenantId)]}
        >
          Sync now
        </StartWorkButton>
      </div>
      {kpis.isError ? <ErrorState error={kpis.error} onRetry={() => kpis.refetch()} /> : <KpiHeader k={kpis.data} />}
      <Items tenantId={tenantId} />
    </div>
  );
}

function KpiHeader({ k }: { k: InventoryKPIs | undefined }) {
  const categories = Object.entries(k?.by_category ?? {}).sort((a, b) => b[1] - a[1]);
  const last = k?.last_inventory_sync ?? null;
  return (
    <section className="kpis kpis-inventory" aria-label="Inventory figures" data-testid="inventory-kpis">
      <div className="kpi">
        <span className="kpi-label">Total items</span>
        <span className="kpi-value">{k ? formatNumber(k.total_items) : '…'}</span>
        <span className="kpi-sub">
          {categories.length === 0
            ? 'No items yet'
            : categories.map(([c, n]) => (
                <span key={c} className="chip">
                  {c} <strong>{formatNumber(n)}</strong>
                </span>
              ))}
        </span>
      </div>
      <div className="kpi">
        <span className="kpi-label">Coverage</span>
        <span className="kpi-value">{k ? formatPercent(k.coverage) : '…'}</span>
        <span className="kpi-sub muted">{k ? `${formatNumber(k.restorable_items)} restorable of ${formatNumber(k.total_items)}` : ''}</span>
      </div>
      <div className="kpi">
        <span className="kpi-label">Last inventory sync</span>
        {last ? (
          <>
            <span className="kpi-value kpi-value-small">
              <Badge kind="outcome" value={last.outcome} />{' '}
              <Link to="/admin/operations/$run" params={{ run: String(last.run_id) }} data-testid="last-sync-link">
                Run #{last.run_id}
              </Link>
            </span>
            <span className="kpi-sub muted" title={formatDateTime(last.completed_at)}>
              finished {formatRelative(last.completed_at)}
            </span>
          </>
        ) : (
          <span className="kpi-value kpi-value-small muted">{k ? 'Never synced' : '…'}</span>
        )}
      </div>
      <div className="kpi">
        <span className="kpi-label">Active runs</span>
        <span className="kpi-value">{k ? formatNumber(k.active_runs) : '…'}</span>
        <span className="kpi-sub muted">{k ? `${formatNumber(k.active_inventory_syncs)} inventory sync${k.active_inventory_syncs === 1 ? '' : 's'}` : ''}</span>
      </div>
    </section>
  );
}

const itemRowProps = () => ({ 'data-testid': 'item-row' });

function itemColumns(policyTypeLabel: (key: string) => string): Column<InventoryItem>[] {
  return [
    { key: 'name', header: 'Name', className: 'strong wrap', cell: (it) => it.display_name },
    { key: 'policy-type', header: 'Policy type', cell: (it) => policyTypeLabel(it.policy_type) },
    { key: 'category', header: 'Category', cell: (it) => it.category },
    { key: 'platform', header: 'Platform', cell: (it) => it.platform || <span className="muted">—</span> },
    {
      key: 'last-seen',
      header: 'Last seen',
      cell: (it) => <time dateTime={it.last_seen_at ?? undefined}>{formatDateTime(it.last_seen_at)}</time>,
    },
    { key: 'seen-by', header: 'Seen by', cell: (it) => <RunLink id={it.last_seen_operation_run_id} /> },
  ];
}

function Items({ tenantId }: { tenantId: number }) {
  const api = useApi();
  const id = useId();
  const [q, setQ] = useState('');
  const [policyType, setPolicyType] = useState('');
  const [category, setCategory] = useState('');
  const search = useDebounced(q.trim(), 300);
  const policyTypes = useQuery({ queryKey: queryKeys.policyTypes(), queryFn: () => api.policyTypes(), staleTime: 10 * 60_000 });
  const labels = useMemo(() => new Map((policyTypes.data ?? []).map((p) => [p.key, p.label])), [policyTypes.data]);
  const categories = useMemo(() => [...new Set((policyTypes.data ?? []).map((p) => p.category))], [policyTypes.data]);
  const filter = { policyType, category, q: search };
  const items = useInfiniteQuery({
    queryKey: queryKeys.inventory.items(tenantId, filter),
    queryFn: ({ pageParam }) => api.inventoryItems(tenantId, filter, pageParam, 50),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = items.data?.pages.flatMap((p) => p.data) ?? [];
  const columns = useMemo(() => itemColumns((key) => labels.get(key) ?? key), [labels]);
  return (
    <section className="stack-tight" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Items</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Item filters">
        <label className="field field-grow" htmlFor={`${id}-q`}>
          <span>Search</span>
          <input id={`${id}-q`} type="search" placeholder="Name contains…" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <label className="field" htmlFor={`${id}-pt`}>
          <span>Policy type</span>
          <select id={`${id}-pt`} value={policyType} onChange={(e) => setPolicyType(e.target.value)}>
            <option value="">All policy types</option>
            {policyTypes.data?.map((p) => (
              <option key={p.key} value={p.key}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={`${id}-cat`}>
          <span>Category</span>
          <select id={`${id}-cat`} value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">All categories</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      </form>
      <DataTable
        label="Inventory items"
        columns={columns}
        rows={rows}
        rowKey={(it) => it.id}
        rowProps={itemRowProps}
        query={items}
        loadingText="Loading items…"
        empty={search || policyType || category ? 'No items match these filters.' : 'No items yet. Run an inventory sync to read the tenant.'}
        paging={{ pages: items, summary: rows.length > 0 ? `Showing ${formatNumber(rows.length)} items` : '' }}
      />
    </section>
  );
}
