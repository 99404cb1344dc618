// The caller's notifications, live: the server's Server-Sent Events read with fetch (an
// EventSource cannot send the bearer token), reconnected with Last-Event-ID when the stream
// ends or breaks, until stop() is called.
import { session } from '../stores/session';

export interface Notice {
  id: string;
  kind: string;
  title: string;
  body: string;
  created_at: string;
}

// parseEvents splits SSE text into the complete events it holds and what is left over.
export function parseEvents(buf: string): { events: { id: string; event: string; data: string }[]; rest: string } {
  const events: { id: string; event: string; data: string }[] = [];
  let at: number;
  while ((at = buf.indexOf('\n\n')) >= 0) {
    const block = buf.slice(0, at);
    buf = buf.slice(at + 2);
    const ev = { id: '', event: 'message', data: '' };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'id') ev.id = value;
      else if (field === 'event') ev.event = value;
      else if (field === 'data') ev.data += (ev.data ? '\n' : '') + value;
    }
    // A block with an id and no data (the server's first block) moves the resume point only.
    if (ev.data || ev.id) events.push(ev);
  }
  return { events, rest: buf };
}

function connect(onNotice: (n: Notice) => void): () => void {
  let stopped = false;
  let last = '';
  let ctrl: AbortController | undefined;
  const run = async () => {
    while (!stopped) {
      ctrl = new AbortController();
      // A stream the server ended (it lives a few minutes) is opened again at once; a broken
      // one after a pause.
      let pause = 100;
      try {
        const headers: Record<string, string> = { Authorization: 'Bearer ' + session.accessToken, Accept: 'text/event-stream' };
        if (last) headers['Last-Event-ID'] = last;
        const res = await fetch('/v1/notifications/stream', { headers, signal: ctrl.signal });
        if (!res.ok || !res.body) throw new Error(String(res.status));
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const parsed = parseEvents(buf + value);
          buf = parsed.rest;
          for (const ev of parsed.events) {
            if (ev.id) last = ev.id;
            if (ev.event === 'notification' && ev.data) onNotice(JSON.parse(ev.data) as Notice);
          }
        }
      } catch {
        if (stopped) return;
        pause = 2000;
      }
      await new Promise((r) => setTimeout(r, pause));
    }
  };
  void run();
  return () => {
    stopped = true;
    ctrl?.abort();
  };
}

// listen hears the caller's notifications. The pages of one tab share one stream (the server
// holds a few per person): the first listener opens it, the last one to stop closes it.
const listeners = new Set<(n: Notice) => void>();
let close: (() => void) | undefined;

export function listen(onNotice: (n: Notice) => void): () => void {
  listeners.add(onNotice);
  if (!close) close = connect((n) => listeners.forEach((l) => l(n)));
  return () => {
    if (!listeners.delete(onNotice)) return;
    // Moving from one page to the next stops one listener before the next starts: the stream
    // is kept a moment for it.
    setTimeout(() => {
      if (listeners.size > 0) return;
      close?.();
      close = undefined;
    }, 1000);
  };
}
