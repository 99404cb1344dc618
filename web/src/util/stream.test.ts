import { describe, expect, it, vi } from 'vitest';
import { parseEvents } from './stream';

describe('the notification stream', () => {
  it('reads whole events and keeps the rest for the next chunk', () => {
    const { events, rest } = parseEvents(': keep-alive\n\nid: 7\nevent: notification\ndata: {"id":"a"}\n\nid: 8\nevent: notifi');
    expect(events).toEqual([{ id: '7', event: 'notification', data: '{"id":"a"}' }]);
    expect(rest).toBe('id: 8\nevent: notifi');
    const next = parseEvents(rest + 'cation\ndata: {"id":"b"}\n\n');
    expect(next.events[0]).toEqual({ id: '8', event: 'notification', data: '{"id":"b"}' });
    expect(next.rest).toBe('');
  });
  it('keeps the id of a block without data, where the stream starts', () => {
    const { events } = parseEvents('retry: 2000\nid: 41\n: connected\n\n');
    expect(events).toEqual([{ id: '41', event: 'message', data: '' }]);
  });
});

describe('listen', () => {
  it('shares one stream among the pages of a tab and closes it after the last stops', async () => {
    vi.useFakeTimers();
    const opened: AbortSignal[] = [];
    vi.stubGlobal('fetch', (_url: string, init: { signal: AbortSignal }) => {
      opened.push(init.signal);
      return new Promise(() => {}); // a stream that stays open
    });
    const { listen } = await import('./stream');
    const stopHome = listen(() => {});
    const stopBoard = listen(() => {});
    stopHome();
    await vi.advanceTimersByTimeAsync(1500);
    expect(opened.length).toBe(1);
    expect(opened[0].aborted).toBe(false);
    stopBoard();
    await vi.advanceTimersByTimeAsync(1500);
    expect(opened[0].aborted).toBe(true);
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });
});
