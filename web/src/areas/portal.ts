// The enterprise portal (企业端), phone-first: registration (public), its inspections to rate,
// its cases and decisions, its complaints, callbacks to answer and its colleagues' accounts.
import type { Area } from './types';

const ent = ['enterprise'];

export const portal: Area = {
  routes: [
    // Public: shown without the Shell's header and menu (meta.bare).
    { path: 'register', name: 'enterprise-register', component: () => import('../views/portal/Register.vue'), meta: { public: true, bare: true, title: '企业注册' } },
    { path: 'register/pending', name: 'enterprise-pending', component: () => import('../views/portal/Pending.vue'), meta: { public: true, bare: true, title: '等待激活' } },
    { path: 'enterprise', name: 'enterprise-cases', component: () => import('../views/portal/Cases.vue'), meta: { title: '本企业案件' } },
    { path: 'enterprise/inspections', name: 'enterprise-inspections', component: () => import('../views/portal/Inspections.vue'), meta: { title: '检查与评价' } },
    { path: 'enterprise/complaints', name: 'enterprise-complaints', component: () => import('../views/portal/Complaints.vue'), meta: { title: '我的投诉' } },
    { path: 'enterprise/complaints/new', name: 'enterprise-complaint-new', component: () => import('../views/portal/NewComplaint.vue'), meta: { title: '我要投诉' } },
    { path: 'enterprise/complaints/:id', name: 'enterprise-complaint', component: () => import('../views/portal/Complaint.vue'), meta: { title: '投诉详情' } },
    { path: 'enterprise/callbacks', name: 'enterprise-callbacks', component: () => import('../views/portal/Callbacks.vue'), meta: { title: '回访' } },
    { path: 'enterprise/users', name: 'enterprise-users', component: () => import('../views/portal/Users.vue'), meta: { title: '企业账号' } },
  ],
  menu: [
    { path: '/enterprise/inspections', label: '检查与评价', roles: ent },
    { path: '/enterprise', label: '本企业案件', roles: ent },
    { path: '/enterprise/complaints', label: '我的投诉', roles: ent },
    { path: '/enterprise/callbacks', label: '回访', roles: ent },
    { path: '/enterprise/users', label: '企业账号', roles: ent },
  ],
};
