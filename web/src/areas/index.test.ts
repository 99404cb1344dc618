import { describe, expect, it } from 'vitest';
import { menuFor } from './index';

describe('menuFor', () => {
  it('shows an enterprise its portal and not the case desk', () => {
    const paths = menuFor(['enterprise']).map((m) => m.path);
    expect(paths).toContain('/enterprise');
    expect(paths).not.toContain('/cases');
    expect(paths).not.toContain('/officers');
  });
  it('shows an agency admin the officers page and the desk', () => {
    const paths = menuFor(['agency_admin']).map((m) => m.path);
    expect(paths).toContain('/officers');
    expect(paths).toContain('/cases');
  });
});
