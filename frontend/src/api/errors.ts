import type { Problem } from './types';

// ApiError is a problem+json answer (or a network failure, status 0) turned into an exception.
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly capability?: string;
  readonly problem?: Partial<Problem>;
  // retryAfter is the Retry-After of a 429 or 503, in seconds, when the answer had one.
  readonly retryAfter?: number;

  constructor(status: number, problem?: Partial<Problem>, message?: string, retryAfter?: number) {
    super(message ?? problem?.detail ?? problem?.title ?? `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem?.code ?? (status === 0 ? 'network_error' : 'http_' + status);
    this.capability = problem?.capability ?? undefined;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get notFound() {
    return this.status === 404;
  }

  get forbidden() {
    return this.status === 403;
  }
}

// retryAfterSeconds reads a Retry-After header given in seconds (an HTTP date is ignored).
export function retryAfterSeconds(value: string | null | undefined): number | undefined {
  if (!value || !/^[0-9]+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

// errorMessage is what the UI says about a failed request.
export function errorMessage(e: unknown): string {
  if (isApiError(e)) {
    if (e.status === 0) return 'The API cannot be reached. Check your connection and try again.';
    if (e.status === 403 && e.capability) return `You lack the capability ${e.capability}.`;
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

// fieldErrors: a 422 (or 400) problem's field errors, by field ("(body)" and unnamed ones under
// "" ); several messages for one field are joined. Anything else gives {}.
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isApiError(e) || !Array.isArray(e.problem?.errors)) return out;
  for (const fe of e.problem.errors) {
    if (!fe || typeof fe.message !== 'string') continue;
    const key = typeof fe.field === 'string' && fe.field !== '(body)' ? fe.field : '';
    out[key] = out[key] ? `${out[key]}; ${fe.message}` : fe.message;
  }
  return out;
}

// problemMember reads an extension member of a problem (e.g. the `count` of
// findings.confirm_required).
export function problemMember(e: unknown, name: string): unknown {
  if (!isApiError(e) || !e.problem) return undefined;
  return (e.problem as Record<string, unknown>)[name];
}
