// The backup schedules page's state in the URL: the schedule whose history is shown, and whether
// archived schedules are listed.
export interface ScheduleSearch {
  schedule?: number;
  archived?: true;
}

export function parseScheduleSearch(raw: Record<string, unknown>): ScheduleSearch {
  const out: ScheduleSearch = {};
  const v = typeof raw.schedule === 'number' ? raw.schedule : typeof raw.schedule === 'string' ? Number(raw.schedule) : NaN;
  if (Number.isSafeInteger(v) && v > 0) out.schedule = v;
  if (raw.archived === true || raw.archived === 'true' || raw.archived === 1 || raw.archived === '1') out.archived = true;
  return out;
}

export const WEEKDAYS: readonly { value: number; short: string; long: string }[] = [
  { value: 1, short: 'Mon', long: 'Monday' },
  { value: 2, short: 'Tue', long: 'Tuesday' },
  { value: 3, short: 'Wed', long: 'Wednesday' },
  { value: 4, short: 'Thu', long: 'Thursday' },
  { value: 5, short: 'Fri', long: 'Friday' },
  { value: 6, short: 'Sat', long: 'Saturday' },
  { value: 7, short: 'Sun', long: 'Sunday' },
];

// describeTiming: "Daily at 02:00", "Weekly on Mon, Thu at 02:00".
export function describeTiming(s: { frequency: string; time_of_day: string; days_of_week: readonly number[] }): string {
  if (s.frequency === 'weekly') {
    const days = WEEKDAYS.filter((d) => s.days_of_week.includes(d.value)).map((d) => d.short);
    return `Weekly on ${days.length ? days.join(', ') : 'no day'} at ${s.time_of_day}`;
  }
  return `Daily at ${s.time_of_day}`;
}

// timeZones: the browser's IANA zone names (with UTC), or null when it cannot list them.
export function timeZones(): string[] | null {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  if (typeof intl.supportedValuesOf !== 'function') return null;
  try {
    const zones = intl.supportedValuesOf('timeZone');
    if (!zones.length) return null;
    return zones.includes('UTC') ? zones : ['UTC', ...zones];
  } catch {
    return null;
  }
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
