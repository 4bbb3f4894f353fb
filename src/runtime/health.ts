// `/health` and `/ready` for the processes without the HTTP API (worker, scheduler) when PORT is set: liveness
// (the process answers, whatever its connections' state) and readiness (its database and Redis answer) for an
// orchestrator; and /metrics (Prometheus) for the DMARC_METRICS_TOKEN bearer only (these processes have no
// users to authenticate). Anything else answers 404 in the API's problem-details shape.
import crypto from 'node:crypto';
import http from 'node:http';
import { METRICS_CONTENT_TYPE } from '../events/metrics.js';
import { errorCodeInfo, type ErrorCode } from '../model/errors.js';

/** What a readiness check found: nothing wrong, or the first problem (a catalogue code and a sentence). */
export type Readiness = { ok: true } | { ok: false; code: ErrorCode; detail: string };

function problem(status: number, code: ErrorCode, detail: string): string {
  return JSON.stringify({
    type: `https://dmarc-report-processor.dev/problems/${code.replace(/_/g, '-')}`,
    title: errorCodeInfo(code).title,
    status,
    detail,
    code,
  });
}

/** /metrics of a health server: the token Prometheus must send (null: refused to everyone) and the scrape. */
export interface MetricsEndpoint {
  token: string | null;
  scrape: () => Promise<string>;
}

function sameSecret(given: string, expected: string): boolean {
  const hash = (t: string) => crypto.createHash('sha256').update(t).digest();
  return crypto.timingSafeEqual(hash(given), hash(expected));
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export function startHealthServer(
  port: number,
  host: string,
  info: () => Record<string, unknown>,
  ready: () => Promise<Readiness> = () => Promise.resolve({ ok: true }),
  metrics?: MetricsEndpoint,
): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const get = req.method === 'GET' || req.method === 'HEAD';
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (get && url === '/health') {
      send(200, 'application/json; charset=utf-8', JSON.stringify({ status: 'ok', ...info() }));
      return;
    }
    if (get && url === '/ready') {
      ready().then(
        (r) =>
          r.ok
            ? send(200, 'application/json; charset=utf-8', JSON.stringify({ status: 'ready' }))
            : send(503, 'application/problem+json', problem(503, r.code, r.detail)),
        () => send(503, 'application/problem+json', problem(503, 'service_unavailable', 'not ready')),
      );
      return;
    }
    if (get && url === '/metrics' && metrics) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!m) {
        res.setHeader('www-authenticate', 'Bearer');
        send(401, 'application/problem+json', problem(401, 'unauthenticated', 'Authorization: Bearer <metrics token>'));
        return;
      }
      if (metrics.token === null || !sameSecret(m[1]!, metrics.token)) {
        send(403, 'application/problem+json', problem(403, 'forbidden', 'not the metrics token (DMARC_METRICS_TOKEN)'));
        return;
      }
      metrics.scrape().then(
        (body) => send(200, METRICS_CONTENT_TYPE, body),
        () => send(503, 'application/problem+json', problem(503, 'service_unavailable', 'metrics unavailable')),
      );
      return;
    }
    send(404, 'application/problem+json', problem(404, 'not_found', `no route ${req.method} ${url}`));
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve({
        port: typeof a === 'object' && a ? a.port : port,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
