import type { Problem } from './types';

// ApiError is a problem+json answer (or a network failure, status 0) turned into an exception.
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly capability?: string;
  readonly problem?: Partial<Problem>;

  constructor(status: number, problem?: Partial<Problem>, message?: string) {
    super(message ?? problem?.detail ?? problem?.title ?? `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem?.code ?? (status === 0 ? 'network_error' : 'http_' + status);
    this.capability = problem?.capability ?? undefined;
    this.problem = problem;
  }

  get notFound() {
    return this.status === 404;
  }

  get forbidden() {
    return this.status === 403;
  }
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
