import { createRouter, createWebHistory } from 'vue-router';
import { session } from './stores/session';
import { resume } from './auth';

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/Login.vue'), meta: { public: true, title: '登录' } },
    { path: '/password', name: 'password', component: () => import('./views/ChangePassword.vue'), meta: { title: '修改密码' } },
    {
      path: '/',
      component: () => import('./views/Shell.vue'),
      children: [
        { path: '', name: 'home', component: () => import('./views/Home.vue'), meta: { title: '工作台' } },
        { path: 'cases', name: 'cases', component: () => import('./views/CaseList.vue'), meta: { title: '案件' } },
        { path: 'cases/:id', name: 'case', component: () => import('./views/CaseView.vue'), meta: { title: '案件详情' } },
        { path: 'officers', name: 'officers', component: () => import('./views/Officers.vue'), meta: { title: '执法人员' } },
        { path: 'enterprise', name: 'enterprise-cases', component: () => import('./views/EnterpriseCases.vue'), meta: { title: '本企业案件' } },
        { path: ':rest(.*)*', name: 'missing', component: () => import('./views/NotFound.vue'), meta: { title: '页面建设中' } },
      ],
    },
  ],
});

// A page that needs a session first tries the refresh cookie (a reload keeps no token), and
// sends the person to sign in when there is none.
router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!session.accessToken && !(await resume())) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
  }
  if (session.mustChange && to.name !== 'password') return { name: 'password' };
  return true;
});

router.afterEach((to) => {
  document.title = (to.meta.title ? to.meta.title + ' - ' : '') + '执法监督平台';
});
