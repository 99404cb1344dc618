// The supervisor's pages (司法局): warnings, complaints, callbacks, orders, review rounds,
// scorecards, statistics, draws and problems.
import type { Area } from './types';

const sup = ['supervisor'];

export const supervision: Area = {
  routes: [
    { path: 'supervision', name: 'supervision', component: () => import('../views/supervision/Dashboard.vue'), meta: { title: '监督看板' } },
    { path: 'complaints', name: 'complaints', component: () => import('../views/supervision/Complaints.vue'), meta: { title: '投诉处理' } },
    { path: 'complaints/:id', name: 'complaint', component: () => import('../views/supervision/Complaint.vue'), meta: { title: '投诉详情' } },
    { path: 'callbacks', name: 'callbacks', component: () => import('../views/supervision/Callbacks.vue'), meta: { title: '案件回访' } },
    { path: 'callbacks/:id', name: 'callback', component: () => import('../views/supervision/Callback.vue'), meta: { title: '回访详情' } },
    { path: 'supervision-orders', name: 'supervision-orders', component: () => import('../views/supervision/Orders.vue'), meta: { title: '督办' } },
    { path: 'supervision-orders/:id', name: 'supervision-order', component: () => import('../views/supervision/Order.vue'), meta: { title: '督办详情' } },
  ],
  menu: [
    { path: '/supervision', label: '监督看板', roles: sup },
    { path: '/complaints', label: '投诉处理', roles: sup },
    { path: '/callbacks', label: '案件回访', roles: sup },
    { path: '/supervision-orders', label: '督办', roles: sup },
  ],
};
