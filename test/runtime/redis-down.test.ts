// Redis down, with the real `dmarc` processes. At start (REDIS_URL on a port nobody listens on): serve, api,
// worker and scheduler end at once with one line naming Redis (no password) and the catalogue's exit status,
// before the database is opened. While running (a redis-server of the test's own, killed): /health stays 200,
// /ready answers 503 naming Redis, routes that need Redis answer 503 redis_unavailable (not 500), no log line
// claims another scheduler, and SIGTERM ends the process by itself.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ErrorCodes } from '../../src/model/errors.js';
import { startDmarc, waitFor, type Child } from '../jobs/support.js';
import { runCli } from '../support/cli.js';
import { openPostgres, type TestDatabase } from '../support/db.js';
import { freePort, redisServerAvailable, startOwnRedis, type OwnRedis } from '../support/redis-server.js';
import { servicesRequired } from '../support/services.js';

const SECRET = `pw-${crypto.randomBytes(6).toString('hex')}`;
const JWT_SECRET = crypto.randomBytes(48).toString('base64url');
const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = `Adm1n-${crypto.randomBytes(9).toString('base64url')}`;

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-redis-down-'));
}

/** GET within 5 s (a hang fails the test); the status and the JSON body. */
async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('a Redis that does not answer at start', () => {
  let dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
    dirs = [];
  });

  it.each(['serve', 'api', 'worker', 'scheduler'])(
    'dmarc %s ends at once: one line "cannot connect to Redis at host:port", no password, exit status of the catalogue',
    async (role) => {
      const redisPort = await freePort();
      const pgPort = await freePort();
      const dataDir = await tempDir();
      dirs.push(dataDir);
      const r = await runCli([role], {
        REDIS_URL: `redis://someone:${SECRET}@127.0.0.1:${redisPort}/4`,
        // the distributed roles need a DATABASE_URL; Redis is tried first, so this one is never reached
        DATABASE_URL: role === 'serve' ? '' : `postgres://postgres:${SECRET}@127.0.0.1:${pgPort}/dmarc`,
        JWT_SECRET,
        DMARC_DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: '0',
        DMARC_LOG_LEVEL: 'info',
      });
      expect(r.code).toBe(ErrorCodes.redis_unavailable.exit);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toEqual([
        `dmarc: cannot connect to Redis at 127.0.0.1:${redisPort}/4: connect ECONNREFUSED 127.0.0.1:${redisPort} (REDIS_URL)`,
      ]);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout).not.toMatch(/serving|running/);
      // the embedded database was not opened (nor its lock taken)
      expect(await fs.readdir(dataDir)).toEqual([]);
    },
  );
});

const haveRedisServer = redisServerAvailable('the Redis-goes-away suite');

describe.runIf(haveRedisServer)('Redis going away while dmarc serve runs (embedded database)', () => {
  let redis: OwnRedis;
  let child: Child;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    redis = await startOwnRedis();
    dataDir = await tempDir();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = startDmarc(['serve'], {
      REDIS_URL: redis.url,
      DATABASE_URL: '',
      DMARC_DATA_DIR: dataDir,
      DMARC_QUEUE_PREFIX: 'redisdown',
      DMARC_ADMIN_EMAIL: ADMIN_EMAIL,
      DMARC_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HOST: '127.0.0.1',
      PORT: String(port),
    });
    await child.waitForOutput(/serving on/, 110_000);
  });

  afterAll(async () => {
    await child?.kill();
    await redis?.kill();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('/health stays 200, /ready answers 503 naming Redis, SIGTERM ends the process by itself', async () => {
    const before = await get(`${base}/ready`);
    expect(before).toMatchObject({ status: 200, body: { status: 'ready', database: 'pglite', redis: 'ok' } });
    const login = () =>
      fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
        signal: AbortSignal.timeout(5000),
      });
    const session = await login();
    expect(session.status).toBe(200);
    const { accessToken } = (await session.json()) as { accessToken: string };

    await redis.kill();
    // every answer comes (within get's 5 s): none hangs waiting for Redis
    const ready = await waitFor('/ready to say Redis is away', async () => {
      const r = await get(`${base}/ready`);
      return r.status === 503 ? r : undefined;
    });
    expect(ready.body).toMatchObject({ status: 503, code: 'redis_unavailable', title: 'Redis unavailable' });
    expect(String(ready.body.detail)).toMatch(/^Redis does not answer/);
    for (let i = 0; i < 3; i++) expect(await get(`${base}/health`)).toEqual({ status: 200, body: { status: 'ok' } });

    // what needs Redis (the shared analytics cache, the login failure counters) answers 503 to retry, not 500;
    // what does not (lists read from the database) still answers
    const summary = await fetch(`${base}/api/rollup/summary`, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(5000),
    });
    expect(summary.status).toBe(503);
    expect(summary.headers.get('retry-after')).toBe('5');
    expect(await summary.json()).toMatchObject({ status: 503, code: 'redis_unavailable' });
    const refused = await login();
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'redis_unavailable' });
    const files = await fetch(`${base}/api/files`, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: AbortSignal.timeout(5000),
    });
    expect(files.status).toBe(200);
    expect(child.output()).not.toMatch(/"level":50/);

    // ends by itself (code 0), long before stop()'s SIGKILL
    expect(await child.stop(60_000)).toBe(0);
    expect(child.output()).toMatch(/"msg":"stopped"/);
    expect(child.output()).not.toMatch(/another scheduler/i);
  }, 90_000);
});

const havePostgres = inject('postgresTemplate') !== null;
if (!havePostgres && servicesRequired) throw new Error('REQUIRE_SERVICES=1 but PostgreSQL is not available');
if (!havePostgres)
  console.warn('PostgreSQL not available: the Redis-goes-away suite of worker and scheduler is skipped');

describe.runIf(haveRedisServer && havePostgres)('Redis going away while dmarc worker and scheduler run', () => {
  let redis: OwnRedis;
  let t: TestDatabase;
  const children: { role: string; child: Child; base: string }[] = [];

  beforeAll(async () => {
    redis = await startOwnRedis();
    t = await openPostgres();
    for (const role of ['worker', 'scheduler']) {
      const port = await freePort();
      const child = startDmarc([role], {
        REDIS_URL: redis.url,
        DATABASE_URL: t.url!,
        JWT_SECRET,
        DMARC_QUEUE_PREFIX: 'redisdown',
        HOST: '127.0.0.1',
        PORT: String(port),
      });
      children.push({ role, child, base: `http://127.0.0.1:${port}` });
    }
    for (const c of children) await c.child.waitForOutput(new RegExp(`${c.role} running`), 110_000);
  });

  afterAll(async () => {
    for (const c of children) await c.child.kill();
    await redis?.kill();
    await t?.drop();
  });

  it('/health stays 200, /ready answers 503 naming Redis, SIGTERM ends each process by itself', async () => {
    for (const c of children) {
      expect(await get(`${c.base}/ready`), c.role).toEqual({ status: 200, body: { status: 'ready' } });
    }
    await redis.kill();
    for (const c of children) {
      const ready = await waitFor(`${c.role} /ready to say Redis is away`, async () => {
        const r = await get(`${c.base}/ready`);
        return r.status === 503 ? r : undefined;
      });
      expect(ready.body, c.role).toMatchObject({ status: 503, code: 'redis_unavailable' });
      const health = await get(`${c.base}/health`);
      expect(health.status, c.role).toBe(200);
      expect(health.body, c.role).toMatchObject({ status: 'ok', role: c.role });
    }
    const codes = await Promise.all(children.map((c) => c.child.stop(60_000)));
    expect(codes).toEqual([0, 0]);
    for (const c of children) {
      expect(c.child.output(), c.role).toMatch(/"msg":"stopped"/);
      expect(c.child.output(), c.role).not.toMatch(/another scheduler/i);
    }
  }, 90_000);
});
