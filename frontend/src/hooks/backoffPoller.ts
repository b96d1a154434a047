// BackoffPoller polls with a delay that grows (1 s, 2 s, 4 s, … up to a cap) while nothing
// changes, pauses while the document is hidden, stops when there is nothing left to watch, and
// starts over at the shortest delay on restart() (e.g. when work was just started).
// It has no React in it, so the timing is tested with fake timers (backoffPoller.test.ts).

export interface BackoffOptions<T> {
  fetch: () => Promise<T>;
  // Keep polling after this result? (false: stop until restart())
  shouldContinue: (data: T) => boolean;
  // Did the result change since the previous one? A change resets the delay.
  changed?: (prev: T, next: T) => boolean;
  onData?: (data: T, prev: T | undefined) => void;
  onError?: (err: unknown) => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  doc?: VisibilitySource;
}

// VisibilitySource is the part of document the poller needs.
export interface VisibilitySource {
  readonly hidden: boolean;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

export type PollerState = 'idle' | 'polling' | 'paused' | 'stopped';

export class BackoffPoller<T> {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private delay: number;
  private last: T | undefined;
  private inFlight = false;
  private rerun = false;
  private disposed = false;
  state: PollerState = 'idle';
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  private readonly doc?: BackoffOptions<T>['doc'];

  constructor(private opts: BackoffOptions<T>) {
    this.initialDelayMs = opts.initialDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 30000;
    this.factor = opts.factor ?? 2;
    this.delay = this.initialDelayMs;
    this.doc = opts.doc ?? (typeof document !== 'undefined' ? document : undefined);
    this.doc?.addEventListener('visibilitychange', this.onVisibility);
  }

  // The delay before the next poll, in ms.
  get currentDelayMs(): number {
    return this.delay;
  }

  get data(): T | undefined {
    return this.last;
  }

  // start polls now and keeps polling.
  start(): void {
    this.restart();
  }

  // restart polls now and starts the back-off over from the shortest delay.
  restart(): void {
    if (this.disposed) return;
    this.clearTimer();
    this.delay = this.initialDelayMs;
    this.state = 'polling';
    void this.tick();
  }

  stop(): void {
    this.clearTimer();
    this.state = 'stopped';
  }

  dispose(): void {
    this.stop();
    this.disposed = true;
    this.doc?.removeEventListener('visibilitychange', this.onVisibility);
  }

  private onVisibility = () => {
    if (this.disposed) return;
    if (this.doc?.hidden) {
      if (this.state === 'polling') {
        this.clearTimer();
        this.state = 'paused';
      }
    } else if (this.state === 'paused') {
      // Back in view: look at once, then carry on with the back-off where it was.
      this.state = 'polling';
      void this.tick();
    }
  };

  private clearTimer() {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private async tick(): Promise<void> {
    if (this.disposed || this.state !== 'polling') return;
    if (this.doc?.hidden) {
      this.state = 'paused';
      return;
    }
    if (this.inFlight) {
      // A poll is under way: poll again as soon as it is back (someone asked for fresh data).
      this.rerun = true;
      return;
    }
    this.inFlight = true;
    let ok = true;
    let data: T | undefined;
    try {
      data = await this.opts.fetch();
    } catch (err) {
      ok = false;
      this.opts.onError?.(err);
    }
    this.inFlight = false;
    if (this.disposed) return;
    const changed = ok ? this.accept(data as T) : false;
    if (this.rerun) {
      this.rerun = false;
      void this.tick();
      return;
    }
    if (this.state !== 'polling') return; // stopped, or hidden while the request was out
    if (ok && !this.opts.shouldContinue(data as T)) {
      this.state = 'stopped';
      this.delay = this.initialDelayMs;
      return;
    }
    if (changed) this.delay = this.initialDelayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, this.delay);
    this.delay = Math.min(this.maxDelayMs, Math.round(this.delay * this.factor));
  }

  // accept records a result and says whether it differs from the previous one.
  private accept(data: T): boolean {
    const prev = this.last;
    const changed = prev !== undefined && (this.opts.changed?.(prev, data) ?? false);
    this.last = data;
    this.opts.onData?.(data, prev);
    return changed;
  }
}
