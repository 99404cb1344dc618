// The agency admin's pages: officers, certificates, training, catalogs and settings.
import type { Area } from './types';

export const admin: Area = {
  routes: [
    { path: 'officers', name: 'officers', component: () => import('../views/Officers.vue'), meta: { title: '执法人员' } },
  ],
  menu: [{ path: '/officers', label: '执法人员', roles: ['agency_admin'] }],
};
