// The API client: JSON requests with the session's access token, one silent refresh and retry on 401, and
// errors as ApiError (problem details). Uploads go through XMLHttpRequest for progress events.
//
// Organisations: pages call the tenant API as /api/...; a client bound to an organisation (forOrg) sends those
// requests to /api/orgs/<slug>/... instead (the path, not the X-Org header: every request then says in its URL
// whose data it is, in the server's logs, the browser's tools and any cache). Paths about the caller or the
// organisations themselves (/api/me, /api/orgs...) and everything outside /api are sent as written.
import { ApiError, toProblem } from './problem';
import type { Session } from './session';

export type Query = Record<string, string | number | undefined | null>;

export function buildUrl(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** A tenant API path (with its query) for the organisation `org`; null: the default organisation (as written). */
export function orgPath(path: string, org: string | null): string {
  if (org === null || !path.startsWith('/api/')) return path;
  const pathname = path.split(/[?#]/)[0]!;
  if (
    pathname === '/api/me' ||
    pathname === '/api/about' ||
    pathname === '/api/orgs' ||
    pathname.startsWith('/api/orgs/')
  )
    return path;
  return `/api/orgs/${encodeURIComponent(org)}${path.slice(4)}`;
}

export class Api {
  constructor(
    private readonly session: Session,
    /** The organisation of tenant requests; null: the caller's default one. */
    readonly org: string | null = null,
  ) {}

  /** A client for the organisation `slug` (null: the default one), sharing this one's session. */
  forOrg(slug: string | null): Api {
    return slug === this.org ? this : new Api(this.session, slug);
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', buildUrl(path, query), undefined, signal);
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }
  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return this.send<T>(method, orgPath(url, this.org), body, signal);
  }

  private async send<T>(
    method: string,
    url: string,
    body?: unknown,
    signal?: AbortSignal,
    retried = false,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.session.authHeaders() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(toProblem(0, null, 'Network error'));
    }
    if (res.status === 401 && !retried && (await this.session.onUnauthorized())) {
      return this.send<T>(method, url, body, signal, true);
    }
    if (res.status === 204) return undefined as T;
    const data: unknown = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(toProblem(res.status, data, res.statusText));
    return data as T;
  }

  /**
   * A file answer (an export) as a Blob with the name the server gives in Content-Disposition, with the session's
   * token and the same one refresh on 401 as JSON requests; an error answer is an ApiError.
   */
  async download(
    path: string,
    query?: Query,
    signal?: AbortSignal,
    retried = false,
  ): Promise<{ blob: Blob; name: string }> {
    const url = orgPath(buildUrl(path, query), this.org);
    let res: Response;
    try {
      res = await fetch(url, { headers: this.session.authHeaders(), credentials: 'same-origin', signal });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(toProblem(0, null, 'Network error'));
    }
    if (res.status === 401 && !retried && (await this.session.onUnauthorized())) {
      return this.download(path, query, signal, true);
    }
    if (!res.ok) {
      const data: unknown = await res.json().catch(() => null);
      throw new ApiError(toProblem(res.status, data, res.statusText));
    }
    const m = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '');
    return { blob: await res.blob(), name: m?.[1] ?? path.split('/').pop() ?? 'export' };
  }

  /** Multipart upload of files in the field `files`, reporting progress (0..1) of the bytes sent. */
  upload<T>(path: string, files: File[], onProgress: (fraction: number) => void): Promise<T> {
    return this.sendFiles<T>(orgPath(path, this.org), files, onProgress);
  }

  private sendFiles<T>(
    url: string,
    files: File[],
    onProgress: (fraction: number) => void,
    retried = false,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.setRequestHeader('accept', 'application/json');
      for (const [k, v] of Object.entries(this.session.authHeaders())) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
      };
      xhr.onerror = () => reject(new ApiError(toProblem(0, null, 'Network error')));
      xhr.onload = () => {
        let data: unknown = null;
        try {
          data = JSON.parse(xhr.responseText);
        } catch {
          data = null;
        }
        if (xhr.status === 401 && !retried) {
          void this.session.onUnauthorized().then((ok) => {
            if (ok) this.sendFiles<T>(url, files, onProgress, true).then(resolve, reject);
            else reject(new ApiError(toProblem(401, data, xhr.statusText)));
          });
          return;
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(data as T);
        else reject(new ApiError(toProblem(xhr.status, data, xhr.statusText)));
      };
      const form = new FormData();
      for (const f of files) form.append('files', f, f.name);
      xhr.send(form);
    });
  }
}
