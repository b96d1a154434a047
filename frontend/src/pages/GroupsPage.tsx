import { useInfiniteQuery } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useId, useState } from 'react';
import type { GroupQuery } from '../api/client';
import { isApiError } from '../api/errors';
import { queryKeys } from '../api/queryKeys';
import type { EntraGroup, GroupType } from '../api/types';
import { Badge } from '../components/Badge';
import { DataTable, type Column } from '../components/DataTable';
import { StartWorkButton } from '../components/StartWorkButton';
import { useApi } from '../context';
import { formatDateTime, formatNumber } from '../format';
import { useDebounced } from '../hooks/useDebounced';
import { useMe } from '../hooks/useMe';
import { parseId } from '../routing/params';
import { ForbiddenPage, NotFoundPage } from './StatusPages';
import { RunLink } from '../components/Paging';

const GROUP_TYPES: { value: GroupType; label: string }[] = [
  { value: 'Security', label: 'Security' },
  { value: 'Microsoft365', label: 'Microsoft 365' },
  { value: 'Unknown', label: 'Other' },
];

const route = getRouteApi('/admin/t/$tenant/directory/groups');

const GROUP_COLUMNS: readonly Column<EntraGroup>[] = [
  {
    key: 'name',
    header: 'Name',
    className: 'strong wrap',
    cell: (g) => (
      <>
        {g.display_name}
        <span className="muted mono small-block">{g.entra_group_id}</span>
      </>
    ),
  },
  { key: 'type', header: 'Type', cell: (g) => GROUP_TYPES.find((t) => t.value === g.group_type)?.label ?? g.group_type },
  { key: 'security', header: 'Security', cell: (g) => (g.security_enabled ? 'Yes' : 'No') },
  { key: 'mail', header: 'Mail', cell: (g) => (g.mail_enabled ? 'Yes' : 'No') },
  { key: 'freshness', header: 'Freshness', cell: (g) => <Badge kind="freshness" value={g.stale ? 'stale' : 'current'} /> },
  {
    key: 'last-seen',
    header: 'Last seen',
    cell: (g) => <time dateTime={g.last_seen_at ?? undefined}>{formatDateTime(g.last_seen_at)}</time>,
  },
  { key: 'seen-by', header: 'Seen by', cell: (g) => <RunLink id={g.last_seen_operation_run_id} /> },
];
const groupRowProps = () => ({ 'data-testid': 'group-row' });

export default function GroupsPage() {
  const id = parseId(route.useParams().tenant);
  if (id === null) return <NotFoundPage title="Tenant not found" />;
  return <Groups tenantId={id} key={id} />;
}

function Groups({ tenantId }: { tenantId: number }) {
  const api = useApi();
  const me = useMe();
  const id = useId();
  const tenant = me.tenant(tenantId);
  const [q, setQ] = useState('');
  const [groupType, setGroupType] = useState<GroupType | ''>('');
  const [stale, setStale] = useState<'' | 'true' | 'false'>('');
  const search = useDebounced(q.trim(), 300);
  const filter: GroupQuery = { q: search, groupType: groupType || undefined, stale: stale === '' ? undefined : stale === 'true' };
  const groups = useInfiniteQuery({
    queryKey: queryKeys.groups.list(tenantId, filter),
    queryFn: ({ pageParam }) => api.groups(tenantId, filter, pageParam, 50),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  if (groups.isError && isApiError(groups.error) && groups.error.status === 404)
    return <NotFoundPage title="Tenant not found" detail="There is no such tenant, or you are not entitled to it." />;
  if (groups.isError && isApiError(groups.error) && groups.error.status === 403)
    return <ForbiddenPage capability={groups.error.capability} what="the directory" />;
  const rows = groups.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <div className="stack">
      <div className="page-header">
        <div>
          <p className="eyebrow">{tenant?.name ?? `Tenant #${tenantId}`}</p>
          <h1>Entra groups</h1>
          <p className="muted">The tenant's groups, as the latest group syncs saw them. Groups unseen for 30 days are stale.</p>
        </div>
        <StartWorkButton
          tenantId={tenantId}
          capability="tenant.directory.sync"
          start={() => api.startGroupSync(tenantId)}
          invalidate={[queryKeys.groups.tenant(tenantId)]}
        >
          Sync groups
        </StartWorkButton>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Group filters">
        <label className="field field-grow" htmlFor={`${id}-q`}>
          <span>Search</span>
          <input id={`${id}-q`} type="search" placeholder="Name contains…" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <label className="field" htmlFor={`${id}-type`}>
          <span>Group type</span>
          <select id={`${id}-type`} value={groupType} onChange={(e) => setGroupType(e.target.value as GroupType | '')}>
            <option value="">All types</option>
            {GROUP_TYPES.map((t) => (
              <option key={t.value} value={t.value}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={`${id}-stale`}>
          <span>Freshness</span>
          <select id={`${id}-stale`} value={stale} onChange={(e) => setStale(e.target.value as '' | 'true' | 'false')}>
            <option value="">Any</option>
            <option value="false">Seen in 30 days</option>
            <option value="true">Stale only</option>
          </select>
        </label>
      </form>
      <DataTable
        label="Entra groups"
        columns={GROUP_COLUMNS}
        rows={rows}
        rowKey={(g) => g.id}
        rowProps={groupRowProps}
        query={groups}
        loadingText="Loading groups…"
        empty={search || groupType || stale ? 'No groups match these filters.' : 'No groups yet. Sync the groups to read them from Entra.'}
        paging={{ pages: groups, summary: rows.length > 0 ? `Showing ${formatNumber(rows.length)} groups` : '' }}
      />
    </div>
  );
}
