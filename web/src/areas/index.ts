// Every area of the console, in menu order.
import { admin } from './admin';
import { desk } from './desk';
import { portal } from './portal';
import { supervision } from './supervision';
import { system } from './system';
import type { MenuEntry } from './types';

export const areas = [desk, supervision, admin, system, portal];

// menuFor: the entries a person holding roles sees, in order.
export function menuFor(roles: string[]): MenuEntry[] {
  const has = (r: string) => roles.includes(r);
  return areas
    .flatMap((a) => a.menu)
    .filter((m) => (m.roles.length === 0 || m.roles.some(has)) && !(m.notRoles ?? []).some(has))
    .sort((a, b) => Number(!!b.first) - Number(!!a.first));
}

// mayOpen: whether a person holding roles may open the page at path. A page under a menu entry
// (its path, or below it) is open to whoever sees one of the entries it falls under; a page under
// none (the workbench, the password page) to everyone.
export function mayOpen(path: string, roles: string[]): boolean {
  const under = (m: MenuEntry) => path === m.path || path.startsWith(m.path + '/');
  const entries = areas.flatMap((a) => a.menu).filter(under);
  if (entries.length === 0) return true;
  const seen = menuFor(roles);
  return entries.some((m) => seen.includes(m));
}
