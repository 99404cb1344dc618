import { describe, expect, it } from 'vitest';
import { mayHaveSession } from './auth';

describe('mayHaveSession', () => {
  it('reads the signed-in marker among other cookies', () => {
    expect(mayHaveSession('a=b; zhifa_signed_in=1; c=d')).toBe(true);
    expect(mayHaveSession('zhifa_signed_in=1')).toBe(true);
  });
  it('is false without it or when it was cleared', () => {
    expect(mayHaveSession('')).toBe(false);
    expect(mayHaveSession('zhifa_signed_in=')).toBe(false);
    expect(mayHaveSession('not_zhifa_signed_in=1')).toBe(false);
  });
});
