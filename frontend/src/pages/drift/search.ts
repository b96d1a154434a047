// The drift page's state lives in the URL (shareable): the scope and the findings' filters.
import type { FindingQuery } from '../../api/client';
import { FINDING_SEVERITIES, type Drift, type DriftScope, type FindingSeverity } from '../../api/types';

export interface DriftSearch {
  scope?: string; // scope_key; absent: the scope with the newest run
  status?: 'acknowledged' | 'all'; // absent: new
  severity?: FindingSeverity;
  subject_type?: string;
  comparison?: 'all'; // absent: the current comparison only
}

const SCOPE_KEY = /^[0-9a-f]{64}$/;
const SUBJECT_TYPE = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

// parseDriftSearch keeps what is valid and drops the rest, so a hand-edited URL never breaks the page.
export function parseDriftSearch(raw: Record<string, unknown>): DriftSearch {
  const out: DriftSearch = {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const scope = str(raw.scope);
  if (scope && SCOPE_KEY.test(scope)) out.scope = scope;
  const status = str(raw.status);
  if (status === 'acknowledged' || status === 'all') out.status = status;
  const severity = str(raw.severity);
  if (severity && (FINDING_SEVERITIES as readonly string[]).includes(severity)) out.severity = severity as FindingSeverity;
  const subject = str(raw.subject_type);
  if (subject && SUBJECT_TYPE.test(subject)) out.subject_type = subject;
  if (str(raw.comparison) === 'all') out.comparison = 'all';
  return out;
}

// cleanDriftSearch drops empty values so the URL carries only what is set.
export function cleanDriftSearch(s: DriftSearch): DriftSearch {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined && v !== '' && v !== null) out[k] = v;
  return out as DriftSearch;
}

// defaultScope: the scope whose newest run is the newest of all.
export function defaultScope(scopes: readonly DriftScope[] | undefined): string | undefined {
  let best: DriftScope | undefined;
  for (const s of scopes ?? []) {
    if (!best || s.latest_run.created_at > best.latest_run.created_at || (s.latest_run.created_at === best.latest_run.created_at && s.latest_run.id > best.latest_run.id)) best = s;
  }
  return best?.scope_key;
}

// findingQuery: the findings the page lists — the scope's, filtered as the URL says, and (unless
// "all comparisons" is chosen) only those of the scope's current comparison. Null when there is
// nothing to list (no scope, or no current comparison to show).
export function findingQuery(s: DriftSearch, scopeKey: string | undefined, drift: Drift | undefined): FindingQuery | null {
  if (!scopeKey) return null;
  const q: FindingQuery = {
    scopeKey,
    status: s.status ?? 'new',
    severity: s.severity ? [s.severity] : undefined,
    subjectType: s.subject_type ? [s.subject_type] : undefined,
  };
  if (s.comparison === 'all') return q;
  if (!drift?.baseline_run || !drift.current_run) return null;
  return { ...q, baselineRunId: drift.baseline_run.id, currentRunId: drift.current_run.id };
}
