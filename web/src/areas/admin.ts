// The agency admin's pages: officers, certificates, training, catalogs and settings.
import type { Area } from './types';

const r = ['agency_admin'];
export const admin: Area = {
  routes: [
    { path: 'officers', name: 'officers', component: () => import('../views/admin/Officers.vue'), meta: { title: '执法人员' } },
    { path: 'training', name: 'admin-training', component: () => import('../views/admin/Training.vue'), meta: { title: '培训学时' } },
    { path: 'matters', name: 'admin-matters', component: () => import('../views/admin/Matters.vue'), meta: { title: '执法事项' } },
    { path: 'benchmarks', name: 'admin-benchmarks', component: () => import('../views/admin/Benchmarks.vue'), meta: { title: '裁量基准' } },
    { path: 'review-rules', name: 'admin-review-rules', component: () => import('../views/admin/ReviewRules.vue'), meta: { title: '法制审核目录' } },
    { path: 'rectification', name: 'admin-rectification', component: () => import('../views/admin/Rectification.vue'), meta: { title: '整改与督办' } },
    { path: 'push-failures', name: 'admin-push-failures', component: () => import('../views/admin/PushFailures.vue'), meta: { title: '推送失败' } },
    { path: 'agency-settings', name: 'admin-settings', component: () => import('../views/admin/Settings.vue'), meta: { title: '单位设置' } },
  ],
  menu: [
    { path: '/officers', label: '执法人员', roles: r },
    { path: '/training', label: '培训学时', roles: r },
    { path: '/matters', label: '执法事项', roles: r },
    { path: '/benchmarks', label: '裁量基准', roles: r },
    { path: '/review-rules', label: '法制审核目录', roles: r },
    { path: '/rectification', label: '整改与督办', roles: r },
    { path: '/push-failures', label: '推送失败', roles: r },
    { path: '/agency-settings', label: '单位设置', roles: r },
  ],
};
