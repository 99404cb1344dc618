import { describe, expect, it } from 'vitest';
import { daysLeft, daysLeftText, fromTiers, toInput, validateTiers, type TierRow } from './rules';

const row = (tier: TierRow['tier'], min: number, max: number): TierRow => ({ tier, name: '', min_fine: min, max_fine: max, circumstances: '', first_offence: false });

describe('validateTiers', () => {
  it('accepts touching ranges in order', () => {
    expect(validateTiers([row('no_penalty', 0, 0), row('lighter', 100, 200), row('normal', 200, 500), row('heavier', 500, 1000)])).toEqual({});
  });
  it('puts an overlap at the higher tier\'s lowest fine, whatever the row order', () => {
    const e = validateTiers([row('normal', 200, 500), row('lighter', 100, 300)]);
    expect(Object.keys(e)).toEqual(['tiers[0].min_fine']);
    expect(e['tiers[0].min_fine']).toContain('从轻');
  });
  it('names a duplicate tier, an upside-down range, a fine without penalty and a missing normal tier', () => {
    const e = validateTiers([row('lighter', 300, 100), row('lighter', 0, 10), row('no_penalty', 0, 5)]);
    expect(e['tiers[0].max_fine']).toBeTruthy();
    expect(e['tiers[1].tier']).toBeTruthy();
    expect(e['tiers[2].max_fine']).toBeTruthy();
    expect(e.tiers).toBeTruthy();
  });
});

describe('tiers to and from the body', () => {
  it('splits circumstances and keeps the tier name', () => {
    const rows = fromTiers([{ tier: 'lighter', min_fine: 1, max_fine: 2, circumstances: ['甲', '乙'] }]);
    expect(rows[0].circumstances).toBe('甲、乙');
    expect(toInput(rows)[0]).toEqual({ tier: 'lighter', name: '从轻', min_fine: 1, max_fine: 2, circumstances: ['甲', '乙'], first_offence: false });
  });
});

describe('daysLeft', () => {
  it('counts China days: 23:30 UTC is already the next day in China', () => {
    const now = new Date('2026-12-01T23:30:00Z'); // 2026-12-02 07:30 in China
    expect(daysLeft('2026-12-02', now)).toBe(0);
    expect(daysLeft('2026-12-12', now)).toBe(10);
    expect(daysLeftText('2026-11-30', now)).toBe('已过期 2 天');
  });
});
