// The enterprise portal (企业端), phone-first.
import type { Area } from './types';

export const portal: Area = {
  routes: [
    { path: 'enterprise', name: 'enterprise-cases', component: () => import('../views/EnterpriseCases.vue'), meta: { title: '本企业案件' } },
  ],
  menu: [{ path: '/enterprise', label: '本企业案件', roles: ['enterprise'] }],
};
