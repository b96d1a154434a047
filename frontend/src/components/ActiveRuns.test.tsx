import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { RunQuery } from '../api/client';
import { fakeApi, makeRun } from '../test/fixtures';
import { renderApp } from '../test/renderApp';

const active = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    makeRun({ id: 500 + i, status: i % 2 ? 'running' : 'queued', outcome: 'pending', completed_at: null, duration_ms: null }),
  );

describe('active-runs widget', () => {
  it('shows at most five runs, then "+N more" linking to the Active tab', async () => {
    const api = fakeApi({
      listRuns: vi.fn(async (q) => (q.tab === 'active' ? { data: active(8), next_cursor: null } : { data: [], next_cursor: null })),
    });
    renderApp('/admin/t/1/inventory', { api });
    const button = await screen.findByRole('button', { name: '8 active' });
    await userEvent.click(button);
    const list = screen.getByTestId('active-runs');
    expect(within(list).getAllByRole('listitem')).toHaveLength(5);
    const more = screen.getByRole('link', { name: '+3 more' });
    expect(more).toHaveAttribute('href', '/admin/operations?tab=active');
    expect(within(list).getAllByText('Queued').length).toBeGreaterThan(0);
    expect(within(list).getAllByText('Running').length).toBeGreaterThan(0);
  });

  it('asks for active runs and stops polling when there are none', async () => {
    const listRuns = vi.fn(async (_q: RunQuery, _c?: string | null, _l?: number) => ({ data: [], next_cursor: null }));
    renderApp('/admin/t/1/inventory', { api: fakeApi({ listRuns }) });
    expect(await screen.findByRole('button', { name: 'No active runs' })).toBeInTheDocument();
    await waitFor(() => expect(listRuns).toHaveBeenCalledWith({ tab: 'active' }, null, 100));
    const calls = listRuns.mock.calls.filter((c) => c[0].tab === 'active').length;
    await new Promise((r) => setTimeout(r, 1300));
    expect(listRuns.mock.calls.filter((c) => c[0].tab === 'active').length).toBe(calls);
  });
});
