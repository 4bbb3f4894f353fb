// POSTing a notification to a webhook: through the private-address guard (checked on the addresses the
// connection uses), within the installation's timeout (connection and answer together), redirects not followed.
// An answer outside 2xx is an error naming the status and the start of the body; 4xx other than 408 and 429 is
// permanent (the service refuses the payload or the webhook is gone: retrying will not change it).
import http from 'node:http';
import https from 'node:https';
import { PermanentDeliveryError, clip, type SendSettings } from './define.js';
import { TargetRefusedError, checkLiteralHost, checkTargetUrl, guardedLookup } from './guard.js';

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}${body ? `: ${clip(body.replace(/\s+/g, ' ').trim(), 200)}` : ''}`);
    this.name = 'HttpStatusError';
  }
}

const MAX_ANSWER_BYTES = 64 * 1024;

export async function postJson(
  settings: SendSettings,
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const u = checkTargetUrl(url, settings.allowPrivate);
  checkLiteralHost(u, settings.allowPrivate);
  const request = u.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err: Error | null, value?: { status: number; body: string }) => {
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
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) return done(null, { status, body: text });
          const err = new HttpStatusError(status, text);
          const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
          done(permanent ? new PermanentDeliveryError(err.message) : err);
        });
      },
    );
    const timer = setTimeout(() => {
      done(new Error(`no answer within ${settings.timeoutMs} ms`));
      req.destroy();
    }, settings.timeoutMs);
    req.on('error', (err) => done(err instanceof TargetRefusedError ? err : new Error(errorWords(err))));
    req.end(body);
  });
}

/** A connection error in words, without the URL (its path may be the webhook's secret). */
function errorWords(err: Error & { code?: string }): string {
  return err.code ? `connection failed (${err.code})` : `connection failed (${err.message})`;
}
