// The typed API client: every path and body comes from the spec (schema.d.ts is generated from
// openapi/openapi.yaml by `npm run gen`; CI fails when it differs from the spec).
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { session } from '../stores/session';

export const api = createClient<paths, `${string}/json`>({ baseUrl: '', credentials: 'same-origin' });

// Every request carries the access token held in memory, and asks for Chinese messages.
const auth: Middleware = {
  async onRequest({ request }) {
    const token = session.accessToken;
    if (token) request.headers.set('Authorization', 'Bearer ' + token);
    request.headers.set('Accept-Language', 'zh-CN');
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401) session.expired();
    return response;
  },
};
api.use(auth);

// problemText is what a person reads of an error answer (problem+json): its detail, else
// its title.
export function problemText(err: unknown): string {
  if (err && typeof err === 'object') {
    const p = err as { detail?: string; title?: string };
    if (p.detail) return p.detail;
    if (p.title) return p.title;
  }
  return '请求失败，请稍后重试';
}

// fieldErrors maps a problem's per-field errors to the form's fields.
export function fieldErrors(err: unknown): Record<string, string> {
  const fields = (err as { errors?: Record<string, string> } | undefined)?.errors;
  return { ...(fields ?? {}) };
}
