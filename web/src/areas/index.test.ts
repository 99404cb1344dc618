import { describe, expect, it } from 'vitest';
import { mayOpen, menuFor } from './index';

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

describe('the enterprise portal', () => {
  it('gives an enterprise its pages and nobody else', async () => {
    const paths = menuFor(['enterprise']).map((m) => m.path);
    expect(paths).toEqual(expect.arrayContaining(['/enterprise/inspections', '/enterprise', '/enterprise/complaints', '/enterprise/callbacks', '/enterprise/users']));
    expect(menuFor(['officer']).map((m) => m.path)).not.toContain('/enterprise/complaints');
  });
  it('opens registration and its pending state without a session', async () => {
    const { portal } = await import('./portal');
    const pub = portal.routes.filter((r) => r.meta?.public).map((r) => r.path);
    expect(pub.sort()).toEqual(['register', 'register/pending']);
  });
  it("puts the supervisor's dashboard before the case desk", () => {
    const paths = menuFor(['supervisor']).map((m) => m.path);
    expect(paths[0]).toBe('/supervision');
    expect(paths).toContain('/cases');
  });
  it('opens a person their own pages only', () => {
    expect(mayOpen('/system/health', ['enterprise'])).toBe(false);
    expect(mayOpen('/system/health', ['sysadmin'])).toBe(true);
    expect(mayOpen('/cases/abc', ['enterprise'])).toBe(false);
    expect(mayOpen('/cases/abc', ['supervisor'])).toBe(true);
    expect(mayOpen('/supervision', ['enterprise'])).toBe(false);
    expect(mayOpen('/enterprise/complaints/new', ['enterprise'])).toBe(true);
    expect(mayOpen('/enterprise/complaints/new', ['officer'])).toBe(false);
    expect(mayOpen('/draws', ['agency_admin'])).toBe(true);
    expect(mayOpen('/', ['enterprise'])).toBe(true);
    expect(mayOpen('/password', ['officer'])).toBe(true);
  });
});
