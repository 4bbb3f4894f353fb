// Rate limits, login failure limits, security headers, CORS, the audit log, and logs free of secrets.
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/runtime/logger.js';
import { availableEngines } from '../support/db.js';
import { TEST_PASSWORD, bearer, createTestApp, type TestApp } from '../support/app.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';

const haveRedis = await redisAvailable('the Redis-backed limit tests');

const stores = haveRedis ? (['memory', 'redis'] as const) : (['memory'] as const);
const combos = availableEngines().flatMap((engine) => stores.map((store) => [engine, store] as const));

describe.each(combos)('hardening on %s with %s limits', (engine, store) => {
  let x: TestApp;
  let redis: Redis | undefined;
  const logLines: string[] = [];
  const secrets: string[] = [TEST_PASSWORD];

  beforeAll(async () => {
    if (store === 'redis') {
      redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
      // Own prefix per run: runs never see each other's counters.
    }
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    });
    x = await createTestApp(
      engine,
      {
        DMARC_RATE_LIMIT_PER_MINUTE: '40',
        DMARC_LOGIN_MAX_FAILURES: '3',
        DMARC_CORS_ORIGINS: 'https://dmarc.example.com',
        DMARC_QUEUE_PREFIX: `test-${Math.random().toString(36).slice(2, 10)}`,
      },
      {
        ...(redis ? { redis } : {}),
        logger: { level: 'trace', stream: sink, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
      },
    );
  });
  afterAll(async () => {
    await x?.close();
    if (redis) {
      const keys = await redis.keys(`${x.config.redisPrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('rate-limits per user: 429 with Retry-After, other users unaffected', async () => {
    const token = await x.token('viewer');
    let limited: LightMyRequestResponse | undefined;
    for (let i = 0; i < 45; i++) {
      const r = await x.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
      if (r.statusCode === 429) {
        limited = r;
        break;
      }
    }
    expect(limited?.statusCode).toBe(429);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited!.headers['content-type']).toMatch(/problem\+json/);
    const other = await x.app.inject({ method: 'GET', url: '/api/me', headers: bearer(await x.token('analyst')) });
    expect(other.statusCode).toBe(200);
  });

  it("a user's API keys and tokens share the user's one bucket: more keys buy no more requests", async () => {
    const { user: u } = await x.auth.createUser({
      email: 'buckets@example.com',
      name: 'buckets',
      password: TEST_PASSWORD,
      member: { orgId: 1, role: 'viewer' },
    });
    const user = u.id;
    const keys = await Promise.all(
      [1, 2, 3].map(async (i) => (await x.auth.createApiKey(user, 1, `bucket ${i}`, null)).key),
    );
    const statuses: number[] = [];
    // 40 per minute for the user: spread over three keys and a token, the 41st request of the minute is refused
    for (let i = 0; i < 45; i++) {
      const headers = i % 4 === 3 ? bearer(await x.auth.access.sign(user)) : { 'x-api-key': keys[i % 4]! };
      statuses.push((await x.app.inject({ method: 'GET', url: '/api/keys', headers })).statusCode);
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(40);
    expect(statuses).toContain(429);
  });

  it('a user holds at most DMARC_MAX_KEYS_PER_USER live keys (409 past it; a revoked one frees a place)', async () => {
    const { user: u } = await x.auth.createUser({
      email: 'many-keys@example.com',
      name: 'many keys',
      password: TEST_PASSWORD,
      member: { orgId: 1, role: 'viewer' },
    });
    const user = u.id;
    const made = [];
    for (let i = 0; i < 20; i++) made.push(await x.auth.createApiKey(user, 1, `key ${i}`, null));
    const refused = await x.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: { ...bearer(await x.auth.access.sign(user)), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'one too many' }),
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'too_many_keys' });
    await x.auth.revokeApiKey(user, 1, made[0]!.record.id);
    await expect(x.auth.createApiKey(user, 1, 'now it fits', null)).resolves.toBeDefined();
  });

  it('parallel key creations of one user stop at DMARC_MAX_KEYS_PER_USER (each counts the keys made before it)', async () => {
    const { user: u } = await x.auth.createUser({
      email: 'parallel-keys@example.com',
      name: 'parallel keys',
      password: TEST_PASSWORD,
      member: { orgId: 1, role: 'viewer' },
    });
    const headers = { ...bearer(await x.auth.access.sign(u.id)), 'content-type': 'application/json' };
    // 30 requests at once (under the user's 40 a minute): on PostgreSQL each has its own connection
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        x.app.inject({ method: 'POST', url: '/api/keys', headers, payload: JSON.stringify({ name: `p${i}` }) }),
      ),
    );
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([...Array<number>(20).fill(201), ...Array<number>(10).fill(409)]);
    expect(await x.auth.keys.countLive(u.id)).toBe(20);
  });

  it('rate-limits anonymous requests per IP, failed authentications included', async () => {
    let status = 0;
    for (let i = 0; i < 45 && status !== 429; i++) {
      const r = await x.app.inject({
        method: 'GET',
        url: '/api/rollup/summary',
        headers: { authorization: 'Bearer forged.token.value' },
        remoteAddress: '203.0.113.77',
      });
      status = r.statusCode;
    }
    expect(status).toBe(429);
  });

  it('limits failed logins per account and address, and per address (any account), each logged and audited', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await x.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'analyst@example.com', password: 'not the password' },
        remoteAddress: '198.51.100.1',
      });
      expect(r.statusCode).toBe(401);
    }
    // the right password from that address is refused until the lockout ends ...
    const blocked = await x.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'analyst@example.com', password: TEST_PASSWORD },
      remoteAddress: '198.51.100.1',
    });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // ... but not from another one: failures elsewhere do not lock the user out
    const elsewhere = await x.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'analyst@example.com', password: TEST_PASSWORD },
      remoteAddress: '198.51.100.99',
    });
    expect(elsewhere.statusCode).toBe(200);
    // per address: 5 × 3 failures on different accounts block the address for accounts never used from it
    for (let i = 0; i < 15; i++) {
      const r = await x.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: `who-${i}@nowhere.example`, password: 'xxxxxxxxxxxx' },
        remoteAddress: '192.0.2.200',
      });
      expect(r.statusCode).toBe(401);
    }
    const ipBlocked = await x.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'viewer@example.com', password: TEST_PASSWORD },
      remoteAddress: '192.0.2.200',
    });
    expect(ipBlocked.statusCode).toBe(429);
    const audit = await x.app.inject({
      method: 'GET',
      url: '/api/audit?action=login&outcome=failure',
      headers: bearer(await x.token('admin')),
    });
    const items = audit.json<{ items: { actor: string; ip: string; outcome: string }[] }>().items;
    expect(items.length).toBeGreaterThanOrEqual(6);
    expect(items.some((i) => i.actor === 'analyst@example.com' && i.ip === '198.51.100.1')).toBe(true);
    expect(logLines.join('').includes('198.51.100.1') || items.length > 0).toBe(true);
  });

  it('sends the security headers on every response, errors included', async () => {
    for (const url of ['/health', '/api/rollup/summary', '/nope', '/openapi.json']) {
      const r = await x.app.inject({ method: 'GET', url });
      expect(r.headers['content-security-policy'], url).toMatch(/frame-ancestors 'none'/);
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
      expect(r.headers['referrer-policy'], url).toBeDefined();
      expect(r.headers['x-frame-options'], url).toBe('DENY');
      expect(r.headers['strict-transport-security'], url).toBeUndefined(); // plain HTTP
    }
  });

  it('CORS answers allowed origins only', async () => {
    const ok = await x.app.inject({
      method: 'OPTIONS',
      url: '/api/rollup/summary',
      headers: { origin: 'https://dmarc.example.com', 'access-control-request-method': 'GET' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe('https://dmarc.example.com');
    const evil = await x.app.inject({
      method: 'OPTIONS',
      url: '/api/rollup/summary',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await x.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses request bodies over the limit', async () => {
    const r = await x.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(r.statusCode).toBe(413);
  });

  it('audits user and key changes; the audit log is for admins only', async () => {
    const admin = bearer(await x.token('admin'));
    const created = await x.app.inject({
      method: 'POST',
      url: '/users',
      headers: admin,
      payload: { email: 'auditee@example.com', name: 'A', role: 'viewer' },
    });
    expect(created.statusCode).toBe(201);
    const pw = created.json<{ generatedPassword: string }>().generatedPassword;
    secrets.push(pw);
    const key = await x.app.inject({ method: 'POST', url: '/api/keys', headers: admin, payload: { name: 'k' } });
    secrets.push(key.json<{ key: string }>().key);
    const log = await x.app.inject({ method: 'GET', url: '/api/audit', headers: admin });
    const actions = log.json<{ items: { action: string; actor: string; at: string }[] }>().items.map((i) => i.action);
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'api_key.create']));
    const denied = await x.app.inject({ method: 'GET', url: '/api/audit', headers: bearer(await x.token('analyst')) });
    expect(denied.statusCode).toBe(403);
  });

  it('no log line contains a password, token, API key or cookie', async () => {
    const login = await x.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'viewer@example.com', password: TEST_PASSWORD },
      remoteAddress: '10.1.1.1',
    });
    const s = login.json<{ accessToken: string; refreshToken: string }>();
    secrets.push(s.accessToken, s.refreshToken);
    await x.app.inject({ method: 'GET', url: '/api/me', headers: bearer(s.accessToken), remoteAddress: '10.1.1.1' });
    await x.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      cookies: { dmarc_refresh: s.refreshToken },
      payload: {},
      remoteAddress: '10.1.1.1',
    });
    const all = logLines.join('\n');
    expect(all.length).toBeGreaterThan(1000); // requests were logged
    for (const secret of secrets)
      expect(all.includes(secret), `a secret of length ${secret.length} leaked`).toBe(false);
    expect(all).not.toMatch(/dmarc_refresh=/);
  });
});
