// A list the server pages by cursor (50 at a time, "加载更多" for the next), and its export:
// what every list page of the console does the same way.
import { ref, type Ref } from 'vue';
import { problemText } from '../api/client';
import { download } from './download';

interface Page<T> {
  data?: { items: T[]; next_cursor?: string };
  error?: unknown;
}

export function cursorList<T>(fetchPage: (cursor?: string) => Promise<Page<T>>) {
  const rows = ref([]) as Ref<T[]>;
  const next = ref('');
  const error = ref('');
  const loading = ref(false);
  // load reads the first page again, or with more the page after the last one read.
  async function load(more = false) {
    loading.value = true;
    const { data, error: err } = await fetchPage(more ? next.value : undefined);
    loading.value = false;
    if (!data) {
      error.value = problemText(err);
      return;
    }
    error.value = '';
    rows.value = more ? [...rows.value, ...data.items] : data.items;
    next.value = data.next_cursor ?? '';
  }
  return { rows, next, error, loading, load };
}

// exportList downloads the whole list with the page's filters as CSV or Excel; answers the error
// to show, or ''.
export function exportList(path: string, query: Record<string, string | number | boolean>, format: 'csv' | 'xlsx', name: string): Promise<string> {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  params.set('format', format);
  return download(path + '?' + params.toString(), name + '.' + format);
}
