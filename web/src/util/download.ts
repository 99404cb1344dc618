// Downloads that need the session: fetched with the access token, saved under the name the
// server gives (Content-Disposition), never a link a script would have to carry a token in.
import { session } from '../stores/session';

export async function download(path: string, fallbackName: string): Promise<string> {
  const res = await fetch(path, { headers: { Authorization: 'Bearer ' + session.accessToken, 'Accept-Language': 'zh-CN' } });
  if (!res.ok) {
    try {
      const p = await res.json();
      return p.detail || p.title || '下载失败';
    } catch {
      return '下载失败';
    }
  }
  const blob = await res.blob();
  const cd = res.headers.get('Content-Disposition') ?? '';
  const m = /filename\*=UTF-8''([^;]+)/.exec(cd) ?? /filename="([^"]+)"/.exec(cd);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = m ? decodeURIComponent(m[1]) : fallbackName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  return '';
}

// objectURL fetches bytes that need the session (a thumbnail, a photo) as a blob: URL.
export async function objectURL(path: string): Promise<string> {
  const res = await fetch(path, { headers: { Authorization: 'Bearer ' + session.accessToken } });
  if (!res.ok) return '';
  return URL.createObjectURL(await res.blob());
}
