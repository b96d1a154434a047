import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackoffPoller } from './backoffPoller';

// A document whose visibility the test controls.
function fakeDoc() {
  const listeners = new Set<() => void>();
  const doc = {
    hidden: false,
    addEventListener: (_: string, fn: () => void) => listeners.add(fn),
    removeEventListener: (_: string, fn: () => void) => listeners.delete(fn),
    setHidden(h: boolean) {
      doc.hidden = h;
      listeners.forEach((fn) => fn());
    },
    listeners,
  };
  return doc;
}

// Lets the poller's awaited fetch settle (fake timers do not run promise callbacks by themselves).
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('BackoffPoller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('backs off 1 s, 2 s, 4 s, … up to the cap while nothing changes', async () => {
    const doc = fakeDoc();
    const fetch = vi.fn(async () => ['run']);
    const p = new BackoffPoller<string[]>({
      fetch,
      shouldContinue: (d) => d.length > 0,
      changed: (a, b) => a.join() !== b.join(),
      initialDelayMs: 1000,
      maxDelayMs: 8000,
      doc,
    });
    const t0 = Date.now();
    const calls: number[] = [];
    fetch.mockImplementation(async () => {
      calls.push((Date.now() - t0) / 1000);
      return ['run'];
    });
    p.start();
    await settle();
    for (let s = 0; s < 40; s++) await vi.advanceTimersByTimeAsync(1000);
    // Polls at 0, then +1, +2, +4, +8, +8, +8 …
    expect(calls.slice(0, 8)).toEqual([0, 1, 3, 7, 15, 23, 31, 39]);
    p.dispose();
  });

  it('starts over at the shortest delay when the result changes', async () => {
    const doc = fakeDoc();
    let n = 0;
    const results = [['a'], ['a'], ['a'], ['a', 'b'], ['a', 'b'], ['a', 'b']];
    const t0 = Date.now();
    const calls: number[] = [];
    const p = new BackoffPoller<string[]>({
      fetch: async () => {
        calls.push((Date.now() - t0) / 1000);
        return results[Math.min(n++, results.length - 1)];
      },
      shouldContinue: (d) => d.length > 0,
      changed: (a, b) => a.join() !== b.join(),
      doc,
    });
    p.start();
    await settle();
    for (let s = 0; s < 20; s++) await vi.advanceTimersByTimeAsync(1000);
    // 0, 1, 3, 7 (changed: back to 1 s) → 8, then 10, 14 …
    expect(calls.slice(0, 7)).toEqual([0, 1, 3, 7, 8, 10, 14]);
    p.dispose();
  });

  it('stops when nothing is active and restarts on demand', async () => {
    const doc = fakeDoc();
    let active = ['run-1'];
    const fetch = vi.fn(async () => active);
    const p = new BackoffPoller<string[]>({ fetch, shouldContinue: (d) => d.length > 0, doc });
    p.start();
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    active = [];
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(p.state).toBe('stopped');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fetch).toHaveBeenCalledTimes(2); // no more polling

    // Work was started: poll at once and back at the shortest delay.
    active = ['run-2'];
    p.restart();
    await settle();
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(p.state).toBe('polling');
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetch).toHaveBeenCalledTimes(4);
    p.dispose();
  });

  it('pauses while the document is hidden and looks again when it is shown', async () => {
    const doc = fakeDoc();
    const fetch = vi.fn(async () => ['run']);
    const p = new BackoffPoller<string[]>({ fetch, shouldContinue: (d) => d.length > 0, doc });
    p.start();
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    doc.setHidden(true);
    expect(p.state).toBe('paused');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    doc.setHidden(false);
    await settle();
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(p.state).toBe('polling');
    p.dispose();
    expect(doc.listeners.size).toBe(0);
  });

  it('does not poll when started while hidden, until shown', async () => {
    const doc = fakeDoc();
    doc.hidden = true;
    const fetch = vi.fn(async () => ['run']);
    const p = new BackoffPoller<string[]>({ fetch, shouldContinue: () => true, doc });
    p.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetch).not.toHaveBeenCalled();
    doc.setHidden(false);
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    p.dispose();
  });

  it('keeps backing off through errors', async () => {
    const doc = fakeDoc();
    const t0 = Date.now();
    const calls: number[] = [];
    const onError = vi.fn();
    const p = new BackoffPoller<string[]>({
      fetch: async () => {
        calls.push((Date.now() - t0) / 1000);
        throw new Error('offline');
      },
      shouldContinue: () => true,
      onError,
      maxDelayMs: 4000,
      doc,
    });
    p.start();
    await settle();
    for (let s = 0; s < 16; s++) await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toEqual([0, 1, 3, 7, 11, 15]);
    expect(onError).toHaveBeenCalled();
    p.dispose();
  });

  it('restart during a request polls again right after it', async () => {
    const doc = fakeDoc();
    let resolve!: (v: string[]) => void;
    const fetch = vi.fn(() => new Promise<string[]>((r) => (resolve = r)));
    const p = new BackoffPoller<string[]>({ fetch, shouldContinue: () => true, doc });
    p.start();
    expect(fetch).toHaveBeenCalledTimes(1);
    p.restart(); // while the first is out
    expect(fetch).toHaveBeenCalledTimes(1);
    resolve(['a']);
    await settle();
    expect(fetch).toHaveBeenCalledTimes(2);
    p.dispose();
  });

});
