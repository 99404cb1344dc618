// The supervisor's pages (司法局): warnings, complaints, callbacks, orders, review rounds,
// scorecards, statistics, draws and problems.
import type { Area } from './types';

const sup = ['supervisor'];

export const supervision: Area = {
  routes: [
    { path: 'supervision', name: 'supervision', component: () => import('../views/supervision/Dashboard.vue'), meta: { title: '监督看板' } },
    { path: 'complaints', name: 'complaints', component: () => import('../views/supervision/Complaints.vue'), meta: { title: '投诉处理' } },
    { path: 'complaints/:id', name: 'complaint', component: () => import('../views/supervision/Complaint.vue'), meta: { title: '投诉详情' } },
  ],
  menu: [
    { path: '/supervision', label: '监督看板', roles: sup },
    { path: '/complaints', label: '投诉处理', roles: sup },
  ],
};
