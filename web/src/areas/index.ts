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
