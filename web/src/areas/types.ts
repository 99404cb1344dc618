// An area of the console: its pages, and the menu entries that lead to them. Each person's
// area lives in its own file (desk, supervision, portal, admin, system), so adding a page
// touches that file only.
import type { RouteRecordRaw } from 'vue-router';

export interface MenuEntry {
  // path under /console, e.g. '/cases'
  path: string;
  label: string;
  // roles: the entry is shown to anyone holding one of them; empty shows it to everyone.
  roles: string[];
  // notRoles: hidden from anyone holding one of them.
  notRoles?: string[];
  // first: listed before the other areas' entries (a person's own main page, such as the
  // supervisor's dashboard before the case desk).
  first?: boolean;
}

export interface Area {
  routes: RouteRecordRaw[];
  menu: MenuEntry[];
}
