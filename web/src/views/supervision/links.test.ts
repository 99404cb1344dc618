import { describe, expect, it } from 'vitest';
import { objectLink } from './links';

describe('objectLink', () => {
  it('leads each kind to its page', () => {
    expect(objectLink('case', 'a1')).toBe('/cases/a1');
    expect(objectLink('complaint', 'c/2')).toBe('/complaints/c%2F2');
    expect(objectLink('callback', 'b')).toBe('/callbacks/b');
    expect(objectLink('order', 'o')).toBe('/supervision-orders/o');
    expect(objectLink('problem', 'p')).toBe('/problems');
    expect(objectLink('other', 'x')).toBe('');
  });
});
