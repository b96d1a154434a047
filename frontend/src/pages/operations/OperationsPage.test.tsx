import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { RunQuery } from '../../api/client';
import { fakeApi, makeRun, makeUnknownRun } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const counts = {
  tabs: { all: 60, active: 2, succeeded: 45, partial: 8, failed: 5 },
  kpis: { total: 60, active: 2, failed_or_partial_7d: 4, average_duration_7d_secs: 59 },
  window_start: '2026-10-27T16:09:00Z',
  as_of: '2026-11-26T16:09:11Z',
  max_staleness_seconds: 5,
};

describe('operations page', () => {
  it('shows KPIs, tab counts and the runs, each row linking to its run', async () => {
    const runs = [
      makeRun({ id: 60, type: 'backup_schedule_run', type_label: 'Backup schedule run', tenant_id: 2, initiator: { kind: 'system', user_id: null, name: 'System' } }),
      makeRun({ id: 59, outcome: 'partially_succeeded' }),
      makeUnknownRun('something.old', { id: 58 }),
    ];
    const api = fakeApi({
      runCounts: vi.fn(async () => counts),
      listRuns: vi.fn(async (q: RunQuery) => (q.tab === 'active' ? { data: [], next_cursor: null } : { data: runs, next_cursor: null })),
    });
    renderApp('/admin/operations', { api });
    const rows = await screen.findAllByTestId('run-row');
    expect(rows).toHaveLength(3);
    expect(within(rows[0]).getByRole('link', { name: 'Backup schedule run' })).toHaveAttribute('href', '/admin/operations/60');
    expect(within(rows[0]).getByText('Northwind Traders')).toBeInTheDocument();
    expect(within(rows[0]).getByText('System')).toBeInTheDocument();
    expect(within(rows[0]).getByText('28 s')).toBeInTheDocument();
    expect(within(rows[1]).getByText('Partially succeeded')).toBeInTheDocument();
    expect(within(rows[2]).getByRole('link', { name: 'Unknown operation' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('tab-all')).toHaveTextContent('All60'));
    expect(screen.getByTestId('tab-failed')).toHaveTextContent('Failed5');
    expect(screen.getByText('Runs (30 days)').nextSibling).toHaveTextContent('60');
    expect(screen.getByText('Average duration (7 days)').nextSibling).toHaveTextContent('59 s');
    expect(screen.getByTestId('scope')).toHaveTextContent('All tenants');
  });

  it('keeps tab and filters in the URL and passes them to the API', async () => {
    const listRuns = vi.fn(async () => ({ data: [], next_cursor: null }));
    const api = fakeApi({ listRuns, runCounts: vi.fn(async () => counts) });
    const { router } = renderApp('/admin/operations?tab=failed&type=inventory_sync&initiator=me&tenant=2', { api });
    await screen.findByText('No runs match these filters.');
    const q = (listRuns.mock.calls as unknown as [RunQuery, string | null, number][]).find((c) => c[0].tab === 'failed')![0];
    expect(q).toMatchObject({ tab: 'failed', type: ['inventory_sync'], initiator: '1', tenantId: 2 });
    expect(q.createdAfter).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(screen.getByTestId('scope')).toHaveTextContent('Northwind Traders');
    expect(screen.getByTestId('tab-failed')).toHaveAttribute('aria-current', 'page');

    await userEvent.click(screen.getByRole('button', { name: 'Show all tenants' }));
    await waitFor(() => expect(router.state.location.search).toEqual({ tab: 'failed', type: 'inventory_sync', initiator: 'me' }));
    expect(screen.getByTestId('scope')).toHaveTextContent('All tenants');

    await userEvent.selectOptions(screen.getByLabelText('Outcome'), 'blocked');
    await waitFor(() => expect(router.state.location.search).toMatchObject({ outcome: 'blocked' }));
    await userEvent.click(screen.getByTestId('tab-succeeded'));
    await waitFor(() => expect(router.state.location.search).toMatchObject({ tab: 'succeeded', outcome: 'blocked' }));
    await userEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(router.state.location.search).toEqual({ tab: 'succeeded' }));
  });

  it('pages with next_cursor ("Load more")', async () => {
    const listRuns = vi.fn(async (q: RunQuery, cursor?: string | null) => {
      if (q.tab === 'active') return { data: [], next_cursor: null };
      return cursor === 'page-2'
        ? { data: [makeRun({ id: 1 })], next_cursor: null }
        : { data: [makeRun({ id: 3 }), makeRun({ id: 2 })], next_cursor: 'page-2' };
    });
    renderApp('/admin/operations', { api: fakeApi({ listRuns }) });
    expect(await screen.findAllByTestId('run-row')).toHaveLength(2);
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('run-row')).toHaveLength(3));
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(listRuns).toHaveBeenCalledWith(expect.anything(), 'page-2', 50);
  });
});
