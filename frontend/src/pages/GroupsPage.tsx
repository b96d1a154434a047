import { useInfiniteQuery } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useId, useState } from 'react';
import type { GroupQuery } from '../api/client';
import { isApiError } from '../api/errors';
import { queryKeys } from '../api/queryKeys';
import type { GroupType } from '../api/types';
import { Badge } from '../components/Badge';
import { StartWorkButton } from '../components/StartWorkButton';
import { useApi } from '../context';
import { formatDateTime, formatNumber } from '../format';
import { useDebounced } from '../hooks/useDebounced';
import { useMe } from '../hooks/useMe';
import { parseId } from '../routing/params';
import { ErrorState, ForbiddenPage, NotFoundPage } from './StatusPages';
import { LoadMoreButton, RunLink } from '../components/Paging';

const GROUP_TYPES: { value: GroupType; label: string }[] = [
  { value: 'Security', label: 'Security' },
  { value: 'Microsoft365', label: 'Microsoft 365' },
  { value: 'Unknown', label: 'Other' },
];

const route = getRouteApi('/admin/t/$tenant/directory/groups');

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
      {groups.isError ? (
        <ErrorState error={groups.error} onRetry={() => groups.refetch()} />
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Entra groups">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Security</th>
                <th scope="col">Mail</th>
                <th scope="col">Freshness</th>
                <th scope="col">Last seen</th>
                <th scope="col">Seen by</th>
              </tr>
            </thead>
            <tbody>
              {groups.isLoading && (
                <tr>
                  <td colSpan={7} className="table-empty">
                    Loading groups…
                  </td>
                </tr>
              )}
              {!groups.isLoading && rows.length === 0 && (
                <tr>
                  <td colSpan={7} className="table-empty">
                    {search || groupType || stale ? 'No groups match these filters.' : 'No groups yet. Sync the groups to read them from Entra.'}
                  </td>
                </tr>
              )}
              {rows.map((g) => (
                <tr key={g.id} data-testid="group-row">
                  <td className="strong wrap">
                    {g.display_name}
                    <span className="muted mono small-block">{g.entra_group_id}</span>
                  </td>
                  <td>{GROUP_TYPES.find((t) => t.value === g.group_type)?.label ?? g.group_type}</td>
                  <td>{g.security_enabled ? 'Yes' : 'No'}</td>
                  <td>{g.mail_enabled ? 'Yes' : 'No'}</td>
                  <td>
                    <Badge kind="freshness" value={g.stale ? 'stale' : 'current'} />
                  </td>
                  <td>
                    <time dateTime={g.last_seen_at ?? undefined}>{formatDateTime(g.last_seen_at)}</time>
                  </td>
                  <td>
                    <RunLink id={g.last_seen_operation_run_id} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="list-footer">
        <span className="muted">{rows.length > 0 ? `Showing ${formatNumber(rows.length)} groups` : ''}</span>
        <LoadMoreButton pages={groups} />
      </div>
    </div>
  );
}
