import { createRouter, createWebHistory } from 'vue-router';
import { session } from './stores/session';
import { resume } from './auth';
import { areas, mayOpen } from './areas';

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
        ...areas.flatMap((a) => a.routes),
        { path: 'forbidden', name: 'forbidden', component: () => import('./views/NotFound.vue'), props: { forbidden: true }, meta: { title: '无权访问' } },
        { path: ':rest(.*)*', name: 'missing', component: () => import('./views/NotFound.vue'), meta: { title: '未找到该页面' } },
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
  // Another person's pages are not opened by typing their address: the server would refuse
  // their data anyway, but the person should be told in words, not shown an empty page.
  if (!mayOpen(to.path, session.me?.roles ?? [])) return { name: 'forbidden' };
  return true;
});

router.afterEach((to) => {
  document.title = (to.meta.title ? to.meta.title + ' - ' : '') + '执法监督平台';
});
