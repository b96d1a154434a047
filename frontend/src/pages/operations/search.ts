// The run list's state lives in the URL (shareable): tab, filters, tenant and page size.
import { RUN_OUTCOMES, RUN_TABS, type RunOutcome, type RunTab } from '../../api/types';
import type { RunQuery } from '../../api/client';

export const PAGE_SIZES = [50, 100, 200] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

export interface RunSearch {
  tab?: RunTab;
  type?: string;
  outcome?: RunOutcome;
  initiator?: 'system' | 'me';
  from?: string; // YYYY-MM-DD, inclusive
  to?: string; // YYYY-MM-DD, inclusive
  tenant?: number;
  size?: PageSize;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TYPE_KEY = /^[a-z][a-z0-9_.]{0,63}$/;

// parseRunSearch keeps what is valid and drops the rest, so a hand-edited URL never breaks the page.
export function parseRunSearch(raw: Record<string, unknown>): RunSearch {
  const out: RunSearch = {};
  const str = (v: unknown) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined);
  const tab = str(raw.tab);
  if (tab && (RUN_TABS as readonly string[]).includes(tab) && tab !== 'all') out.tab = tab as RunTab;
  const type = str(raw.type);
  if (type && TYPE_KEY.test(type)) out.type = type;
  const outcome = str(raw.outcome);
  if (outcome && (RUN_OUTCOMES as readonly string[]).includes(outcome)) out.outcome = outcome as RunOutcome;
  const initiator = str(raw.initiator);
  if (initiator === 'system' || initiator === 'me') out.initiator = initiator;
  const from = str(raw.from);
  if (from && DAY.test(from) && !Number.isNaN(Date.parse(from))) out.from = from;
  const to = str(raw.to);
  if (to && DAY.test(to) && !Number.isNaN(Date.parse(to))) out.to = to;
  const tenant = Number(str(raw.tenant));
  if (Number.isInteger(tenant) && tenant > 0) out.tenant = tenant;
  const size = Number(str(raw.size));
  if ((PAGE_SIZES as readonly number[]).includes(size) && size !== 50) out.size = size as PageSize;
  return out;
}

// localDayStart turns YYYY-MM-DD into the instant the day starts in the browser's time zone.
export function localDayStart(day: string, addDays = 0): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + addDays, 0, 0, 0, 0);
}

export const DEFAULT_WINDOW_DAYS = 30;

// toRunQuery turns the URL state into the API's filters. Without a start date the list shows the
// last 30 days, like the counts. The end date is inclusive in the UI, exclusive in the API.
export function toRunQuery(s: RunSearch, userId: number | undefined, windowStart: Date): RunQuery {
  return {
    tab: s.tab,
    type: s.type ? [s.type] : undefined,
    outcome: s.outcome ? [s.outcome] : undefined,
    initiator: s.initiator === 'system' ? 'system' : s.initiator === 'me' && userId ? String(userId) : undefined,
    tenantId: s.tenant,
    createdAfter: (s.from ? localDayStart(s.from) : windowStart).toISOString(),
    createdBefore: s.to ? localDayStart(s.to, 1).toISOString() : undefined,
  };
}

// defaultWindowStart: 30 days ago, at the start of the minute (as the server counts).
export function defaultWindowStart(now: number = Date.now()): Date {
  const d = new Date(now - DEFAULT_WINDOW_DAYS * 86_400_000);
  d.setSeconds(0, 0);
  return d;
}
