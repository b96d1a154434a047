import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderApp } from './test/renderApp';

describe('routes', () => {
  it.each([
    '/admin/t/1/inventory-sync-runs',
    '/admin/t/1/inventory-sync-runs/5',
    '/admin/t/1/entra-group-sync-runs/5',
    '/admin/t/1/entra-group-sync-runs/5/details',
    '/admin/t/1/operations',
    '/admin/t/1/operations/',
    '/admin/no-such-page',
  ])('%s shows the not-found page', async (path) => {
    renderApp(path);
    expect(await screen.findByTestId('not-found')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
  });

  it('an unknown path outside /admin shows the not-found page too', async () => {
    renderApp('/nowhere');
    expect(await screen.findByTestId('not-found')).toBeInTheDocument();
  });

  it('sends a signed-out visitor to sign-in, remembering where they were going', async () => {
    const { router } = renderApp('/admin/operations?tab=failed', { signedIn: false });
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.search).toEqual({ redirect: '/admin/operations?tab=failed' });
  });

  it('/ and /admin go to the operations list', async () => {
    const { router } = renderApp('/');
    await screen.findByRole('heading', { name: 'Operations' });
    expect(router.state.location.pathname).toBe('/admin/operations');
  });

  it('a 401 ends the session and shows sign-in', async () => {
    const { session, router } = renderApp('/admin/operations');
    await screen.findByRole('heading', { name: 'Operations' });
    session.clear();
    await waitFor(() => expect(router.state.location.pathname).toBe('/login'));
    expect(sessionStorage.getItem('tenantatlas.session')).toBeNull();
  });

  it("a tenant's navigation has Drift and Backup schedules, and the tenant picker keeps the section", async () => {
    const { router } = renderApp('/admin/t/1/drift');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    const drift = await within(nav).findByRole('link', { name: 'Drift' });
    expect(drift).toHaveAttribute('href', '/admin/t/1/drift');
    expect(within(nav).getByRole('link', { name: 'Backup schedules' })).toHaveAttribute('href', '/admin/t/1/backup-schedules');
    await userEvent.selectOptions(within(nav).getByLabelText('Tenant'), '2');
    await waitFor(() => expect(router.state.location.pathname).toBe('/admin/t/2/drift'));
    await userEvent.click(within(nav).getByRole('link', { name: 'Backup schedules' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/admin/t/2/backup-schedules'));
    await userEvent.selectOptions(within(nav).getByLabelText('Tenant'), '1');
    await waitFor(() => expect(router.state.location.pathname).toBe('/admin/t/1/backup-schedules'));
  });
});
