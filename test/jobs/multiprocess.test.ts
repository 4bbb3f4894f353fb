// The distributed mode as it is deployed: `dmarc api`, two `dmarc worker` and `dmarc scheduler` as separate
// processes on PostgreSQL and Redis (a Redis database number of its own, a key prefix of its own). An upload
// through the API is processed by a worker and visible through the API; the workers invalidate the API's Redis
// cache; every process answers /health; the schedules are BullMQ job schedulers, and a second scheduler is
// harmless (each time slot still runs once); the BullMQ board is served to admins.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { syntheticReportXml } from '../../bench/generator.js';
import { leaderKey } from '../../src/jobs/scheduler.js';
import { multipart } from '../api/helpers.js';
import { openPostgres, type TestDatabase } from '../support/db.js';
import { REDIS_URL, servicesRequired } from '../support/services.js';
import { freePort } from '../imap/dovecot.js';
import { bullmqAvailable, dropPrefix, startDmarc, testPrefix, waitFor, type Child } from './support.js';

const havePostgres = inject('postgresTemplate') !== null;
if (!havePostgres && servicesRequired) throw new Error('REQUIRE_SERVICES=1 but PostgreSQL is not available');
const ready = havePostgres && (await bullmqAvailable('the multi-process suite'));
if (!havePostgres) console.warn('PostgreSQL not available: the multi-process suite is skipped');

/** The pending sweep every second, so that the suite sees scheduled runs. */
const EVERY_SECOND = { DMARC_SCHEDULE_SWEEP_PENDING: '* * * * * *' };

/** The Redis database this suite uses: not 0, to show that the number in REDIS_URL is honoured. */
const DB_NUMBER = 3;
const redisUrl = (() => {
  const u = new URL(REDIS_URL);
  u.pathname = `/${DB_NUMBER}`;
  return u.toString();
})();

describe.runIf(ready)('dmarc api + 2 × dmarc worker + dmarc scheduler', () => {
  let t: TestDatabase;
  let prefix: string;
  let dataDir: string;
  const children: Child[] = [];
  let api: Child;
  let workers: Child[];
  let scheduler: Child;
  const ports = { api: 0, w1: 0, w2: 0, sched: 0 };
  let base = '';
  const headers: Record<string, string> = {};
  const admin = { email: 'ops@example.com', password: crypto.randomBytes(12).toString('hex') };

  beforeAll(async () => {
    t = await openPostgres();
    prefix = testPrefix('multi');
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-multi-'));
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    const env = (port: number): Record<string, string> => ({
      DATABASE_URL: t.url!,
      REDIS_URL: redisUrl,
      DMARC_QUEUE_PREFIX: prefix,
      DMARC_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
      DMARC_ADMIN_EMAIL: admin.email,
      DMARC_ADMIN_PASSWORD: admin.password,
      DMARC_LOG_LEVEL: 'info',
    });
    const common = env(0);
    api = startDmarc(['api'], { ...env(ports.api), JWT_SECRET: common.JWT_SECRET });
    workers = [
      startDmarc(['worker', '--concurrency', '2'], { ...env(ports.w1), JWT_SECRET: common.JWT_SECRET }),
      startDmarc(['worker'], { ...env(ports.w2), JWT_SECRET: common.JWT_SECRET }),
    ];
    scheduler = startDmarc(['scheduler'], { ...env(ports.sched), ...EVERY_SECOND, JWT_SECRET: common.JWT_SECRET });
    children.push(api, ...workers, scheduler);
    await api.waitForOutput(/API serving on/);
    for (const w of workers) await w.waitForOutput(/worker running/);
    // sweep-pending, refresh-rollups and retention (fetch-imap: no mailbox)
    await scheduler.waitForOutput(/scheduler running \(9 job schedulers; IMAP IDLE: none\)/);
    base = `http://127.0.0.1:${ports.api}`;
    // With the auth layer in place, sign in as the first admin (created from DMARC_ADMIN_*).
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(admin),
    });
    if (login.status === 200) {
      headers.authorization = `Bearer ${((await login.json()) as { accessToken: string }).accessToken}`;
    } else {
      expect(login.status).toBe(404); // no auth layer in this build
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of children) await c.kill();
    await dropPrefix(prefix, redisUrl);
    await t?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  const get = async <T>(url: string): Promise<{ status: number; body: T; headers: Headers }> => {
    const r = await fetch(`${base}${url}`, { headers });
    return { status: r.status, body: (await r.json()) as T, headers: r.headers };
  };

  it('every process answers /health on its PORT', async () => {
    for (const [port, role] of [
      [ports.w1, 'worker'],
      [ports.w2, 'worker'],
      [ports.sched, 'scheduler'],
    ] as const) {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ status: 'ok', role });
    }
    expect((await fetch(`http://127.0.0.1:${ports.sched}/health`).then((r) => r.json())) as object).toMatchObject({
      schedules: 'job schedulers',
      jobSchedulers: 9,
      imapIdle: 'none',
    });
    expect(await fetch(`${base}/health`).then((r) => r.json())).toEqual({ status: 'ok' });
    expect((await fetch(`http://127.0.0.1:${ports.w1}/nope`)).status).toBe(404);
  });

  it('an upload through the API is processed by a worker and visible through the API, the cache invalidated', async () => {
    const before = await get<{ messages: number }>('/api/rollup/summary');
    expect(before.status).toBe(200);
    expect(before.body.messages).toBe(0);
    expect((await get('/api/rollup/summary')).headers.get('x-cache')).toBe('HIT');

    const files = [1, 2, 3, 4].map((i) => ({
      name: `multi-${i}.xml`,
      bytes: syntheticReportXml({ seed: 4200 + i, records: 50, reportId: `multi-${i}` }),
    }));
    const body = multipart(files);
    const up = await fetch(`${base}/api/upload`, {
      method: 'POST',
      headers: { ...headers, ...body.headers },
      body: body.payload,
    });
    expect(up.status).toBe(200);
    const results = ((await up.json()) as { results: { status: string; fileId: number }[] }).results;
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);

    for (const r of results) {
      await waitFor(`file ${r.fileId} processed`, async () => {
        const f = await get<{ status: string; reports: unknown[] }>(`/api/files/${r.fileId}`);
        return f.body.status === 'processed' ? f : undefined;
      });
    }
    const reports = await get<{ total: number }>('/api/reports');
    expect(reports.body.total).toBe(4);
    // the workers invalidated the API's Redis cache: fresh figures at once
    const after = await get<{ messages: number }>('/api/rollup/summary');
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(after.body.messages).toBeGreaterThan(0);

    const runs = await get<{ items: { name: string; state: string; worker: string }[] }>(
      '/api/tasks?name=process-file&state=completed',
    );
    expect(runs.body.items).toHaveLength(4);
    const host = os.hostname();
    const workerIds = workers.map((w) => `${host}:${w.proc.pid}`);
    for (const r of runs.body.items) expect(workerIds).toContain(r.worker);
  });

  it('keeps its keys under the prefix, in the Redis database of REDIS_URL', async () => {
    const inDb = new Redis(redisUrl);
    const inZero = new Redis(REDIS_URL);
    try {
      const keys = await inDb.keys(`${prefix}:*`);
      // the queue and its job schedulers; no IMAP IDLE lease (no mailbox has IDLE on)
      expect(keys).toEqual(expect.arrayContaining([`${prefix}:tasks:meta`, `${prefix}:tasks:repeat`]));
      expect(keys).not.toContain(leaderKey(prefix));
      expect(keys.some((k) => k.startsWith(`${prefix}:cache:`))).toBe(true);
      expect(await inZero.keys(`${prefix}:*`)).toEqual([]);
    } finally {
      inDb.disconnect();
      inZero.disconnect();
    }
  });

  it('runs the scheduled sweeps through the workers, one per slot; a second scheduler is harmless', async () => {
    type Run = { id: string; state: string; queuedAt: string };
    const sweeps = async (): Promise<{ slot: number; run: Run }[]> => {
      const r = await get<{ items: Run[] }>('/api/tasks?name=sweep-pending&limit=100');
      // (besides each worker's start-up sweep, queued with an id of its own)
      expect(r.body.items.filter((x) => x.id.startsWith('sched-'))).toEqual([]);
      return r.body.items
        .map((run) => ({ run, m: /^repeat:sweep-pending:(\d+)$/.exec(run.id) }))
        .filter((x) => x.m !== null)
        .map((x) => ({ slot: Number(x.m![1]), run: x.run }));
    };
    await waitFor('scheduled sweeps', async () => (await sweeps()).length >= 2, 30_000);

    const port = await freePort();
    const second = startDmarc(['scheduler'], {
      DATABASE_URL: t.url!,
      REDIS_URL: redisUrl,
      DMARC_QUEUE_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: String(port),
      DMARC_LOG_LEVEL: 'info',
      ...EVERY_SECOND,
    });
    children.push(second);
    await second.waitForOutput(/scheduler running \(9 job schedulers; IMAP IDLE: none\)/);
    expect(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json())).toMatchObject({ jobSchedulers: 9 });
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 4000));
    const to = Date.now();
    const all = await sweeps();
    // one run per slot, whoever made it: no slot twice, and in the window no more runs than seconds
    expect(new Set(all.map((x) => x.slot)).size).toBe(all.length);
    const inWindow = all.filter((x) => x.slot >= from && x.slot <= to);
    expect(inWindow.length).toBeGreaterThanOrEqual(2);
    expect(inWindow.length).toBeLessThanOrEqual(Math.ceil((to - from) / 1000) + 1);
    for (const x of all) expect(Date.parse(x.run.queuedAt)).toBe(x.slot);
    const r = new Redis(redisUrl);
    try {
      expect(await r.zcard(`${prefix}:tasks:repeat`)).toBe(9);
    } finally {
      r.disconnect();
    }
    expect(await second.stop()).toBe(0);
  });

  it('serves the BullMQ board at /admin/queues (distributed mode)', async () => {
    const page = await fetch(`${base}/admin/queues`, { headers });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<div id="root"|__UI_CONFIG__/);
    const queues = await fetch(`${base}/admin/queues/api/queues?activeQueue=tasks&status=completed&page=1`, {
      headers,
    });
    expect(queues.status).toBe(200);
    const q = (await queues.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    expect(q.queues.map((x) => x.name)).toEqual(['tasks']);
    expect(q.queues[0]!.counts.completed).toBeGreaterThanOrEqual(4);
    if (headers.authorization) {
      expect((await fetch(`${base}/admin/queues`)).status).toBe(401);
    }
  });

  it('stops gracefully on SIGTERM', async () => {
    for (const c of [scheduler, ...workers, api]) expect(await c.stop()).toBe(0);
  });
});

describe.runIf(ready)('dmarc serve with REDIS_URL: API, worker and scheduler in one process on BullMQ', () => {
  it('processes an upload through Redis and shows the BullMQ board', async () => {
    const t = await openPostgres();
    const prefix = testPrefix('serve');
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-serve-'));
    const port = await freePort();
    const admin = { email: 'ops@example.com', password: crypto.randomBytes(12).toString('hex') };
    const serve = startDmarc(['serve', '--host', '127.0.0.1', '--port', String(port)], {
      DATABASE_URL: t.url!,
      REDIS_URL: redisUrl,
      DMARC_QUEUE_PREFIX: prefix,
      DMARC_DATA_DIR: dataDir,
      JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
      DMARC_ADMIN_EMAIL: admin.email,
      DMARC_ADMIN_PASSWORD: admin.password,
    });
    try {
      await serve.waitForOutput(/serving on/);
      const base = `http://127.0.0.1:${port}`;
      const headers: Record<string, string> = {};
      const login = await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(admin),
      });
      if (login.status === 200) {
        headers.authorization = `Bearer ${((await login.json()) as { accessToken: string }).accessToken}`;
      }
      const body = multipart([{ name: 'one.xml', bytes: syntheticReportXml({ seed: 4300, records: 20 }) }]);
      const up = await fetch(`${base}/api/upload`, {
        method: 'POST',
        headers: { ...headers, ...body.headers },
        body: body.payload,
      });
      const [result] = ((await up.json()) as { results: { fileId: number }[] }).results;
      await waitFor('the file processed', async () => {
        const f = (await (await fetch(`${base}/api/files/${result!.fileId}`, { headers })).json()) as {
          status: string;
        };
        return f.status === 'processed';
      });
      const runs = (await (await fetch(`${base}/api/tasks?name=process-file`, { headers })).json()) as {
        items: { worker: string; state: string }[];
      };
      expect(runs.items).toEqual([
        expect.objectContaining({ state: 'completed', worker: `${os.hostname()}:${serve.proc.pid}` }),
      ]);
      const board = await fetch(`${base}/admin/queues/api/queues?activeQueue=tasks`, { headers });
      expect(board.status).toBe(200);
      const r = new Redis(redisUrl);
      // the scheduler role put the schedules in Redis as job schedulers
      expect(await r.exists(`${prefix}:tasks:meta`, `${prefix}:tasks:repeat`)).toBe(2);
      r.disconnect();
      expect(await serve.stop()).toBe(0);
    } finally {
      await serve.kill();
      await dropPrefix(prefix, redisUrl);
      await t.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the distributed processes need PostgreSQL and Redis', () => {
  it.each(['api', 'worker', 'scheduler'])('dmarc %s refuses to start without them, saying so', async (cmd) => {
    const { runCli } = await import('../support/cli.js');
    const r = await runCli([cmd], { REDIS_URL: '', DMARC_DATA_DIR: os.tmpdir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`dmarc ${cmd} runs beside other processes and needs DATABASE_URL and REDIS_URL`),
    );
  });
});
