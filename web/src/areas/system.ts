// The sysadmin's pages: jurisdictions, agencies and bodies, users, backups, health.
import type { Area } from './types';

const r = ['sysadmin'];
export const system: Area = {
  routes: [
    { path: 'system/jurisdictions', name: 'system-jurisdictions', component: () => import('../views/system/Jurisdictions.vue'), meta: { title: '辖区管理' } },
    { path: 'system/agencies', name: 'system-agencies', component: () => import('../views/system/Agencies.vue'), meta: { title: '执法主体与监督机关' } },
    { path: 'system/users', name: 'system-users', component: () => import('../views/system/Users.vue'), meta: { title: '用户管理' } },
    { path: 'system/health', name: 'system-health', component: () => import('../views/system/Health.vue'), meta: { title: '系统状态' } },
  ],
  menu: [
    { path: '/system/jurisdictions', label: '辖区管理', roles: r },
    { path: '/system/agencies', label: '执法主体与监督机关', roles: r },
    { path: '/system/users', label: '用户管理', roles: r },
    { path: '/system/health', label: '系统状态', roles: r },
  ],
};
