// Signing in and out. In the console the server keeps the refresh token in an httpOnly,
// SameSite=Strict cookie on /v1/auth only (X-Zhifa-Session: cookie), so a script never holds it;
// the access token stays in memory and is renewed from the cookie before it runs out.
import { api } from './api/client';
import { session, type Me } from './stores/session';

const cookieMode = { 'X-Zhifa-Session': 'cookie' } as const;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

// IDLE_MS without a key press, click or touch ends the session.
export const IDLE_MS = 30 * 60 * 1000;

async function begin(token: { access_token: string; expires_in: number; password_change_required?: boolean }): Promise<boolean> {
  session.accessToken = token.access_token;
  session.mustChange = !!token.password_change_required;
  const { data } = await api.GET('/v1/me');
  if (!data) {
    session.expired();
    return false;
  }
  session.me = data as unknown as Me;
  clearTimeout(renewTimer);
  renewTimer = setTimeout(() => void resume(), Math.max(5, token.expires_in - 60) * 1000);
  watchIdle();
  return true;
}

// The code of the last refused sign-in: account_pending when the password is right but the
// enterprise's registration still waits for its supervisors (the portal then shows that state).
let lastCode = '';
export const ACCOUNT_PENDING = 'account_pending';
export function signInCode(): string {
  return lastCode;
}

// signIn answers the error text to show, or '' when signed in.
export async function signIn(username: string, password: string): Promise<string> {
  const { data, error } = await api.POST('/v1/auth/login', { body: { username, password }, params: { header: cookieMode } });
  lastCode = (error as { code?: string } | undefined)?.code ?? '';
  if (error || !data) return (error as { detail?: string })?.detail ?? '登录失败';
  return (await begin(data)) ? '' : '登录失败';
}

// mayHaveSession: the server sets the script-readable zhifa_signed_in cookie (no secret) beside
// the httpOnly refresh cookie, so a console opened with no session does not ask to be refused.
export function mayHaveSession(cookies: string = document.cookie): boolean {
  return cookies.split(';').some((c) => c.trim() === 'zhifa_signed_in=1');
}

// resume renews the access token from the refresh cookie; false when there is no session.
export async function resume(): Promise<boolean> {
  if (!mayHaveSession()) {
    session.expired();
    return false;
  }
  const { data } = await api.POST('/v1/auth/refresh', { body: {}, params: { header: cookieMode } });
  if (!data) {
    session.expired();
    return false;
  }
  return begin(data);
}

export async function signOut(): Promise<void> {
  clearTimeout(renewTimer);
  clearTimeout(idleTimer);
  await api.POST('/v1/auth/logout', { body: {}, params: { header: cookieMode } });
  session.expired();
}

function watchIdle() {
  const reset = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => void signOut().then(() => location.assign('/console/login?idle=1')), IDLE_MS);
  };
  for (const ev of ['keydown', 'pointerdown', 'wheel']) window.addEventListener(ev, reset, { passive: true });
  reset();
}

// changePassword changes the caller's password; the server then ends its sessions, so the
// person signs in again with the new one. Answers the error to show, or ''.
export async function changePassword(current: string, next: string): Promise<{ error: string; fields: Record<string, string> }> {
  const { error } = await api.PUT('/v1/me/password', { body: { current_password: current, new_password: next } });
  if (error) {
    const p = error as { detail?: string; title?: string; errors?: Record<string, string> };
    return { error: p.detail ?? p.title ?? '修改失败', fields: p.errors ?? {} };
  }
  await signOut();
  return { error: '', fields: {} };
}
