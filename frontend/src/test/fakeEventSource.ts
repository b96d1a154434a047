// FakeEventSource stands in for the browser's EventSource: tests open, feed and fail streams.
import type { EventSourceLike } from '../api/runStream';

export class FakeEventSource implements EventSourceLike {
  static all: FakeEventSource[] = [];
  static last(): FakeEventSource {
    return FakeEventSource.all[FakeEventSource.all.length - 1];
  }
  onerror: ((e: Event) => void) | null = null;
  closed = false;
  private listeners = new Map<string, ((e: MessageEvent) => void)[]>();

  constructor(public url: string) {
    FakeEventSource.all.push(this);
  }

  addEventListener(type: string, fn: (e: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }

  close(): void {
    this.closed = true;
  }

  emit(type: string, data: unknown, lastEventId = ''): void {
    const e = new MessageEvent(type, { data: typeof data === 'string' ? data : JSON.stringify(data), lastEventId });
    for (const fn of this.listeners.get(type) ?? []) fn(e);
  }

  fail(): void {
    this.onerror?.(new Event('error'));
  }
}
