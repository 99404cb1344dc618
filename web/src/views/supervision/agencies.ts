// The names of the agencies a supervisor covers, read once per page load, so that lists show
// 执法主体 by name rather than by id.
import { reactive } from 'vue';
import { api } from '../../api/client';

const names = reactive<Record<string, string>>({});
let loading: Promise<void> | undefined;

export function loadAgencies(): Promise<void> {
  loading ??= (async () => {
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const { data } = await api.GET('/v1/agencies', { params: { query: { limit: 200, cursor } } });
      if (!data) return;
      for (const a of data.items) names[a.id] = a.name;
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
  return Object.entries(names).map(([id, name]) => ({ id, name }));
}
