import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeEventSource } from '../test/fakeEventSource';
import { makeRun } from '../test/fixtures';
import { RunStream, type RunEvent, type StreamStatus } from './runStream';

function setup() {
  let n = 0;
  const ticket = vi.fn(async () => `tas_${++n}`);
  const events: RunEvent[] = [];
  const statuses: StreamStatus[] = [];
  const onResync = vi.fn();
  const stream = new RunStream({
    source: { ticket, url: (t, last) => `/events?ticket=${t}${last ? `&last_event_id=${last}` : ''}` },
    create: (url) => new FakeEventSource(url),
    onEvent: (ev) => events.push(ev),
    onResync,
    onStatus: (s) => statuses.push(s),
  });
  return { stream, ticket, events, statuses, onResync };
}

describe('run stream', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeEventSource.all = [];
  });
  afterEach(() => vi.useRealTimers());

  it('opens with a ticket, delivers run events and refetches once when live', async () => {
    const { stream, events, statuses, onResync } = setup();
    stream.start();
    await vi.waitFor(() => expect(FakeEventSource.all).toHaveLength(1));
    const es = FakeEventSource.last();
    expect(es.url).toBe('/events?ticket=tas_1');
    es.emit('ready', {}, '7');
    expect(statuses).toEqual(['connecting', 'live']);
    expect(onResync).toHaveBeenCalledTimes(1); // a new stream: what was read before it may be stale
    const run = makeRun({ id: 5, status: 'running' });
    es.emit('run', { change: 'started', run }, '8');
    expect(events).toEqual([{ id: '8', change: 'started', run }]);
    expect(stream.lastEventId).toBe('8');
    es.emit('run', 'not json', '9');
    expect(events).toHaveLength(1);
    stream.stop();
    expect(es.closed).toBe(true);
    expect(statuses.at(-1)).toBe('off');
  });

  it('reconnects with a new ticket after the last event, with back-off, and reports the fallback', async () => {
    const { stream, ticket, statuses, onResync } = setup();
    stream.start();
    await vi.waitFor(() => expect(FakeEventSource.all).toHaveLength(1));
    FakeEventSource.last().emit('ready', {}, '3');
    FakeEventSource.last().emit('run', { change: 'created', run: makeRun({ id: 1 }) }, '4');
    FakeEventSource.last().fail();
    expect(FakeEventSource.all[0].closed).toBe(true); // the browser's own reconnect would reuse the spent ticket
    expect(statuses.at(-1)).toBe('connecting');

    await vi.advanceTimersByTimeAsync(999);
    expect(FakeEventSource.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeEventSource.all).toHaveLength(2);
    expect(FakeEventSource.last().url).toBe('/events?ticket=tas_2&last_event_id=4');
    FakeEventSource.last().fail();
    expect(statuses.at(-1)).toBe('fallback'); // two failures in a row: the pages poll meanwhile

    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeEventSource.all).toHaveLength(3);
    FakeEventSource.last().emit('ready', {}, '4');
    expect(statuses.at(-1)).toBe('live');
    expect(onResync).toHaveBeenCalledTimes(1); // resumed: nothing to refetch
    FakeEventSource.last().emit('resync', { reason: 'expired' }, '90');
    expect(onResync).toHaveBeenCalledTimes(2);
    expect(stream.lastEventId).toBe('90');
    expect(ticket).toHaveBeenCalledTimes(3);
    stream.stop();
  });

  it('counts a refused ticket as a failed connection', async () => {
    const { stream, ticket, statuses } = setup();
    ticket.mockRejectedValueOnce(new Error('offline'));
    stream.start();
    await vi.waitFor(() => expect(statuses.at(-1)).toBe('connecting'));
    expect(FakeEventSource.all).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(FakeEventSource.all).toHaveLength(1));
    stream.stop();
  });
});
