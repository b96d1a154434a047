import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useRef, useState } from 'react';
import { useApi } from '../context';
import { queryKeys } from '../api/queryKeys';
import { formatRelative } from '../format';
import type { Notification } from '../api/types';
import { useDismiss } from './ActiveRuns';

export function notificationLink(n: Notification): string | null {
  if (n.link && n.link.startsWith('/admin/')) return n.link;
  if (n.run_id) return `/admin/operations/${n.run_id}`;
  return null;
}

// NotificationsMenu: the caller's notifications (one per finished run it started), with the unread
// count, mark-as-read, read-all and links to the runs.
export function NotificationsMenu() {
  const api = useApi();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, open, () => setOpen(false));
  const q = useQuery({
    queryKey: queryKeys.notifications(),
    queryFn: () => api.notifications(),
    refetchInterval: 60_000,
  });
  const markRead = useMutation({
    mutationFn: (id: number) => api.readNotification(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.notifications() }),
  });
  const readAll = useMutation({
    mutationFn: () => api.readAllNotifications(),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.notifications() }),
  });
  const unread = q.data?.unread ?? 0;
  const items = q.data?.data ?? [];
  return (
    <div className="menu" ref={ref}>
      <button
        type="button"
        className="topbar-button"
        aria-expanded={open}
        aria-haspopup="true"
        aria-label={unread > 0 ? `Notifications, ${unread} unread` : 'Notifications'}
        onClick={() => setOpen((o) => !o)}
      >
        <BellIcon />
        {unread > 0 && (
          <span className="counter" data-testid="unread-count">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div className="menu-panel menu-panel-wide" role="dialog" aria-label="Notifications">
          <div className="menu-head">
            <strong>Notifications</strong>
            <button
              type="button"
              className="link-button"
              disabled={unread === 0 || readAll.isPending}
              onClick={() => readAll.mutate()}
            >
              Mark all as read
            </button>
          </div>
          {q.isError && <p className="menu-empty error-text">Notifications could not be loaded.</p>}
          {items.length === 0 && !q.isError ? (
            <p className="muted menu-empty">No notifications yet. You are told here when work you started finishes.</p>
          ) : (
            <ul className="menu-list">
              {items.map((n) => {
                const to = notificationLink(n);
                return (
                  <li key={n.id} className={n.read_at ? 'is-read' : 'is-unread'}>
                    <div className="notification">
                      {to ? (
                        <Link
                          to={to}
                          onClick={() => {
                            if (!n.read_at) markRead.mutate(n.id);
                            setOpen(false);
                          }}
                        >
                          <span className="menu-item-title">{n.title}</span>
                        </Link>
                      ) : (
                        <span className="menu-item-title">{n.title}</span>
                      )}
                      <span className="muted">
                        {n.body} · {formatRelative(n.created_at)}
                      </span>
                    </div>
                    {!n.read_at && (
                      <button
                        type="button"
                        className="link-button small"
                        onClick={() => markRead.mutate(n.id)}
                        aria-label={`Mark "${n.title}" as read`}
                      >
                        Mark as read
                      </button>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

function BellIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
      <path d="M13.7 21a2 2 0 0 1-3.4 0" />
    </svg>
  );
}
