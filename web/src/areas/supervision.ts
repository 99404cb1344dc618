// The supervisor's pages (司法局): warnings, complaints, callbacks, orders, review rounds,
// scorecards, statistics, draws and problems.
import type { Area } from './types';

const sup = ['supervisor'];

export const supervision: Area = {
  routes: [
    { path: 'supervision', name: 'supervision', component: () => import('../views/supervision/Dashboard.vue'), meta: { title: '监督看板' } },
    { path: 'warnings', name: 'warnings', component: () => import('../views/supervision/Warnings.vue'), meta: { title: '监督预警' } },
    { path: 'complaints', name: 'complaints', component: () => import('../views/supervision/Complaints.vue'), meta: { title: '投诉处理' } },
    { path: 'complaints/:id', name: 'complaint', component: () => import('../views/supervision/Complaint.vue'), meta: { title: '投诉详情' } },
    { path: 'callbacks', name: 'callbacks', component: () => import('../views/supervision/Callbacks.vue'), meta: { title: '案件回访' } },
    { path: 'callbacks/:id', name: 'callback', component: () => import('../views/supervision/Callback.vue'), meta: { title: '回访详情' } },
    { path: 'supervision-orders', name: 'supervision-orders', component: () => import('../views/supervision/Orders.vue'), meta: { title: '督办' } },
    { path: 'supervision-orders/:id', name: 'supervision-order', component: () => import('../views/supervision/Order.vue'), meta: { title: '督办详情' } },
    { path: 'review-rounds', name: 'review-rounds', component: () => import('../views/supervision/ReviewRounds.vue'), meta: { title: '案卷评查' } },
    { path: 'review-rounds/:id', name: 'review-round', component: () => import('../views/supervision/ReviewRound.vue'), meta: { title: '评查详情' } },
    { path: 'review-rounds/:id/files/:caseId', name: 'review-file', component: () => import('../views/supervision/ReviewScore.vue'), meta: { title: '案卷评分' } },
    { path: 'scorecards', name: 'scorecards', component: () => import('../views/supervision/Scorecard.vue'), meta: { title: '评议考核' } },
    { path: 'statistics', name: 'statistics', component: () => import('../views/supervision/Statistics.vue'), meta: { title: '评价统计' } },
    { path: 'problems', name: 'problems', component: () => import('../views/supervision/Problems.vue'), meta: { title: '问题清单' } },
    { path: 'draws', name: 'draws', component: () => import('../views/supervision/Draws.vue'), meta: { title: '双随机抽查' } },
  ],
  menu: [
    { path: '/supervision', label: '监督看板', roles: sup, first: true },
    { path: '/warnings', label: '监督预警', roles: sup },
    { path: '/complaints', label: '投诉处理', roles: sup },
    { path: '/callbacks', label: '案件回访', roles: sup },
    { path: '/supervision-orders', label: '督办', roles: sup },
    { path: '/review-rounds', label: '案卷评查', roles: sup },
    { path: '/scorecards', label: '评议考核', roles: sup },
    { path: '/statistics', label: '评价统计', roles: sup },
    { path: '/problems', label: '问题清单', roles: sup },
    { path: '/draws', label: '双随机抽查', roles: ['supervisor', 'agency_admin'] },
  ],
};
