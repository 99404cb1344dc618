import { describe, expect, it } from 'vitest';
import { cursorList } from './lists';

describe('cursorList', () => {
  it('reads the first page, appends the next with its cursor, and shows an error in words', async () => {
    const asked: (string | undefined)[] = [];
    const pages: Record<string, { items: number[]; next_cursor?: string }> = { first: { items: [1, 2], next_cursor: 'c2' }, c2: { items: [3] } };
    let fail = false;
    const l = cursorList<number>(async (cursor) => {
      asked.push(cursor);
      if (fail) return { error: { detail: '无权查看' } };
      return { data: pages[cursor ?? 'first'] };
    });
    await l.load();
    expect(l.rows.value).toEqual([1, 2]);
    expect(l.next.value).toBe('c2');
    await l.load(true);
    expect(l.rows.value).toEqual([1, 2, 3]);
    expect(l.next.value).toBe('');
    expect(asked).toEqual([undefined, 'c2']);
    fail = true;
    await l.load();
    expect(l.error.value).toBe('无权查看');
    expect(l.rows.value).toEqual([1, 2, 3]);
    expect(l.loading.value).toBe(false);
  });
});
