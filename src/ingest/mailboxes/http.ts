// HTTP for the Graph and Gmail mailboxes (Node's fetch): a bearer token from a TokenCache, and the retries these
// services ask for — 401 (an expired or revoked token): a new token, once; 429 and 503 with Retry-After: wait as
// told (bounded); other 5xx and network failures: again with doubling delays; then the request fails with a
// message made of the method, the path, the status and the service's error code (never a token or a body sent).
import { MailboxError } from './errors.js';

export interface HttpPolicy {
  /** Further attempts after a 5xx or a network failure. */
  retries: number;
  /** Delay before the first of them; doubles each time. */
  baseDelayMs: number;
  /** Attempts answered 429 (Too Many Requests) before giving up. */
  throttledAttempts: number;
  /** The longest Retry-After honoured; a longer one is waited for this long. */
  maxRetryAfterMs: number;
  /** One request's time limit. */
  timeoutMs: number;
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = {
  retries: 3,
  baseDelayMs: 1000,
  throttledAttempts: 5,
  maxRetryAfterMs: 60_000,
  timeoutMs: 60_000,
};

export interface AccessToken {
  token: string;
  /** Epoch ms after which it is no longer used. */
  expiresAt: number;
}

/** Holds a service's access token; a new one is asked for when it is about to expire or was refused. */
export class TokenCache {
  private current: AccessToken | null = null;
  private pending: Promise<AccessToken> | null = null;

  constructor(private readonly obtain: () => Promise<AccessToken>) {}

  async get(): Promise<string> {
    if (this.current && this.current.expiresAt - 60_000 > Date.now()) return this.current.token;
    this.pending ??= this.obtain().finally(() => (this.pending = null));
    this.current = await this.pending;
    return this.current.token;
  }

  invalidate(): void {
    this.current = null;
  }
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  /** JSON body. */
  json?: unknown;
  /** application/x-www-form-urlencoded body (token requests). */
  form?: Record<string, string>;
  /** Further request headers (Graph's `Prefer`). */
  headers?: Record<string, string>;
}

export type Want = 'json' | 'bytes' | 'none';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retry-After: seconds, or an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The service's error code and text: Graph {error:{code,message}}, Google {error:{status,message}}, OAuth. */
async function errorDetail(res: Response): Promise<{ code?: string; detail: string }> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    return { detail: '' };
  }
  try {
    const body = JSON.parse(text) as {
      error?: string | { code?: string | number; status?: string; message?: string };
      error_description?: string;
    };
    let parts: (string | number | undefined)[] = [];
    if (typeof body.error === 'string') parts = [body.error, body.error_description];
    else if (body.error) parts = [body.error.status ?? body.error.code, body.error.message];
    const detail = parts.filter((x) => x !== undefined && x !== '').join(': ');
    return {
      code: parts[0] === undefined ? undefined : String(parts[0]),
      detail: detail.split('\n')[0]!.slice(0, 200),
    };
  } catch {
    return { detail: '' };
  }
}

/** The request as named in messages: method and path, no query (it may be long), no host's credentials. */
function requestName(r: HttpRequest): string {
  try {
    const u = new URL(r.url);
    return `${r.method} ${u.origin}${u.pathname}`;
  } catch {
    return r.method;
  }
}

/**
 * One request, with the retries above. `token` null: no Authorization (the token endpoint itself). Resolves
 * with the parsed JSON, the body's bytes, or nothing.
 */
export async function request(
  service: string,
  r: HttpRequest,
  want: Want,
  token: TokenCache | null,
  policy: HttpPolicy,
): Promise<unknown> {
  let refreshed = false;
  let failures = 0;
  let throttled = 0;
  for (;;) {
    const headers: Record<string, string> = { ...r.headers, accept: want === 'bytes' ? '*/*' : 'application/json' };
    let body: string | undefined;
    if (r.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(r.json);
    } else if (r.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(r.form).toString();
    }
    if (token) headers.authorization = `Bearer ${await token.get()}`;
    let res: Response;
    try {
      res = await fetch(r.url, { method: r.method, headers, body, signal: AbortSignal.timeout(policy.timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      if (failures++ < policy.retries) {
        await sleep(policy.baseDelayMs * 2 ** (failures - 1));
        continue;
      }
      throw new MailboxError(`${service}: ${requestName(r)} failed: ${cause} (after ${failures} attempts)`);
    }
    if (res.ok) {
      if (want === 'json') return await res.json();
      if (want === 'bytes') return new Uint8Array(await res.arrayBuffer());
      await res.body?.cancel();
      return undefined;
    }
    const wait = retryAfterMs(res.headers.get('retry-after'));
    if (res.status === 401 && token && !refreshed) {
      // expired or revoked: a new token, once
      await res.body?.cancel();
      refreshed = true;
      token.invalidate();
      continue;
    }
    if (res.status === 429 && ++throttled < policy.throttledAttempts) {
      await res.body?.cancel();
      await sleep(Math.min(wait ?? policy.baseDelayMs * 2 ** (throttled - 1), policy.maxRetryAfterMs));
      continue;
    }
    if (res.status >= 500 && failures++ < policy.retries) {
      await res.body?.cancel();
      await sleep(Math.min(wait ?? policy.baseDelayMs * 2 ** (failures - 1), policy.maxRetryAfterMs));
      continue;
    }
    const { code, detail } = await errorDetail(res);
    const tries = throttled + failures > 1 ? ` (after ${Math.max(throttled, failures)} attempts)` : '';
    throw new MailboxError(
      `${service}: ${requestName(r)}: HTTP ${res.status}${detail ? ` (${detail})` : ''}${tries}`,
      res.status,
      code,
    );
  }
}
