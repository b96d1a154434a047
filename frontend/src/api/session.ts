// The signed-in session: the bearer token (and who it belongs to) kept in sessionStorage, so it
// lives as long as the browser tab and is never shared with other tabs or written to disk.
import type { User } from './types';

const KEY = 'tenantatlas.session';

export interface SessionData {
  token: string;
  user: User;
  expiresAt: string | null;
}

type Listener = (s: SessionData | null) => void;

export class Session {
  private listeners = new Set<Listener>();
  private current: SessionData | null;

  constructor(private storage: Storage | undefined = globalThis.sessionStorage) {
    this.current = this.read();
  }

  private read(): SessionData | null {
    try {
      const raw = this.storage?.getItem(KEY);
      if (!raw) return null;
      const v = JSON.parse(raw) as SessionData;
      return typeof v?.token === 'string' && v.user ? v : null;
    } catch {
      return null;
    }
  }

  get(): SessionData | null {
    return this.current;
  }

  token(): string | null {
    return this.current?.token ?? null;
  }

  set(data: SessionData): void {
    this.current = data;
    this.storage?.setItem(KEY, JSON.stringify(data));
    this.emit();
  }

  clear(): void {
    if (this.current === null) return;
    this.current = null;
    this.storage?.removeItem(KEY);
    this.emit();
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit() {
    for (const fn of this.listeners) fn(this.current);
  }
}
