// Organisations never see each other's data. Two organisations hold the same domain names and the same uploaded
// files (and one more report that only the second has); a member of the first then calls every operation of
// /openapi.json for the second's organisation and objects, with a token and with an API key, on PGlite and
// PostgreSQL, with the in-memory and the Redis cache: every answer is 404 and none carries the second's rows or
// figures. Cached answers never cross organisations, and removing a membership revokes access at once.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache, RedisCache, type AnalyticsCache } from '../../src/analytics/cache.js';
import { buildApp } from '../../src/api/app.js';
import { createAuthService } from '../../src/auth/create.js';
import type { AuthService } from '../../src/auth/service.js';
import { loadConfig } from '../../src/config/index.js';
import { TaskHistory } from '../../src/jobs/history.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { taskHandlers } from '../../src/jobs/tasks.js';
import type { Organization } from '../../src/store/organizations.js';
import { availableEngines, openEngine, type Engine, type TestDatabase } from '../support/db.js';
import { cacheSink, createOrg } from '../support/org.js';
import { REDIS_URL, redisReachable, servicesRequired } from '../support/services.js';
import { dropPrefix, testPrefix } from '../jobs/support.js';
import { multipart, syntheticReport } from './helpers.js';

const SAMPLES = path.join(import.meta.dirname, '..', '..', 'samples');
/** Only the second organisation has a report for this domain, from this reporter. */
const B_ONLY_DOMAIN = 'beta-only.example';
const B_ONLY_REPORTER = 'Beta Only Reporter';

type Backend = 'memory' | 'redis';
const haveRedis = await redisReachable();
if (!haveRedis && servicesRequired) throw new Error(`REQUIRE_SERVICES=1 but Redis is not reachable at ${REDIS_URL}`);
if (!haveRedis)
  console.warn(`Redis not reachable at ${REDIS_URL}: the isolation suite runs with the memory cache only`);
const backends: Backend[] = haveRedis ? ['memory', 'redis'] : ['memory'];
const combos = availableEngines().flatMap((e) => backends.map((b) => [e, b] as [Engine, Backend]));

interface Side {
  org: Organization;
  userId: number;
  token: () => Promise<string>;
  apiKey: string;
  apiKeyId: number;
  reportIds: number[];
  fileIds: number[];
}

describe.each(combos)('isolation of organisations on %s with the %s cache', (engine, backend) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let auth: AuthService;
  let queue: InProcessQueue;
  let cache: AnalyticsCache;
  let redis: Redis | undefined;
  let prefix: string | undefined;
  let dataDir: string;
  let a: Side;
  let b: Side;

  const call = (
    method: string,
    url: string,
    headers: Record<string, string>,
    payload?: string,
  ): Promise<LightMyRequestResponse> =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { ...headers, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      payload,
    });

  async function uploadAs(side: Side, files: { name: string; bytes: Buffer | string }[]): Promise<number[]> {
    const body = multipart(files.map((f) => ({ name: f.name, bytes: f.bytes })));
    const r = await app.inject({
      method: 'POST',
      url: `/api/orgs/${side.org.slug}/upload`,
      payload: body.payload,
      headers: { ...body.headers, authorization: `Bearer ${await side.token()}` },
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json<{ results: { fileId: number }[] }>().results.map((x) => x.fileId);
  }

  async function side(slug: string): Promise<Side> {
    const org = await createOrg(t.db, slug, `Organisation ${slug}`);
    const { user } = await auth.createUser({
      email: `${slug}-admin@example.com`,
      name: slug,
      password: 'correct horse battery staple',
      member: { orgId: org.id, role: 'admin' },
    });
    const key = await auth.createApiKey(user.id, org.id, `${slug} key`, null);
    return {
      org,
      userId: user.id,
      token: () => auth.access.sign(user.id),
      apiKey: key.key,
      apiKeyId: key.record.id,
      reportIds: [],
      fileIds: [],
    };
  }

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dmarc-iso-'));
    t = await openEngine(engine);
    const config = loadConfig({
      DMARC_DATA_DIR: dataDir,
      DMARC_LOG_LEVEL: 'silent',
      DMARC_RATE_LIMIT_PER_MINUTE: '1000000',
      JWT_SECRET: crypto.randomBytes(48).toString('base64url'),
    });
    if (backend === 'redis') {
      prefix = testPrefix('isolation');
      redis = new Redis(REDIS_URL);
      cache = new RedisCache(redis, prefix, 300);
    } else {
      cache = new MemoryCache(300);
    }
    queue = new InProcessQueue({ history: new TaskHistory(t.db) });
    queue.start(taskHandlers({ db: t.db, queue, cache, limits: config.limits, sink: cacheSink(cache) }));
    auth = await createAuthService(config, t.db, undefined, { bcryptCost: 4 });
    app = await buildApp({ config, db: t.db, queue, cache, auth, sink: cacheSink(cache) });
    await app.ready();

    a = await side('alpha');
    b = await side('beta');
    // the same files in both organisations: the same domains, reporters and report ids
    const shared = await Promise.all(
      (await fs.readdir(SAMPLES)).map(async (name) => ({ name, bytes: await fs.readFile(path.join(SAMPLES, name)) })),
    );
    a.fileIds = await uploadAs(a, shared);
    b.fileIds = await uploadAs(b, [
      ...shared,
      { name: 'b-only.xml', bytes: syntheticReport(1, { domain: B_ONLY_DOMAIN, org: B_ONLY_REPORTER, count: 77 }) },
    ]);
    await queue.drain();
    for (const s of [a, b]) {
      const r = await t.db.query<{ id: number }>('SELECT id FROM reports WHERE org_id = $1 ORDER BY id', [s.org.id]);
      s.reportIds = r.rows.map((x) => x.id);
    }
    expect(a.reportIds.length).toBeGreaterThan(0);
    expect(b.reportIds.length).toBe(a.reportIds.length + 1);
  });

  afterAll(async () => {
    await app?.close();
    await queue?.close(5000);
    await t?.drop();
    redis?.disconnect();
    if (prefix) await dropPrefix(prefix);
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  /** Headers of a caller: token or API key of a side. */
  const asToken = async (s: Side) => ({ authorization: `Bearer ${await s.token()}` });
  const asKey = (s: Side) => ({ 'x-api-key': s.apiKey });

  /** Never a trace of the second organisation's own data in an answer to the first. */
  function expectNothingOfB(r: LightMyRequestResponse, what: string): void {
    expect(r.body, what).not.toContain(B_ONLY_DOMAIN);
    expect(r.body, what).not.toContain(B_ONLY_REPORTER);
    expect(r.body, what).not.toContain('beta-admin@example.com');
  }

  it('each organisation sees its own figures for the same files', async () => {
    const sumA = await call('GET', '/api/rollup/summary', await asToken(a));
    const sumB = await call('GET', '/api/rollup/summary', await asToken(b));
    const fa = sumA.json<{ messages: number; reports: number }>();
    const fb = sumB.json<{ messages: number; reports: number }>();
    expect(fb.reports).toBe(fa.reports + 1);
    expect(fb.messages).toBe(fa.messages + 77);
    // the same answers through the named path, with a token and with the API key
    for (const h of [await asToken(a), asKey(a)]) {
      const named = await call('GET', '/api/orgs/alpha/rollup/summary', h);
      expect(named.json()).toEqual(fa);
    }
  });

  it('every operation of /openapi.json for the other organisation answers 404 and shows nothing of it', async () => {
    const doc = (await call('GET', '/openapi.json', {})).json<{ paths: Record<string, Record<string, unknown>> }>();
    const tenant = new Set(app.routeCatalog.filter((r) => r.tenant).map((r) => `${r.method} ${r.url}`));
    const bIds: Record<string, number> = {
      reports: b.reportIds[0]!,
      files: b.fileIds[0]!,
      users: b.userId,
      keys: b.apiKeyId,
      members: b.userId,
    };
    const concrete = (p: string): string =>
      p.replace(/\{([^}]+)\}/g, (_m, name: string, offset: number) => {
        if (name === 'org') return 'beta';
        if (name === 'keyId') return String(b.apiKeyId);
        if (name === 'userId') return String(b.userId);
        const segment = p.slice(0, offset).split('/').filter(Boolean).pop() ?? '';
        return String(bIds[segment] ?? 999_999);
      });
    let checked = 0;
    const failures: string[] = [];
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
        const fastifyUrl = p.replace(/\{([^}]+)\}/g, ':$1');
        if (!tenant.has(`${method} ${fastifyUrl}`)) continue;
        const payload = method === 'GET' || method === 'HEAD' ? undefined : '{}';
        // named: /api/orgs/beta/...; unnamed: X-Org: beta
        const headerSets = [await asToken(a), asKey(a)].map((h) =>
          p.includes('{org}') ? h : { ...h, 'x-org': 'beta' },
        );
        for (const h of headerSets) {
          const r = await call(method, concrete(p), h, payload);
          checked++;
          const code = r.body.length > 0 ? (r.json<{ code?: string }>().code ?? '') : '';
          if (r.statusCode !== 404 || code !== 'organization_not_found') {
            failures.push(`${method} ${p}: ${r.statusCode} ${code}`);
          }
          expectNothingOfB(r, `${method} ${p}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it("the other organisation's ids in one's own organisation are not found, and nothing of theirs changes", async () => {
    const h = await asToken(a);
    const probes: [string, string][] = [
      ['GET', `/api/reports/${b.reportIds[b.reportIds.length - 1]}`],
      ['GET', `/api/files/${b.fileIds[b.fileIds.length - 1]}`],
      ['GET', `/api/users/${b.userId}/keys`],
      ['PATCH', `/api/users/${b.userId}`],
      ['DELETE', `/api/users/${b.userId}`],
      ['DELETE', `/api/users/${b.userId}/keys/${b.apiKeyId}`],
      ['DELETE', `/api/keys/${b.apiKeyId}`],
    ];
    for (const [method, url] of probes) {
      const payload = method === 'PATCH' ? JSON.stringify({ name: 'taken over' }) : undefined;
      const r = await call(method, url, h, payload);
      expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(404);
      expectNothingOfB(r, url);
    }
    // B's key and user are untouched
    const still = await call('GET', '/api/rollup/summary', asKey(b));
    expect(still.statusCode).toBe(200);
    expect((await auth.getUser(b.userId))?.name).toBe('beta');
    // task runs of B's files are B's
    const tasks = await call('GET', '/api/tasks?limit=1000', h);
    const runs = tasks.json<{ items: { id: string }[] }>().items;
    const bRuns = await t.db.query<{ id: string }>('SELECT id FROM task_runs WHERE org_id = $1', [b.org.id]);
    expect(bRuns.rows.length).toBeGreaterThan(0);
    for (const run of bRuns.rows) {
      expect(runs.map((x) => x.id)).not.toContain(run.id);
      expect((await call('GET', `/api/tasks/${run.id}`, h)).statusCode).toBe(404);
    }
  });

  it("every list and figure of one's own organisation holds nothing of the other's", async () => {
    const h = await asToken(a);
    const gets = app.routeCatalog.filter(
      (r) => r.tenant && r.method === 'GET' && r.url.startsWith('/api/') && !r.url.includes(':'),
    );
    expect(gets.length).toBeGreaterThan(15);
    for (const r of gets) {
      const res = await call(
        'GET',
        `${r.url}${r.url.includes('?') ? '&' : '?'}limit=1000`.replace(/\?limit=1000$/, ''),
        h,
      );
      expect([200, 400], `${r.url}: ${res.statusCode}`).toContain(res.statusCode);
      expectNothingOfB(res, r.url);
    }
    const reports = (await call('GET', '/api/reports?limit=1000', h)).json<{ items: { id: number }[] }>();
    expect(reports.items.map((x) => x.id).sort((x, y) => x - y)).toEqual(a.reportIds);
    const files = (await call('GET', '/api/files?limit=1000', h)).json<{ items: { id: number }[] }>();
    expect(files.items.map((x) => x.id).sort((x, y) => x - y)).toEqual([...a.fileIds].sort((x, y) => x - y));
  });

  it('cached answers never cross organisations (warm one, read the other), and invalidation is per organisation', async () => {
    const url = '/api/rollup/summary?from=2000-01-01';
    const first = await call('GET', url, await asToken(a));
    expect((await call('GET', url, await asToken(a))).headers['x-cache']).toBe('HIT');
    const other = await call('GET', url, await asToken(b));
    expect(other.headers['x-cache']).toBe('MISS');
    expect(other.json<{ messages: number }>().messages).toBe(first.json<{ messages: number }>().messages + 77);
    // a report stored for B invalidates B's answers only
    await uploadAs(b, [{ name: 'b-more.xml', bytes: syntheticReport(2, { domain: B_ONLY_DOMAIN, count: 5 }) }]);
    await queue.drain();
    const againA = await call('GET', url, await asToken(a));
    expect(againA.headers['x-cache']).toBe('HIT');
    expect(againA.json()).toEqual(first.json());
    const againB = await call('GET', url, await asToken(b));
    expect(againB.headers['x-cache']).toBe('MISS');
    expect(againB.json<{ messages: number }>().messages).toBe(other.json<{ messages: number }>().messages + 5);
  });

  it('an API key reaches its own organisation only, whatever the request names', async () => {
    for (const [url, headers] of [
      ['/api/orgs/beta/rollup/summary', asKey(a)],
      ['/api/rollup/summary', { ...asKey(a), 'x-org': 'beta' }],
      ['/api/orgs/beta', asKey(a)],
    ] as const) {
      const r = await call('GET', url, headers);
      expect(r.statusCode, url).toBe(404);
      expectNothingOfB(r, url);
    }
    expect((await call('GET', '/api/orgs/alpha/rollup/summary', asKey(a))).statusCode).toBe(200);
  });

  it('a membership gives access, and removing it revokes access on the next request', async () => {
    await auth.setMemberRole(b.org.id, a.userId, 'viewer');
    const h = await asToken(a);
    const r = await call('GET', '/api/orgs/beta/rollup/summary', h);
    expect(r.statusCode).toBe(200);
    expect(r.json<{ messages: number }>().messages).toBeGreaterThan(77);
    // a viewer there: no upload
    expect((await call('POST', '/api/orgs/beta/tasks/ingest', h, '{}')).statusCode).toBe(403);
    await auth.removeMember(b.org.id, a.userId);
    const after = await call('GET', '/api/orgs/beta/rollup/summary', h);
    expect(after.statusCode).toBe(404);
    expectNothingOfB(after, 'after removal');
  });
});
