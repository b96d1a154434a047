import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { badgeFor } from '../badges';
import { fakeApi, makeRun, makeUnknownRun } from '../test/fixtures';
import { renderApp } from '../test/renderApp';

describe('run page', () => {
  it('shows badges, timeline, counts, failures, related links and the context', async () => {
    const run = makeRun({
      id: 42,
      outcome: 'partially_succeeded',
      summary_counts: { total: 40, failed: 9 },
      failures: [{ code: 'graph.throttled', message: 'throttled after 5 attempts', count: 9 }],
      context: JSON.parse('{"selection":{"policy_types":["configurationPolicy"]}}'),
      links: {
        self: '/api/v1/operation-runs/42',
        ui: '/admin/operations/42',
        related: [{ rel: 'inventory', title: 'Inventory', href: '/api/v1/tenants/1/inventory/items', ui: '/admin/t/1/inventory' }],
      },
    });
    const api = fakeApi({ getRun: vi.fn(async () => run) });
    renderApp('/admin/operations/42', { api });
    const detail = await screen.findByTestId('run-detail');
    expect(within(detail).getByRole('heading', { level: 1 })).toHaveTextContent('Inventory sync #42');
    const badges = within(detail).getByLabelText('Status and outcome');
    expect(within(badges).getByText('Completed')).toHaveAttribute('data-tone', badgeFor('status', 'completed').tone);
    expect(within(badges).getByText('Partially succeeded')).toHaveAttribute(
      'data-tone',
      badgeFor('outcome', 'partially_succeeded').tone,
    );
    expect(within(detail).getByText('Created')).toBeInTheDocument();
    expect(within(detail).getByText('Started')).toBeInTheDocument();
    expect(within(detail).getByText('Finished')).toBeInTheDocument();
    expect(within(detail).getByText('Total').nextSibling).toHaveTextContent('40');
    expect(within(detail).getByText('graph.throttled')).toBeInTheDocument();
    expect(within(detail).getByText('throttled after 5 attempts')).toBeInTheDocument();
    expect(within(detail).getByRole('link', { name: 'Inventory' })).toHaveAttribute('href', '/admin/t/1/inventory');
    // The context is collapsed until asked for.
    const summary = within(detail).getByText('Context');
    expect(detail.querySelector('details')).not.toHaveAttribute('open');
    await userEvent.click(summary);
    expect(detail.querySelector('details')).toHaveAttribute('open');
    expect(detail.querySelector('pre')!.textContent).toContain('configurationPolicy');
    expect(api.getRun).toHaveBeenCalledWith(42);
  });

  it('404 is the not-found page', async () => {
    const api = fakeApi({
      getRun: vi.fn(async () => {
        throw new ApiError(404, { type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found' });
      }),
    });
    renderApp('/admin/operations/999', { api });
    expect(await screen.findByTestId('not-found')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Run not found' })).toBeInTheDocument();
    expect(screen.queryByTestId('forbidden')).toBeNull();
  });

  it('403 names the missing capability from the problem body', async () => {
    const api = fakeApi({
      getRun: vi.fn(async () => {
        throw new ApiError(403, {
          type: 'about:blank',
          title: 'Forbidden',
          status: 403,
          code: 'capability_missing',
          capability: 'tenant.inventory.sync',
        });
      }),
    });
    renderApp('/admin/operations/5', { api });
    expect(await screen.findByTestId('forbidden')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'You lack capability tenant.inventory.sync' })).toBeInTheDocument();
    expect(screen.queryByTestId('not-found')).toBeNull();
  });

  it('a run id that is not a number is not found, without asking the API', async () => {
    const api = fakeApi();
    renderApp('/admin/operations/abc', { api });
    expect(await screen.findByTestId('not-found')).toBeInTheDocument();
    expect(api.getRun).not.toHaveBeenCalled();
  });

  it("the heading is the server's type_label, for a type the SPA has never heard of too", async () => {
    const run = makeRun({ id: 8, type: 'tenant_restore', type_label: 'Tenant restore' });
    renderApp('/admin/operations/8', { api: fakeApi({ getRun: vi.fn(async () => run) }) });
    const detail = await screen.findByTestId('run-detail');
    expect(within(detail).getByRole('heading', { level: 1 })).toHaveTextContent('Tenant restore #8');
    expect(within(detail).queryByText('tenant_restore')).toBeNull();
  });

  it('an unknown type shows the server\'s "Unknown operation" label and its stored type, and still renders', async () => {
    const run = makeUnknownRun('legacy.thing', { id: 7, outcome: 'exploded' as never });
    renderApp('/admin/operations/7', { api: fakeApi({ getRun: vi.fn(async () => run) }) });
    const detail = await screen.findByTestId('run-detail');
    expect(within(detail).getByRole('heading', { level: 1 })).toHaveTextContent('Unknown operation #7');
    expect(within(detail).getByText('legacy.thing')).toBeInTheDocument();
    // An outcome the catalogue does not know is a gray "Unknown" badge.
    expect(within(detail).getByText('Unknown')).toHaveAttribute('data-tone', 'gray');
  });

  it('follows an active run until it finishes', async () => {
    const running = makeRun({ id: 9, status: 'running', outcome: 'pending', completed_at: null, duration_ms: null });
    const done = { ...running, status: 'completed' as const, outcome: 'succeeded' as const, completed_at: '2026-11-20T10:00:30Z', duration_ms: 28000 };
    const getRun = vi.fn().mockResolvedValueOnce(running).mockResolvedValue(done);
    renderApp('/admin/operations/9', { api: fakeApi({ getRun }) });
    await screen.findByTestId('run-detail');
    const badges = () => within(screen.getByTestId('run-detail')).getByLabelText('Status and outcome');
    expect(within(badges()).getByText('Running')).toBeInTheDocument();
    await waitFor(() => expect(within(badges()).getByText('Succeeded')).toBeInTheDocument(), { timeout: 4000 });
    expect(getRun.mock.calls.length).toBeGreaterThanOrEqual(2);
  });
});
