import { describe, expect, it } from 'vitest';
import { chinaDay, chinaTime } from './dates';

describe('China calendar days', () => {
  it('counts the day in Beijing, not UTC', () => {
    // 17:30 UTC on 1 December is 01:30 on 2 December in China.
    expect(chinaDay('2026-12-01T17:30:00Z')).toBe('2026-12-02');
    expect(chinaDay('2026-12-01T15:59:59Z')).toBe('2026-12-01');
    expect(chinaTime('2026-12-01T16:00:00Z')).toBe('2026-12-02 00:00');
  });
  it('keeps a day as it is and answers nothing for nothing', () => {
    expect(chinaDay('2026-06-30')).toBe('2026-06-30');
    expect(chinaDay('')).toBe('');
    expect(chinaDay('not a date')).toBe('');
    expect(chinaTime(undefined)).toBe('');
  });
});
