// RunStream: the SPA's one connection to GET /api/v1/operation-runs/events. It opens an
// EventSource with a single-use ticket (so no token goes into a URL), remembers the id of the last
// event, and when the connection fails it closes it, waits (1 s, 2 s, 4 s … up to 30 s) and opens
// a new one with a fresh ticket, resuming after that id (last_event_id): nothing is lost, and the
// browser's own reconnect (which would reuse the spent ticket) never happens. After failAfter
// failures in a row it reports 'fallback' — the pages then poll — and keeps trying.
// No React in here: the timing is tested with fake timers (runStream.test.ts).
import type { OperationRunEvent } from './types';

export type StreamStatus = 'off' | 'connecting' | 'live' | 'fallback';

// RunEventsSource is what the stream needs of the API: a ticket, and the stream URL for it.
export interface RunEventsSource {
  ticket(): Promise<string>;
  url(ticket: string, lastEventId: string | null): string;
}

export interface RunEvent extends OperationRunEvent {
  id: string; // the event number
}

// EventSourceLike is the part of EventSource the stream uses.
export interface EventSourceLike {
  addEventListener(type: string, listener: (e: MessageEvent) => void): void;
  onerror: ((e: Event) => void) | null;
  close(): void;
}

export interface RunStreamOptions {
  source: RunEventsSource;
  onEvent: (ev: RunEvent) => void;
  // onResync: what the client holds may be stale (a new stream, or events it can no longer get):
  // read the runs again.
  onResync: () => void;
  onStatus?: (s: StreamStatus) => void;
  create?: (url: string) => EventSourceLike;
  minDelayMs?: number;
  maxDelayMs?: number;
  failAfter?: number;
}

export class RunStream {
  status: StreamStatus = 'off';
  lastEventId: string | null = null;
  private es: EventSourceLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private running = false;
  private generation = 0;
  private readonly create: (url: string) => EventSourceLike;

  constructor(private opts: RunStreamOptions) {
    this.create = opts.create ?? ((url) => new EventSource(url));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.setStatus('connecting');
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.es?.close();
    this.es = null;
    this.setStatus('off');
  }

  private setStatus(s: StreamStatus) {
    if (this.status === s) return;
    this.status = s;
    this.opts.onStatus?.(s);
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    let ticket: string;
    try {
      ticket = await this.opts.source.ticket();
    } catch {
      if (gen === this.generation) this.fail();
      return;
    }
    if (gen !== this.generation || !this.running) return;
    const resumed = this.lastEventId !== null;
    const es = this.create(this.opts.source.url(ticket, this.lastEventId));
    this.es = es;
    const current = () => gen === this.generation;
    es.addEventListener('ready', (e) => {
      if (!current()) return;
      if (e.lastEventId) this.lastEventId = e.lastEventId;
      this.failures = 0;
      this.setStatus('live');
      if (!resumed) this.opts.onResync();
    });
    es.addEventListener('resync', (e) => {
      if (!current()) return;
      if (e.lastEventId) this.lastEventId = e.lastEventId;
      this.opts.onResync();
    });
    es.addEventListener('run', (e) => {
      if (!current()) return;
      let data: OperationRunEvent;
      try {
        data = JSON.parse(String(e.data)) as OperationRunEvent;
      } catch {
        return;
      }
      if (e.lastEventId) this.lastEventId = e.lastEventId;
      this.opts.onEvent({ ...data, id: e.lastEventId });
    });
    es.onerror = () => {
      if (!current()) return;
      es.close();
      this.es = null;
      this.generation++;
      this.fail();
    };
  }

  private fail() {
    if (!this.running) return;
    this.failures++;
    this.setStatus(this.failures >= (this.opts.failAfter ?? 2) ? 'fallback' : 'connecting');
    const min = this.opts.minDelayMs ?? 1000;
    const delay = Math.min(this.opts.maxDelayMs ?? 30_000, min * 2 ** (this.failures - 1));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }
}
