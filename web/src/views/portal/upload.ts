// A complaint's photo: recorded with its SHA-256 (POST /v1/complaints/{id}/evidence), then its
// bytes sent resumably by tus to /v1/uploads with the access token. A request that fails (the
// network drops) is retried: tus-js-client asks the server's offset (HEAD) and continues from
// there, so nothing already sent is sent again.
import * as tus from 'tus-js-client';
import { api, problemText } from '../../api/client';
import { session } from '../../stores/session';

export interface Progress {
  name: string;
  sent: number;
  total: number;
  state: 'hashing' | 'sending' | 'resuming' | 'done' | 'failed';
  error: string;
}

// CHUNK: the size of each PATCH; small enough that a phone on a weak network loses little.
export const CHUNK = 64 * 1024;

async function sha256(file: File): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function attachPhoto(complaintID: string, file: File, p: Progress): Promise<boolean> {
  p.state = 'hashing';
  const sum = await sha256(file);
  const { data, error } = await api.POST('/v1/complaints/{id}/evidence', {
    params: { path: { id: complaintID } },
    body: {
      kind: 'photo', sha256: sum, size: file.size, content_type: file.type || 'image/jpeg', file_name: file.name,
      captured_at: new Date(Math.min(file.lastModified || Date.now(), Date.now())).toISOString(),
    },
  });
  if (error || !data) {
    p.state = 'failed';
    p.error = problemText(error);
    return false;
  }
  p.state = 'sending';
  return new Promise((resolve) => {
    const up = new tus.Upload(file, {
      endpoint: '/v1/uploads',
      metadata: { evidence_id: data.evidence.id },
      chunkSize: CHUNK,
      retryDelays: [1000, 3000, 5000, 10000],
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: true,
      onBeforeRequest(req) {
        req.setHeader('Authorization', 'Bearer ' + session.accessToken);
        req.setHeader('Accept-Language', 'zh-CN');
      },
      onShouldRetry(err, attempt) {
        const status = err.originalResponse?.getStatus() ?? 0;
        const retry = attempt < 4 && (status === 0 || status === 409 || status === 423 || status >= 500);
        if (retry) p.state = 'resuming';
        return retry;
      },
      onProgress(sent, total) {
        p.sent = sent;
        p.total = total;
      },
      onChunkComplete() {
        if (p.state === 'resuming') p.state = 'sending';
      },
      onSuccess() {
        p.state = 'done';
        p.sent = p.total = file.size;
        resolve(true);
      },
      onError(err) {
        p.state = 'failed';
        const body = (err as tus.DetailedError).originalResponse?.getBody();
        let msg = '上传失败，请稍后在投诉详情中重试';
        try {
          const j = body ? JSON.parse(body) : null;
          if (j?.detail) msg = j.detail;
        } catch {
          /* not JSON */
        }
        p.error = msg;
        resolve(false);
      },
    });
    up.start();
  });
}
