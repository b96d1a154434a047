import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunQuery } from '../../api/client';
import type { OperationRunDetail } from '../../api/types';
import { FakeEventSource } from '../../test/fakeEventSource';
import { fakeApi, makeRun } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const now = () => new Date().toISOString();
let seq = 10;

function liveApi(initial: OperationRunDetail[]) {
  const listRuns = vi.fn(async (q: RunQuery) => (q.tab === 'active' ? { data: [], next_cursor: null } : { data: initial, next_cursor: null }));
  const runCounts = vi.fn(async () => ({
    tabs: { all: initial.length, active: 0, succeeded: initial.length, partial: 0, failed: 0 },
    kpis: { total: initial.length, active: 0, failed_or_partial_7d: 0, average_duration_7d_secs: null },
    window_start: now(),
    as_of: now(),
    max_staleness_seconds: 5,
  }));
  const api = fakeApi({
    listRuns,
    runCounts,
    runEvents: { ticket: vi.fn(async () => 'tas_x'), url: (t, last) => `/events?ticket=${t}&last=${last ?? ''}` },
  });
  return { api, listRuns, runCounts };
}

function send(change: string, run: OperationRunDetail) {
  act(() => FakeEventSource.last().emit('run', { change, run }, String(++seq)));
}

async function live() {
  await waitFor(() => expect(FakeEventSource.all.length).toBeGreaterThan(0));
  act(() => FakeEventSource.last().emit('ready', {}, String(seq)));
}

describe('operations page with the run stream', () => {
  beforeEach(() => {
    FakeEventSource.all = [];
    vi.stubGlobal('EventSource', FakeEventSource);
    window.scrollY = 0;
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    window.scrollY = 0;
  });

  it('shows a new run at the top without reload and updates its row in place', async () => {
    const old = makeRun({ id: 1, created_at: now() });
    const { api, runCounts } = liveApi([old]);
    renderApp('/admin/operations', { api });
    expect(await screen.findAllByTestId('run-row')).toHaveLength(1);
    await live();
    const countsBefore = runCounts.mock.calls.length;

    const fresh = makeRun({ id: 2, status: 'queued', outcome: 'pending', created_at: now(), started_at: null, completed_at: null, duration_ms: null });
    send('created', fresh);
    await waitFor(() => expect(screen.getAllByTestId('run-row')).toHaveLength(2));
    const top = () => screen.getAllByTestId('run-row')[0];
    expect(within(top()).getByRole('link', { name: 'Inventory sync' })).toHaveAttribute('href', '/admin/operations/2');
    expect(within(top()).getByText('Queued')).toBeInTheDocument();

    send('started', { ...fresh, status: 'running', started_at: now() });
    await waitFor(() => expect(within(top()).getByText('Running')).toBeInTheDocument());
    send('completed', { ...fresh, status: 'completed', outcome: 'succeeded', started_at: now(), completed_at: now(), duration_ms: 1200 });
    await waitFor(() => expect(within(top()).getByText('Succeeded')).toBeInTheDocument());
    expect(screen.getAllByTestId('run-row')).toHaveLength(2);
    // The counts are asked again when runs appear or finish.
    await waitFor(() => expect(runCounts.mock.calls.length).toBeGreaterThan(countsBefore));
  });

  it('counts new runs in a bar while the reader has scrolled away, and shows them on request', async () => {
    const { api, listRuns } = liveApi([makeRun({ id: 1, created_at: now() })]);
    renderApp('/admin/operations', { api });
    await screen.findAllByTestId('run-row');
    await live();
    window.scrollY = 600;
    send('created', makeRun({ id: 3, status: 'queued', outcome: 'pending', created_at: now() }));
    send('created', makeRun({ id: 4, status: 'queued', outcome: 'pending', created_at: now() }));
    expect(await screen.findByTestId('new-runs')).toHaveTextContent('2 new runs');
    expect(screen.getAllByTestId('run-row')).toHaveLength(1);
    // A run of another tenant filter or an update is no new run.
    send('started', makeRun({ id: 4, status: 'running', outcome: 'pending', created_at: now() }));
    expect(screen.getByTestId('new-runs')).toHaveTextContent('2 new runs');

    const calls = listRuns.mock.calls.length;
    window.scrollTo = vi.fn();
    await userEvent.click(screen.getByTestId('new-runs'));
    await waitFor(() => expect(listRuns.mock.calls.length).toBeGreaterThan(calls));
    expect(screen.queryByTestId('new-runs')).not.toBeInTheDocument();
  });

  it('leaves out new runs the filters exclude', async () => {
    const { api } = liveApi([]);
    renderApp('/admin/operations?tab=failed', { api });
    await screen.findByText('No runs match these filters.');
    await live();
    send('created', makeRun({ id: 7, status: 'queued', outcome: 'pending', created_at: now() }));
    send('created', makeRun({ id: 8, status: 'completed', outcome: 'failed', created_at: now() }));
    await waitFor(() => expect(screen.getAllByTestId('run-row')).toHaveLength(1));
    expect(within(screen.getByTestId('run-row')).getByRole('link')).toHaveAttribute('href', '/admin/operations/8');
  });

  it('says discreetly when the stream failed and polling took over', { timeout: 15000 }, async () => {
    const { api } = liveApi([]);
    renderApp('/admin/operations', { api });
    await live();
    expect(screen.queryByTestId('live-status')).not.toBeInTheDocument();
    act(() => FakeEventSource.last().fail());
    // The stream waits 1 s, then 2 s, before it tries again.
    await waitFor(() => expect(FakeEventSource.all.length).toBe(2), { timeout: 5000 });
    act(() => FakeEventSource.last().fail());
    expect(await screen.findByTestId('live-status')).toHaveTextContent('Live updates paused');
    await waitFor(() => expect(FakeEventSource.all.length).toBe(3), { timeout: 5000 });
    expect(FakeEventSource.last().url).toContain(`last=${seq}`);
    act(() => FakeEventSource.last().emit('ready', {}, String(seq)));
    await waitFor(() => expect(screen.queryByTestId('live-status')).not.toBeInTheDocument());
  });
});
