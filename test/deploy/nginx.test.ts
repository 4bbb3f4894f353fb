// The repo's nginx configuration (deploy/nginx/, the files docker-compose.yml mounts) run for real by Debian's
// nginx in front of the API on loopback: only the upstream, the ports and the paths are substituted (and, for
// the 413 check, the body limit, set equal to the test API's smaller upload limit). Through it: login (the API
// sees the X-Forwarded-For client), an upload of 200 files, the dashboard's entry page and hashed assets (gzip
// and cache headers), and a 413 over the limit. Skips when nginx is not installed (fails under REQUIRE_SERVICES=1).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import zlib from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/index.js';
import { defaultOf } from '../../src/config/help.js';
import { parseByteSize } from '../../src/config/parse-values.js';
import { multipart, startApi, syntheticReport, type TestApi } from '../api/helpers.js';
import { ROOT } from '../support/cli.js';
import { servicesRequired } from '../support/services.js';

const NGINX_DIR = path.join(ROOT, 'deploy/nginx');
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
const UPLOAD_LIMIT = 1024 * 1024; // the test API's DMARC_MAX_UPLOAD_BYTES, and nginx's client_max_body_size here
const PASSWORD = 'correct horse battery staple';

if (!NGINX) {
  if (servicesRequired) throw new Error('REQUIRE_SERVICES=1 but nginx is not installed (apt-get install nginx)');
  console.warn('nginx not installed: the nginx configuration test is skipped (apt-get install nginx)');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

/** The repo's files with loopback ports and a temp prefix instead of the container's paths. */
function writeConfig(dir: string, apiPort: number, port: number): string {
  const sub = (text: string) =>
    text
      .replaceAll('/etc/nginx/conf.d/dmarc-site.conf', path.join(dir, 'http.conf'))
      .replaceAll('/etc/nginx/dmarc/', `${dir}/`)
      .replace('server api:8080', `server 127.0.0.1:${apiPort}`)
      .replace('listen 80 default_server;', `listen 127.0.0.1:${port} default_server;`)
      .replace('pid /tmp/nginx.pid;', `pid ${dir}/nginx.pid;`)
      .replace('access_log /dev/stdout;', `access_log ${dir}/access.log;`)
      .replace(/client_max_body_size \S+;/, `client_max_body_size ${UPLOAD_LIMIT};`)
      // Debian's nginx keeps its temp files under /var/lib/nginx: here, under the prefix
      .replace(
        'http {',
        `http {\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n` +
          `  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;`,
      );
  for (const f of ['http.conf', 'locations.conf']) {
    fs.writeFileSync(path.join(dir, f), sub(fs.readFileSync(path.join(NGINX_DIR, f), 'utf8')));
  }
  const main = path.join(dir, 'nginx.conf');
  fs.writeFileSync(main, sub(fs.readFileSync(path.join(NGINX_DIR, 'nginx.conf'), 'utf8')));
  return main;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(
  port: number,
  method: string,
  url: string,
  headers: Record<string, string | number> = {},
  body?: Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe.skipIf(!NGINX)('nginx (deploy/nginx) in front of the API', () => {
  let api: TestApi;
  let nginx: ChildProcess;
  let dir: string;
  let port: number;
  let token: string;

  beforeAll(async () => {
    api = await startApi('pglite', { DMARC_TRUST_PROXY: 'true', DMARC_MAX_UPLOAD_BYTES: String(UPLOAD_LIMIT) });
    const apiPort = await freePort();
    await api.app.listen({ port: apiPort, host: '127.0.0.1' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmarc-nginx-'));
    // nginx's workers may run as another user (when the tests run as root): they must reach the prefix
    fs.chmodSync(dir, 0o777);
    port = await freePort();
    const conf = writeConfig(dir, apiPort, port);
    const check = spawnSync(NGINX!, ['-t', '-q', '-p', dir, '-c', conf, '-e', 'stderr'], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    nginx = spawn(NGINX!, ['-p', dir, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'], { stdio: 'inherit' });
    for (let i = 0; i < 100; i++) {
      const up = await request(port, 'GET', '/health').catch(() => undefined);
      if (up?.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const ended = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGTERM');
      await ended;
    }
    await api?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("uses the API's upload limit as its body limit", () => {
    const conf = fs.readFileSync(path.join(NGINX_DIR, 'nginx.conf'), 'utf8');
    const size = /client_max_body_size (\d+)m;/.exec(conf);
    expect(Number(size?.[1]) * 1024 * 1024).toBe(parseByteSize(defaultOf(envSchema.shape.DMARC_MAX_UPLOAD_BYTES)!));
  });

  it('logs in; the API sees the client of X-Forwarded-For', async () => {
    const r = await request(
      port,
      'POST',
      '/auth/login',
      { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      Buffer.from(JSON.stringify({ email: 'api-tests@example.com', password: PASSWORD })),
    );
    expect(r.status, r.body.toString()).toBe(200);
    token = (JSON.parse(r.body.toString()) as { accessToken: string }).accessToken;
    const { rows } = await api.db.query<{ ip: string }>(
      "SELECT ip FROM audit_log WHERE action = 'login' ORDER BY id DESC LIMIT 1",
    );
    expect(rows[0]?.ip).toBe('203.0.113.9');
  });

  it('takes an upload of 200 files', async () => {
    const parts = Array.from({ length: 200 }, (_, i) => ({ name: `n-${i}.xml`, bytes: syntheticReport(50_000 + i) }));
    const { payload, headers } = multipart(parts);
    const r = await request(port, 'POST', '/api/upload', { ...headers, authorization: `Bearer ${token}` }, payload);
    expect(r.status, r.body.toString().slice(0, 500)).toBe(200);
    const results = (JSON.parse(r.body.toString()) as { results: { status: string }[] }).results;
    expect(results).toHaveLength(200);
    expect(results.every((x) => x.status === 'accepted')).toBe(true);
    await api.queue.drain();
    const { rows } = await api.db.query<{ n: string | number }>(
      "SELECT count(*) AS n FROM ingested_files WHERE status = 'processed'",
    );
    expect(Number(rows[0]!.n)).toBe(200);
  });

  it('serves the dashboard: index.html not cached, hashed assets cached for a year and gzipped', async () => {
    const index = await request(port, 'GET', '/', { 'accept-encoding': 'gzip' });
    expect(index.status).toBe(200);
    expect(index.headers['cache-control']).toBe('no-cache');
    const html = index.headers['content-encoding'] === 'gzip' ? zlibGunzip(index.body) : index.body.toString();
    const asset = /\/assets\/[^"']+\.js/.exec(html)?.[0];
    expect(asset, 'the built dashboard (npm run build) names its scripts').toBeDefined();
    const js = await request(port, 'GET', asset!, { 'accept-encoding': 'gzip' });
    expect(js.status).toBe(200);
    expect(js.headers['content-encoding']).toBe('gzip');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(zlibGunzip(js.body).length).toBeGreaterThan(js.body.length);
    const route = await request(port, 'GET', '/reports');
    expect(route.status).toBe(200);
    expect(route.headers['content-type']).toMatch(/^text\/html/);
  });

  it('answers 413 (problem details) over the limit, before the API reads it', async () => {
    const body = Buffer.alloc(UPLOAD_LIMIT + 1024, 'a');
    const r = await request(
      port,
      'POST',
      '/api/upload',
      {
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': body.length,
        authorization: `Bearer ${token}`,
      },
      body,
    ).catch((err: NodeJS.ErrnoException) => {
      // nginx may close the connection while the body is still being sent
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return undefined;
      throw err;
    });
    if (r) {
      expect(r.status).toBe(413);
      expect(r.headers['content-type']).toBe('application/problem+json');
      expect((JSON.parse(r.body.toString()) as { code: string }).code).toBe('upload_too_large');
    }
    // nginx writes the line once it has finished with the connection
    let log = '';
    for (let i = 0; i < 40 && !/" 413 /.test(log); i++) {
      await new Promise((res) => setTimeout(res, 50));
      log = fs.readFileSync(path.join(dir, 'access.log'), 'utf8');
    }
    expect(log).toMatch(/"POST \/api\/upload HTTP\/1\.1" 413 /);
  });
});

function zlibGunzip(b: Buffer): string {
  return zlib.gunzipSync(b).toString();
}
