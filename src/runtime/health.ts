// `/health` for the processes without the HTTP API (worker, scheduler) when PORT is set: liveness for an
// orchestrator. Anything else answers 404 in the API's problem-details shape.
import http from 'node:http';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export function startHealthServer(
  port: number,
  host: string,
  info: () => Record<string, unknown>,
): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && url === '/health') {
      const body = JSON.stringify({ status: 'ok', ...info() });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/problem+json' });
    res.end(
      JSON.stringify({
        type: 'https://dmarc-report-processor.dev/problems/not-found',
        title: 'Not Found',
        status: 404,
        detail: `no route ${req.method} ${url}`,
        code: 'not_found',
      }),
    );
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
