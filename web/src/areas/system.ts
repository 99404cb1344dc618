// The sysadmin's pages: jurisdictions, agencies and bodies, users, backups, health.
import type { Area } from './types';

export const system: Area = {
  routes: [],
  menu: [],
};
