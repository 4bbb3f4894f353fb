// One HTTP POST of an output: through the private-address guard of webhook channels (DMARC_WEBHOOK_ALLOW_PRIVATE:
// checked on the addresses the connection uses), within the timeout, redirects not followed. Answers the status and
// the start of the body whatever the status (each output type reads its target's answers); a connection failure
// is an error without the URL in it (its path or query may be a secret).
import http from 'node:http';
import https from 'node:https';
import { TargetRefusedError, checkLiteralHost, checkTargetUrl, guardedLookup } from '../alerts/channels/guard.js';
import { clip } from '../alerts/channels/define.js';
import type { OutputSettings } from './define.js';

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export interface HttpAnswer {
  status: number;
  body: string;
}

export async function post(
  settings: OutputSettings,
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { rejectUnauthorized?: boolean } = {},
): Promise<HttpAnswer> {
  const u = checkTargetUrl(url, settings.allowPrivate);
  checkLiteralHost(u, settings.allowPrivate);
  const request = u.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err: Error | null, value?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value!);
    };
    const req = request(
      u,
      {
        method: 'POST',
        lookup: guardedLookup(settings.allowPrivate),
        ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'dmarc-report-processor',
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(c);
        });
        res.on('error', (err) => done(err));
        res.on('end', () => done(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    const timer = setTimeout(() => {
      done(new Error(`no answer within ${settings.timeoutMs} ms`));
      req.destroy();
    }, settings.timeoutMs);
    req.on('error', (err: Error & { code?: string }) =>
      done(err instanceof TargetRefusedError ? err : new Error(`connection failed (${err.code ?? err.message})`)),
    );
    req.end(body);
  });
}

/** "HTTP 503: <start of the body>" */
export function statusText(a: HttpAnswer): string {
  return `HTTP ${a.status}${a.body ? `: ${clip(a.body.replace(/\s+/g, ' ').trim(), 300)}` : ''}`;
}

/** 429 and 5xx (and 408) may pass when tried again; other 4xx will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500 || status === 0;
}
