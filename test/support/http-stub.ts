// What the Graph and Gmail stand-ins share: a loopback HTTP server that parses requests (path, query, JSON or
// form body), logs them, and can be told to fail the next matching requests (status, body, Retry-After).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface StubAnswer {
  status: number;
  json?: unknown;
  bytes?: Buffer;
  headers?: Record<string, string>;
}

interface Fault {
  method: string;
  pattern: RegExp;
  remaining: number;
  answer: StubAnswer;
}

export interface Stub {
  url: string;
  requests: StubRequest[];
  /** The next `times` requests matching fail with `answer`. */
  fail(method: string, pattern: RegExp, times: number, answer: StubAnswer): void;
  /** The faults not used up are dropped. */
  clearFaults(): void;
  close(): Promise<void>;
}

export async function startStub(handle: (r: StubRequest) => Promise<StubAnswer> | StubAnswer): Promise<Stub> {
  const requests: StubRequest[] = [];
  const faults: Fault[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const r: StubRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(u.pathname),
        query: u.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(r);
      const fault = faults.find((f) => f.remaining > 0 && f.method === r.method && f.pattern.test(r.path));
      void (async () => {
        let a: StubAnswer;
        if (fault) {
          fault.remaining--;
          a = fault.answer;
        } else {
          try {
            a = await handle(r);
          } catch (err) {
            a = { status: 500, json: { error: { code: 'InternalServerError', message: String(err) } } };
          }
        }
        const headers = { ...a.headers };
        if (a.json !== undefined) headers['content-type'] ??= 'application/json';
        res.writeHead(a.status, headers);
        res.end(a.bytes ?? (a.json !== undefined ? JSON.stringify(a.json) : undefined));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail: (method, pattern, times, answer) => faults.push({ method, pattern, remaining: times, answer }),
    clearFaults: () => (faults.length = 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The bearer token of a request, or null. */
export function bearer(r: StubRequest): string | null {
  const h = r.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : null;
}
