// POSTing JSON through the private-address guard (checked on the addresses the connection uses), within the
// installation's timeout (connection and answer together), redirects not followed. `guardedPost` answers the
// status and the start of the body whatever the status (SIEM outputs read their targets' answers); `postJson`,
// for notifications, makes an answer outside 2xx an error naming the status and the start of the body, 4xx other
// than 408 and 429 permanent (the service refuses the payload or the webhook is gone: retrying will not change it).
// A connection failure is an error without the URL in it (its path or query may be a secret).
import http from 'node:http';
import https from 'node:https';
import { PermanentDeliveryError, clip } from './define.js';
import { TargetRefusedError, checkLiteralHost, checkTargetUrl, guardedLookup } from './guard.js';

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(statusText({ status, body }, 200));
    this.name = 'HttpStatusError';
  }
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export interface GuardedPostSettings {
  /** Targets may be private, loopback, link-local and other reserved addresses (DMARC_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  timeoutMs: number;
}

export interface GuardedPostOptions {
  /** The start of the answer kept (the rest is read and dropped). */
  maxAnswerBytes?: number;
  /** false: a self-signed certificate is accepted (an output's own choice, never the default). */
  rejectUnauthorized?: boolean;
}

/** "HTTP 503: <start of the body>" */
export function statusText(a: HttpAnswer, max = 300): string {
  return `HTTP ${a.status}${a.body ? `: ${clip(a.body.replace(/\s+/g, ' ').trim(), max)}` : ''}`;
}

/** 429 and 5xx (and 408) may pass when tried again; other 4xx will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500 || status === 0;
}

export async function guardedPost(
  settings: GuardedPostSettings,
  url: string,
  body: string,
  headers: Record<string, string> = {},
  options: GuardedPostOptions = {},
): Promise<HttpAnswer> {
  const u = checkTargetUrl(url, settings.allowPrivate);
  checkLiteralHost(u, settings.allowPrivate);
  const request = u.protocol === 'https:' ? https.request : http.request;
  const maxAnswerBytes = options.maxAnswerBytes ?? 64 * 1024;
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
          if (size <= maxAnswerBytes) chunks.push(c);
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

/** A notification's POST: an answer outside 2xx is an error (permanent for 4xx other than 408 and 429). */
export async function postJson(
  settings: GuardedPostSettings,
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const a = await guardedPost(settings, url, body, headers);
  if (a.status >= 200 && a.status < 300) return a;
  const err = new HttpStatusError(a.status, a.body);
  const permanent = a.status >= 400 && a.status < 500 && a.status !== 408 && a.status !== 429;
  throw permanent ? new PermanentDeliveryError(err.message) : err;
}
