// The BullMQ board at /admin/queues (distributed mode) answers a client that sends no Accept header (curl -H '',
// scripts, monitoring probes) like any other: the page, and the board's JSON API. (Hardening finding: 500.)
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { buildApp } from '../../src/api/app.js';
import { createAuthService } from '../../src/auth/create.js';
import { loadConfig } from '../../src/config/index.js';
import { BullMqQueue } from '../../src/jobs/bullmq-queue.js';
import { TaskHistory } from '../../src/jobs/history.js';
import { bullmqAvailable, dropPrefix, testPrefix } from '../jobs/support.js';
import { openPglite, type TestDatabase } from '../support/db.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import { REDIS_URL } from '../support/services.js';

const ready = await bullmqAvailable('the queue board suite');

describe.runIf(ready)('the BullMQ board without an Accept header', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let queue: BullMqQueue;
  let dataDir: string;
  let prefix: string;
  let authorization: string;

  beforeAll(async () => {
    t = await openPglite();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-board-'));
    prefix = testPrefix('board');
    const config = loadConfig({ DMARC_DATA_DIR: dataDir, JWT_SECRET: crypto.randomBytes(48).toString('base64url') });
    queue = new BullMqQueue({
      redisUrl: REDIS_URL,
      prefix,
      history: new TaskHistory(t.db),
      maxAttempts: 1,
      backoffMs: 10,
      lockDurationMs: 5000,
      stalledIntervalMs: 2000,
    });
    const auth = await createAuthService(config, t.db, undefined, { bcryptCost: 4 });
    const { user } = await auth.createUser({
      email: 'ops@example.com',
      name: 'ops',
      password: 'correct horse battery staple',
      platformAdmin: true,
      member: { orgId: DEFAULT_ORG_ID, role: 'admin' },
    });
    authorization = `Bearer ${await auth.access.sign(user.id)}`;
    app = await buildApp({ config, db: t.db, queue, cache: new MemoryCache(60), auth });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await queue?.close(1000);
    await dropPrefix(prefix);
    await t?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('serves the page and its API to a request with no Accept (nor Content-Type) header', async () => {
    const page = await app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('DMARC tasks');

    const api = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { authorization } });
    expect(api.statusCode).toBe(200);
    const names = api.json<{ queues: { name: string }[] }>().queues.map((q) => q.name);
    expect(names).toEqual(['tasks']);
  });

  it('still honours an Accept header that is sent', async () => {
    const r = await app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: { authorization, accept: 'application/json' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/json/);
  });
});
