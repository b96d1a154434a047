import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { fakeApi, makeMe, makeRun, READONLY_CAPS } from '../test/fixtures';
import { renderApp } from '../test/renderApp';

describe('inventory page', () => {
  it('shows the KPI header with the last inventory sync linking to its run', async () => {
    const api = fakeApi({
      inventoryKpis: vi.fn(async () => ({
        total_items: 108,
        by_category: { Configuration: 36, Foundations: 36 },
        restorable_items: 96,
        coverage: 96 / 108,
        last_inventory_sync: {
          run_id: 61,
          status: 'completed' as const,
          outcome: 'succeeded' as const,
          completed_at: '2026-11-26T16:09:15Z',
          links: { self: '/api/v1/operation-runs/61', ui: '/admin/operations/61' },
        },
        active_runs: 0,
        active_inventory_syncs: 0,
      })),
      inventoryItems: vi.fn(async () => ({
        data: [
          {
            id: 1,
            policy_type: 'deviceConfiguration',
            external_id: 'x-1',
            display_name: 'Windows baseline',
            category: 'Configuration',
            platform: 'windows',
            meta: {},
            content_hash: 'abc',
            last_seen_at: '2026-11-26T16:09:15Z',
            last_seen_operation_run_id: 61,
          },
        ],
        next_cursor: 'next',
      })),
    });
    renderApp('/admin/t/1/inventory', { api });
    const kpis = await screen.findByTestId('inventory-kpis');
    await waitFor(() => expect(within(kpis).getByText('108')).toBeInTheDocument());
    expect(within(kpis).getByText('88.9%')).toBeInTheDocument();
    expect(within(kpis).getByTestId('last-sync-link')).toHaveAttribute('href', '/admin/operations/61');
    expect(await screen.findByText('Windows baseline')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Load more' })).toBeInTheDocument();
    expect(api.inventoryKpis).toHaveBeenCalledWith(1);
  });

  it('"Sync now" is enabled with tenant.inventory.sync and shows the queued toast', async () => {
    const run = makeRun({ id: 77, status: 'queued', outcome: 'pending' });
    const listRuns = vi.fn(async () => ({ data: [], next_cursor: null }));
    const api = fakeApi({ startInventorySync: vi.fn(async () => ({ run, reused: false })), listRuns });
    renderApp('/admin/t/1/inventory', { api });
    const button = await screen.findByRole('button', { name: 'Sync now' });
    await waitFor(() => expect(button).toBeEnabled());
    const before = listRuns.mock.calls.length;
    await userEvent.click(button);
    const toast = await screen.findByText('Inventory sync queued — running in the background');
    expect(api.startInventorySync).toHaveBeenCalledWith(1);
    const view = within(toast.closest('.toast') as HTMLElement).getByRole('link', { name: 'View run' });
    expect(view).toHaveAttribute('href', '/admin/operations/77');
    // The active-runs widget looked again at once.
    await waitFor(() => expect(listRuns.mock.calls.length).toBeGreaterThan(before));
  });

  it('"Sync now" is disabled with an explanation without tenant.inventory.sync', async () => {
    const api = fakeApi({}, makeMe(READONLY_CAPS));
    renderApp('/admin/t/1/inventory', { api });
    const reason = await screen.findByTestId('start-disabled-reason');
    expect(reason).toHaveTextContent('You lack the capability tenant.inventory.sync on this tenant.');
    const button = screen.getByRole('button', { name: 'Sync now' });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute('aria-describedby', reason.id);
  });

  it('a tenant the caller is not entitled to is not found', async () => {
    const { ApiError } = await import('../api/errors');
    const api = fakeApi({
      inventoryKpis: vi.fn(async () => {
        throw new ApiError(404, { code: 'not_found', status: 404, title: 'Not Found', type: 'about:blank' });
      }),
    });
    renderApp('/admin/t/99/inventory', { api });
    expect(await screen.findByTestId('not-found')).toBeInTheDocument();
  });
});

describe('groups page', () => {
  it('lists groups and gates "Sync groups" on tenant.directory.sync', async () => {
    const api = fakeApi(
      {
        groups: vi.fn(async () => ({
          data: [
            {
              id: 1,
              entra_group_id: 'g-1',
              display_name: 'SG-Finance',
              group_type: 'Security' as const,
              security_enabled: true,
              mail_enabled: false,
              last_seen_at: '2026-11-26T16:09:18Z',
              last_seen_operation_run_id: 62,
              stale: false,
            },
          ],
          next_cursor: null,
        })),
      },
      makeMe(READONLY_CAPS),
    );
    renderApp('/admin/t/1/directory/groups', { api });
    expect(await screen.findByText('SG-Finance')).toBeInTheDocument();
    expect(screen.getByText('Current')).toHaveAttribute('data-kind', 'freshness');
    expect(await screen.findByTestId('start-disabled-reason')).toHaveTextContent('tenant.directory.sync');
    expect(screen.getByRole('button', { name: 'Sync groups' })).toBeDisabled();
  });

  it('"Sync groups" starts a group sync and shows the queued toast', async () => {
    const api = fakeApi();
    renderApp('/admin/t/1/directory/groups', { api });
    const button = await screen.findByRole('button', { name: 'Sync groups' });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    expect(await screen.findByText('Entra group sync queued — running in the background')).toBeInTheDocument();
    expect(api.startGroupSync).toHaveBeenCalledWith(1);
  });
});
