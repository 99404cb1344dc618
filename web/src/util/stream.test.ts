import { describe, expect, it } from 'vitest';
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
