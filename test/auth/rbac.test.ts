// The RBAC matrix: every route registered in the running app, called anonymously, as each role and with each
// role's API key, must answer according to the role it declares. A new route is covered automatically.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleSatisfies, type UserRole } from '../../src/auth/roles.js';
import type { Role } from '../../src/api/roles.js';
import { buildApp } from '../../src/api/app.js';
import { availableEngines } from '../support/db.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';

type Caller = { name: string; role: UserRole | null; headers: () => Promise<Record<string, string>> };

/** A URL for a route pattern: ids that do not exist (no side effects), a harmless path for wildcards. */
function concrete(url: string): string {
  return url.replace(/:[A-Za-z_]+/g, '999999').replace(/\*$/, 'some/client/route');
}

describe.each(availableEngines())('RBAC matrix on %s', (engine) => {
  let x: TestApp;
  const keys: Partial<Record<UserRole, string>> = {};
  beforeAll(async () => {
    x = await createTestApp(engine, { DMARC_RATE_LIMIT_PER_MINUTE: '100000' });
    for (const role of ['viewer', 'analyst', 'admin'] as const) {
      keys[role] = (await x.auth.createApiKey(x.users[role].id, `${role} key`, null)).key;
    }
  });
  afterAll(async () => {
    await x?.close();
  });

  it('every registered route declares a role, and the catalogue covers the API', () => {
    const urls = x.app.routeCatalog.map((r) => r.url);
    for (const must of [
      '/api/rollup/summary',
      '/api/upload',
      '/auth/login',
      '/users',
      '/api/keys',
      '/api/audit',
      '/health',
    ]) {
      expect(urls).toContain(must);
    }
    for (const r of x.app.routeCatalog) expect(['public', 'viewer', 'analyst', 'admin']).toContain(r.role);
  });

  it('enforces every route’s declared role for anonymous callers, each role and each role’s API key', async () => {
    const callers: Caller[] = [
      { name: 'anonymous', role: null, headers: async () => ({}) },
      ...(['viewer', 'analyst', 'admin'] as const).flatMap((role): Caller[] => [
        { name: `${role} token`, role, headers: async () => bearer(await x.token(role)) },
        { name: `${role} API key`, role, headers: async () => ({ 'x-api-key': keys[role]! }) },
      ]),
    ];
    const routes = x.app.routeCatalog.filter((r) => r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const route of routes) {
      for (const c of callers) {
        const res = await x.app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers: { ...(await c.headers()), 'content-type': 'application/json' },
          payload: route.method === 'GET' || route.method === 'HEAD' ? undefined : '{}',
        });
        const need: Role = route.role;
        // What the access layer answers (a public route may still refuse, e.g. /auth/refresh without a token).
        const isJson = String(res.headers['content-type'] ?? '').includes('json') && res.body.length > 0;
        const code = isJson ? (res.json<{ code?: string }>().code ?? '') : '';
        // HEAD answers carry no body: the status alone says it.
        const head = route.method === 'HEAD';
        const unauthenticated =
          res.statusCode === 401 && (head || ['unauthenticated', 'invalid_credential'].includes(code));
        const forbidden = res.statusCode === 403 && (head || code === 'forbidden');
        let ok: boolean;
        if (need === 'public') ok = !unauthenticated && !forbidden;
        else if (c.role === null) ok = unauthenticated;
        else if (roleSatisfies(c.role, need)) ok = !unauthenticated && !forbidden && res.statusCode !== 401;
        else ok = forbidden;
        if (!ok) failures.push(`${route.method} ${route.url} (needs ${need}) as ${c.name}: ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a route that declares no role stops the app from starting', async () => {
    const app = await buildApp({
      config: x.config,
      db: x.t.db,
      queue: x.queue,
      cache: {
        getOrCompute: async <T>(_key: string, compute: () => Promise<T>) => ({
          value: await compute(),
          outcome: 'miss' as const,
        }),
        invalidate: async () => undefined,
        stats: async () => ({ backend: 'memory', hits: 0, misses: 0, coalesced: 0, invalidations: 0, ttlSeconds: 0 }),
        close: async () => undefined,
      },
      auth: x.auth,
    });
    expect(() => app.get('/api/forgotten', () => ({}))).toThrow(/declares no role/);
    await app.close();
  });
});
