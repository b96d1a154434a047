// The badge catalogue: the ONE place that maps a status, an outcome, a severity (or a group's
// freshness) to a tone and a label. Pure data; every badge in the app is rendered from it
// (components/Badge.tsx), and src/badges.guard.test.ts fails if another file maps those values
// to colours itself.

export type Tone = 'success' | 'warning' | 'danger' | 'info' | 'gray';

export interface BadgeSpec {
  readonly tone: Tone;
  readonly label: string;
}

export type BadgeKind = 'status' | 'outcome' | 'severity' | 'freshness' | 'finding' | 'backupSet' | 'schedule';

export const UNKNOWN_BADGE: BadgeSpec = Object.freeze({ tone: 'gray', label: 'Unknown' });

const table = (m: Record<string, BadgeSpec>): Readonly<Record<string, BadgeSpec>> => Object.freeze(m);

export const BADGE_CATALOGUE: Readonly<Record<BadgeKind, Readonly<Record<string, BadgeSpec>>>> = Object.freeze({
  status: table({
    queued: { tone: 'warning', label: 'Queued' },
    running: { tone: 'info', label: 'Running' },
    completed: { tone: 'gray', label: 'Completed' },
  }),
  outcome: table({
    pending: { tone: 'info', label: 'Pending' },
    succeeded: { tone: 'success', label: 'Succeeded' },
    partially_succeeded: { tone: 'warning', label: 'Partially succeeded' },
    failed: { tone: 'danger', label: 'Failed' },
    blocked: { tone: 'danger', label: 'Blocked' },
    cancelled: { tone: 'gray', label: 'Cancelled' },
  }),
  severity: table({
    low: { tone: 'gray', label: 'Low' },
    medium: { tone: 'warning', label: 'Medium' },
    high: { tone: 'danger', label: 'High' },
  }),
  freshness: table({
    current: { tone: 'success', label: 'Current' },
    stale: { tone: 'warning', label: 'Stale' },
  }),
  // A drift finding's status.
  finding: table({
    new: { tone: 'info', label: 'New' },
    acknowledged: { tone: 'gray', label: 'Acknowledged' },
  }),
  // A backup set's status.
  backupSet: table({
    pending: { tone: 'info', label: 'Pending' },
    completed: { tone: 'success', label: 'Completed' },
    partial: { tone: 'warning', label: 'Partial' },
    failed: { tone: 'danger', label: 'Failed' },
  }),
  // A backup schedule's state.
  schedule: table({
    enabled: { tone: 'success', label: 'Enabled' },
    disabled: { tone: 'gray', label: 'Disabled' },
    archived: { tone: 'gray', label: 'Archived' },
  }),
});

// badgeFor is the catalogue's one lookup: anything it does not know is a gray "Unknown".
export function badgeFor(kind: BadgeKind, value: string | null | undefined): BadgeSpec {
  if (value == null) return UNKNOWN_BADGE;
  const table = BADGE_CATALOGUE[kind];
  return (table && Object.prototype.hasOwnProperty.call(table, value) ? table[value] : undefined) ?? UNKNOWN_BADGE;
}
