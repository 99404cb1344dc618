// The desk: heads, reviewers and officers at a desk work their cases here.
import type { Area } from './types';

export const desk: Area = {
  routes: [
    { path: 'cases', name: 'cases', component: () => import('../views/desk/CaseList.vue'), meta: { title: '案件' } },
    { path: 'cases/:id', name: 'case', component: () => import('../views/desk/CaseView.vue'), meta: { title: '案件详情' } },
  ],
  menu: [{ path: '/cases', label: '案件', roles: [], notRoles: ['enterprise'] }],
};
