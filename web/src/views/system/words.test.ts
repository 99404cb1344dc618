import { describe, expect, it } from 'vitest';
import { childLevels } from './words';

describe('childLevels', () => {
  it('offers only levels below the parent', () => {
    expect(childLevels()).toEqual(['province', 'city', 'district', 'town']);
    expect(childLevels('city')).toEqual(['district', 'town']);
    expect(childLevels('town')).toEqual([]);
  });
});
