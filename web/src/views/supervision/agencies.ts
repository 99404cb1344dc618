// The names of the agencies a supervisor covers, read once per page load, so that lists show
// 执法主体 by name rather than by id, and filters offer the enforcement agencies.
import { reactive } from 'vue';
import { api } from '../../api/client';
import { session } from '../../stores/session';

const names = reactive<Record<string, string>>({});
// supervisory bodies are named too (an order's issuer) but are not offered as agencies to pick.
const bodies = new Set<string>();
let loading: Promise<void> | undefined;
let loadedFor = '';

export function loadAgencies(): Promise<void> {
  // Another person signed in without a reload: their scope, not the last one's.
  const who = session.me?.id ?? '';
  if (who !== loadedFor) {
    loading = undefined;
    loadedFor = who;
    for (const k of Object.keys(names)) delete names[k];
    bodies.clear();
  }
  loading ??= (async () => {
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const { data } = await api.GET('/v1/agencies', { params: { query: { limit: 200, cursor } } });
      if (!data) return;
      for (const a of data.items) {
        names[a.id] = a.name;
        if (a.kind === 'supervisory') bodies.add(a.id);
      }
      if (!data.next_cursor) return;
      cursor = data.next_cursor;
    }
  })();
  return loading;
}

export function agencyName(id?: string | null): string {
  if (!id) return '';
  return names[id] ?? '（未知执法主体）';
}

export function agencyOptions(): { id: string; name: string }[] {
  return Object.entries(names).filter(([id]) => !bodies.has(id)).map(([id, name]) => ({ id, name }));
}
