import { describe, expect, it } from 'vitest';
import { action, caseStatus, word } from './words';

describe('the words a person reads', () => {
  it('says every case action and status in Chinese', () => {
    for (const code of ['create', 'register', 'notify', 'decide', 'serve', 'add_evidence', 'complete_evidence']) {
      expect(word(action, code)).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(word(caseStatus, 'review')).toBe('法制审核中');
  });
  it('shows an unknown code as it is, and nothing for nothing', () => {
    expect(word(action, 'something_new')).toBe('something_new');
    expect(word(action, undefined)).toBe('');
  });
});
