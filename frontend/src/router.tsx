// The routes, at TenantAtlas's canonical URLs. Pages are code-split (lazyRouteComponent); the old
// run pages (/admin/t/{tenant}/inventory-sync-runs/…, …/entra-group-sync-runs/…,
// /admin/t/{tenant}/operations) are deliberately not routes, so they show the not-found page.
import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
  type RouterHistory,
} from '@tanstack/react-router';
import type { Session } from './api/session';
import { AdminLayout } from './components/AdminLayout';
import { ToastProvider } from './components/Toasts';
import { RunStreamProvider } from './hooks/useRunStream';
import { NotFoundPage } from './pages/StatusPages';
import { parseRunSearch } from './pages/operations/search';
import { parseDriftSearch } from './pages/drift/search';
import { parseScheduleSearch } from './pages/backups/search';
import { parseLoginSearch } from './routing/params';

export interface RouterContext {
  session: Session;
  queryClient: QueryClient;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: () => (
    <RunStreamProvider>
      <ToastProvider>
        <Outlet />
      </ToastProvider>
    </RunStreamProvider>
  ),
  notFoundComponent: () => (
    <main className="bare-page">
      <NotFoundPage />
    </main>
  ),
});

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/admin/operations' });
  },
});

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: parseLoginSearch,
  beforeLoad: ({ context, search }) => {
    if (context.session.token()) throw redirect({ to: search.redirect ?? '/admin/operations' });
  },
  component: lazyRouteComponent(() => import('./pages/LoginPage')),
});

const adminRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/admin',
  beforeLoad: ({ context, location }) => {
    if (!context.session.token()) {
      throw redirect({ to: '/login', search: { redirect: location.href } });
    }
  },
  component: AdminLayout,
  notFoundComponent: () => <NotFoundPage />,
});

const adminIndexRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/admin/operations' });
  },
});

export const operationsRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/operations',
  validateSearch: parseRunSearch,
  component: lazyRouteComponent(() => import('./pages/operations/OperationsPage')),
});

export const runRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/operations/$run',
  component: lazyRouteComponent(() => import('./pages/RunPage')),
});

export const inventoryRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/t/$tenant/inventory',
  component: lazyRouteComponent(() => import('./pages/InventoryPage')),
});

export const groupsRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/t/$tenant/directory/groups',
  component: lazyRouteComponent(() => import('./pages/GroupsPage')),
});

export const driftRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/t/$tenant/drift',
  validateSearch: parseDriftSearch,
  component: lazyRouteComponent(() => import('./pages/drift/DriftPage')),
});

export const backupSchedulesRoute = createRoute({
  getParentRoute: () => adminRoute,
  path: '/t/$tenant/backup-schedules',
  validateSearch: parseScheduleSearch,
  component: lazyRouteComponent(() => import('./pages/backups/BackupSchedulesPage')),
});

export const routeTree = rootRoute.addChildren([
  indexRoute,
  loginRoute,
  adminRoute.addChildren([
    adminIndexRoute,
    operationsRoute,
    runRoute,
    inventoryRoute,
    groupsRoute,
    driftRoute,
    backupSchedulesRoute,
  ]),
]);

export function createAppRouter(context: RouterContext, history?: RouterHistory) {
  return createRouter({
    routeTree,
    context,
    history,
    defaultPreload: 'intent',
    defaultPendingMs: 150,
    defaultPendingComponent: () => (
      <div className="page-loading" aria-busy="true">
        Loading…
      </div>
    ),
    notFoundMode: 'fuzzy',
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;

// The app's router type, registered once: useParams, useSearch, Link and navigate are checked
// against the route tree above.
declare module '@tanstack/react-router' {
  interface Register {
    router: AppRouter;
  }
}
