import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useParams, useRouterState } from '@tanstack/react-router';
import { useEffect, useId, useState } from 'react';
import { useServices, useSessionData } from '../context';
import { useMe } from '../hooks/useMe';
import { LiveStatus } from '../hooks/useRunStream';
import { ActiveRunsProvider, ActiveRunsWidget } from './ActiveRuns';
import { NotificationsMenu } from './NotificationsMenu';

const LAST_TENANT = 'tenantatlas.tenant';

// A tenant's pages: the tenant picker keeps the page when it switches tenants (the inventory
// from anywhere else).
const TENANT_PAGES = (
  ['/admin/t/$tenant/inventory', '/admin/t/$tenant/directory/groups', '/admin/t/$tenant/drift', '/admin/t/$tenant/backup-schedules'] as const
).map((to) => ({ to, path: new RegExp(`^${to.replace('$tenant', '\\d+')}$`) }));

// AdminLayout: the signed-in shell — navigation with the tenant picker, the active-runs widget,
// the notifications menu and the user menu around the page.
export function AdminLayout() {
  return (
    <ActiveRunsProvider>
      <div className="shell">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Sidebar />
        <div className="shell-main">
          <Topbar />
          <main id="main" className="page" tabIndex={-1}>
            <Outlet />
          </main>
        </div>
      </div>
    </ActiveRunsProvider>
  );
}

function useCurrentTenantId(): number | null {
  // The layout is above every route, so it reads the params of whichever route matched (typed
  // by the registered router as the union of all routes' params).
  const params = useParams({ strict: false });
  const fromRoute = params.tenant && /^\d+$/.test(params.tenant) ? Number(params.tenant) : null;
  const [remembered, setRemembered] = useState<number | null>(() => {
    const v = Number(globalThis.localStorage?.getItem(LAST_TENANT));
    return Number.isInteger(v) && v > 0 ? v : null;
  });
  useEffect(() => {
    if (fromRoute) {
      globalThis.localStorage?.setItem(LAST_TENANT, String(fromRoute));
      setRemembered(fromRoute);
    }
  }, [fromRoute]);
  return fromRoute ?? remembered;
}

function Sidebar() {
  const me = useMe();
  const navigate = useNavigate();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const current = useCurrentTenantId();
  const tenant = me.tenant(current) ?? (me.isLoading ? undefined : me.tenants[0]);
  const pickerId = useId();
  const page = (TENANT_PAGES.find((p) => p.path.test(pathname)) ?? TENANT_PAGES[0]).to;
  const workspaces = me.me?.workspaces ?? [];
  return (
    <nav className="sidebar" aria-label="Main">
      <Link to="/admin/operations" className="brand">
        <span className="brand-mark" aria-hidden="true">
          TA
        </span>
        <span>
          TenantAtlas
          <small>Operations</small>
        </span>
      </Link>
      <ul className="nav-list">
        <li>
          <Link to="/admin/operations" activeProps={{ className: 'active' }} activeOptions={{ includeSearch: false }}>
            Operations
          </Link>
        </li>
      </ul>
      <div className="nav-section">
        <label htmlFor={pickerId} className="nav-label">
          Tenant
        </label>
        <select
          id={pickerId}
          className="tenant-picker"
          value={tenant?.id ?? ''}
          disabled={me.tenants.length === 0}
          onChange={(e) => {
            const id = Number(e.target.value);
            if (id > 0) void navigate({ to: page, params: { tenant: String(id) } });
          }}
        >
          {me.tenants.length === 0 && <option value="">{me.isLoading ? 'Loading…' : 'No tenants'}</option>}
          {workspaces.map((w) =>
            w.tenants.length === 0 ? null : (
              <optgroup key={w.id} label={w.name}>
                {w.tenants.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </optgroup>
            ),
          )}
        </select>
        {tenant && (
          <ul className="nav-list">
            <li>
              <Link to="/admin/t/$tenant/inventory" params={{ tenant: String(tenant.id) }} activeProps={{ className: 'active' }}>
                Inventory
              </Link>
            </li>
            <li>
              <Link
                to="/admin/t/$tenant/directory/groups"
                params={{ tenant: String(tenant.id) }}
                activeProps={{ className: 'active' }}
              >
                Groups
              </Link>
            </li>
            <li>
              <Link to="/admin/t/$tenant/drift" params={{ tenant: String(tenant.id) }} activeProps={{ className: 'active' }} activeOptions={{ includeSearch: false }}>
                Drift
              </Link>
            </li>
            <li>
              <Link
                to="/admin/t/$tenant/backup-schedules"
                params={{ tenant: String(tenant.id) }}
                activeProps={{ className: 'active' }}
                activeOptions={{ includeSearch: false }}
              >
                Backup schedules
              </Link>
            </li>
            <li>
              <Link
                to="/admin/operations"
                search={{ tenant: tenant.id }}
                activeProps={{ className: 'active-soft' }}
                activeOptions={{ includeSearch: true }}
              >
                Tenant's runs
              </Link>
            </li>
          </ul>
        )}
      </div>
    </nav>
  );
}

function Topbar() {
  const { api, session } = useServices();
  const data = useSessionData();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const me = useMe();
  const ws = me.me?.workspaces ?? [];
  const signOut = async () => {
    try {
      await api.logout();
    } catch {
      // The token is dropped here whatever the server said.
    }
    session.clear();
    qc.clear();
    void navigate({ to: '/login' });
  };
  return (
    <header className="topbar">
      <div className="topbar-context muted">{ws.length === 1 ? ws[0].name : ws.length > 1 ? `${ws.length} workspaces` : ''}</div>
      <div className="topbar-actions">
        <LiveStatus />
        <ActiveRunsWidget />
        <NotificationsMenu />
        <div className="user">
          <span className="user-name" title={data?.user.email}>
            {data?.user.name ?? ''}
          </span>
          <button type="button" className="button button-secondary small" onClick={signOut}>
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}
