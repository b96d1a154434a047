import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Notification } from '../api/types';
import { fakeApi } from '../test/fixtures';
import { renderApp } from '../test/renderApp';

const n = (id: number, read: boolean): Notification => ({
  id,
  kind: 'run_finished',
  run_id: 60 + id,
  title: `Inventory sync succeeded (${id})`,
  body: `Run #${60 + id} finished in 3s.`,
  link: `/admin/operations/${60 + id}`,
  read_at: read ? '2026-11-26T10:00:00Z' : null,
  created_at: '2026-11-26T09:00:00Z',
});

describe('notifications menu', () => {
  it('shows the unread count, marks one or all as read, and links to runs', async () => {
    let items = [n(1, false), n(2, false), n(3, true)];
    const api = fakeApi({
      notifications: vi.fn(async () => ({ data: items, unread: items.filter((i) => !i.read_at).length, next_cursor: null })),
      readNotification: vi.fn(async (id: number) => {
        items = items.map((i) => (i.id === id ? { ...i, read_at: '2026-11-26T11:00:00Z' } : i));
        return items.find((i) => i.id === id)!;
      }),
      readAllNotifications: vi.fn(async () => {
        const c = items.filter((i) => !i.read_at).length;
        items = items.map((i) => ({ ...i, read_at: i.read_at ?? '2026-11-26T11:00:00Z' }));
        return c;
      }),
    });
    renderApp('/admin/operations', { api });
    expect(await screen.findByTestId('unread-count')).toHaveTextContent('2');
    await userEvent.click(screen.getByRole('button', { name: 'Notifications, 2 unread' }));
    const panel = screen.getByRole('dialog', { name: 'Notifications' });
    expect(within(panel).getByRole('link', { name: 'Inventory sync succeeded (1)' })).toHaveAttribute('href', '/admin/operations/61');
    await userEvent.click(within(panel).getByRole('button', { name: 'Mark "Inventory sync succeeded (1)" as read' }));
    expect(api.readNotification).toHaveBeenCalledWith(1);
    await waitFor(() => expect(screen.getByTestId('unread-count')).toHaveTextContent('1'));
    await userEvent.click(within(panel).getByRole('button', { name: 'Mark all as read' }));
    expect(api.readAllNotifications).toHaveBeenCalled();
    await waitFor(() => expect(screen.queryByTestId('unread-count')).toBeNull());
  });
});
