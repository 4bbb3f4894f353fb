// The RBAC matrix: every route registered in the running app, called anonymously, as each role of an organisation
// (token and API key), as a platform administrator and as the admin of another organisation, must answer according
// to the role it declares and the organisation it acts in. A new route is covered automatically.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import type { CatalogEntry } from '../../src/api/roles.js';
import { roleSatisfies, type UserRole } from '../../src/auth/roles.js';
import { upsertMembership } from '../../src/store/memberships.js';
import { bearer, createTestApp, TEST_PASSWORD, type TestApp } from '../support/app.js';
import { availableEngines } from '../support/db.js';
import { DEFAULT_ORG_ID, createOrg } from '../support/org.js';

interface Caller {
  name: string;
  /** null: anonymous. */
  userId: number | null;
  platformAdmin: boolean;
  /** Role in the default organisation (what the matrix's :org is); undefined: not a member. */
  roleHere?: UserRole;
  /** Role in the organisation /api/... means for the caller. */
  roleInDefault?: UserRole;
  /** An API key reaches its own organisation only. */
  keyOrg?: string;
  headers: () => Promise<Record<string, string>>;
}

type Outcome = 'ok' | 401 | 403 | 404;

/** What the access layer must answer. */
function expected(route: CatalogEntry, c: Caller, org: string): Outcome {
  if (route.role === 'public') return 'ok';
  if (c.userId === null) return 401;
  if (!route.tenant) {
    if (route.role === 'authenticated') return 'ok';
    return c.platformAdmin ? 'ok' : 403;
  }
  const named = route.url.includes(':org');
  if (named && c.keyOrg !== undefined && c.keyOrg !== org) return 404;
  const role: UserRole | undefined = c.platformAdmin ? 'admin' : named ? c.roleHere : c.roleInDefault;
  if (role === undefined) return 404;
  if (route.role === 'platform_admin') return c.platformAdmin ? 'ok' : 403;
  return roleSatisfies(role, route.role as UserRole) ? 'ok' : 403;
}

describe.each(availableEngines())('RBAC matrix on %s', (engine) => {
  let x: TestApp;
  let callers: Caller[];
  let throwaway = 0;
  let ids: Record<UserRole, number>;
  beforeAll(async () => {
    x = await createTestApp(engine, { DMARC_RATE_LIMIT_PER_MINUTE: '100000' });
    const keys: Partial<Record<UserRole, string>> = {};
    // an admin of the organisation who is not a platform administrator
    const { user: orgAdmin } = await x.auth.createUser({
      email: 'org-admin@example.com',
      name: 'org admin',
      password: TEST_PASSWORD,
      member: { orgId: DEFAULT_ORG_ID, role: 'admin' },
    });
    ids = {
      viewer: x.users.viewer.id,
      analyst: x.users.analyst.id,
      admin: orgAdmin.id,
    };
    for (const role of ['viewer', 'analyst', 'admin'] as const) {
      keys[role] = (await x.auth.createApiKey(ids[role], DEFAULT_ORG_ID, `${role} key`, null)).key;
    }
    // the admin of another organisation only
    const other = await createOrg(x.t.db, 'other');
    const { user: outsider } = await x.auth.createUser({
      email: 'outsider@example.com',
      name: 'outsider',
      password: TEST_PASSWORD,
      member: { orgId: other.id, role: 'admin' },
    });
    const outsiderKey = (await x.auth.createApiKey(outsider.id, other.id, 'outsider key', null)).key;
    callers = [
      { name: 'anonymous', userId: null, platformAdmin: false, headers: async () => ({}) },
      ...(['viewer', 'analyst', 'admin'] as const).flatMap((role): Caller[] => [
        {
          name: `${role} token`,
          userId: ids[role],
          platformAdmin: false,
          roleHere: role,
          roleInDefault: role,
          headers: async () => bearer(await x.auth.access.sign(ids[role])),
        },
        {
          name: `${role} API key`,
          userId: ids[role],
          platformAdmin: false,
          roleHere: role,
          roleInDefault: role,
          keyOrg: 'default',
          headers: async () => ({ 'x-api-key': keys[role]! }),
        },
      ]),
      {
        name: 'platform administrator',
        userId: x.users.admin.id,
        platformAdmin: true,
        roleHere: 'admin',
        roleInDefault: 'admin',
        headers: async () => bearer(await x.token('admin')),
      },
      {
        name: 'admin of another organisation',
        userId: outsider.id,
        platformAdmin: false,
        roleInDefault: 'admin',
        headers: async () => bearer(await x.auth.access.sign(outsider.id)),
      },
      {
        name: "another organisation's API key",
        userId: outsider.id,
        platformAdmin: false,
        roleInDefault: 'admin',
        keyOrg: 'other',
        headers: async () => ({ 'x-api-key': outsiderKey }),
      },
    ];
  });
  afterAll(async () => {
    await x?.close();
  });

  /**
   * A URL for a route pattern: ids that do not exist (no side effects), the default organisation for :org —
   * except deleting an organisation, which gets a throwaway one with the same members.
   */
  async function concrete(route: CatalogEntry): Promise<{ url: string; org: string }> {
    let org = 'default';
    if (route.method === 'DELETE' && route.url === '/api/orgs/:org') {
      const o = await createOrg(x.t.db, `throwaway-${++throwaway}`);
      for (const role of ['viewer', 'analyst', 'admin'] as const) await upsertMembership(x.t.db, o.id, ids[role], role);
      org = o.slug;
    }
    const url = route.url
      .replace(':org', org)
      .replace(/:[A-Za-z_]+/g, '999999')
      .replace(/\*$/, 'some/client/route');
    return { url, org };
  }

  it('every registered route declares a role, tenant routes exist under /api and /api/orgs/:org', () => {
    const urls = x.app.routeCatalog.map((r) => r.url);
    for (const must of [
      '/api/rollup/summary',
      '/api/orgs/:org/rollup/summary',
      '/api/upload',
      '/api/orgs/:org/upload',
      '/auth/login',
      '/users',
      '/api/keys',
      '/api/audit',
      '/api/orgs',
      '/api/orgs/:org',
      '/api/orgs/:org/members',
      '/api/alerts',
      '/api/alerts/:id/acknowledge',
      '/api/orgs/:org/alerts/rules/:id',
      '/api/alerts/suppressions',
      '/alerts',
      '/alerts/rules',
      '/health',
    ]) {
      expect(urls).toContain(must);
    }
    for (const r of x.app.routeCatalog) {
      expect(['public', 'authenticated', 'viewer', 'analyst', 'admin', 'platform_admin']).toContain(r.role);
      if (['viewer', 'analyst', 'admin'].includes(r.role)) expect(r.tenant, `${r.method} ${r.url}`).toBe(true);
    }
    // every tenant route of /api has its twin under /api/orgs/:org
    for (const r of x.app.routeCatalog.filter((r) => r.tenant && /^\/api\/(?!orgs\/)/.test(r.url))) {
      const twin = r.url.replace(/^\/api\//, '/api/orgs/:org/');
      expect(urls, r.url).toContain(twin);
    }
  });

  it('enforces every route’s declared role and organisation for every caller', async () => {
    // HEAD answers carry no body to tell an organisation's 404 from a missing id's: their GET twin is checked
    const routes = x.app.routeCatalog.filter((r) => r.method !== 'OPTIONS' && r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const route of routes) {
      for (const c of callers) {
        const { url, org } = await concrete(route);
        const res = await x.app.inject({
          method: route.method as 'GET',
          url,
          headers: { ...(await c.headers()), 'content-type': 'application/json' },
          payload: route.method === 'GET' || route.method === 'HEAD' ? undefined : '{}',
        });
        // What the access layer answers (a public route may still refuse, e.g. /auth/refresh without a token).
        const isJson = String(res.headers['content-type'] ?? '').includes('json') && res.body.length > 0;
        const code = isJson ? (res.json<{ code?: string }>().code ?? '') : '';
        const got: Outcome =
          res.statusCode === 401 && ['unauthenticated', 'invalid_credential'].includes(code)
            ? 401
            : res.statusCode === 403 && code === 'forbidden'
              ? 403
              : res.statusCode === 404 && code === 'organization_not_found'
                ? 404
                : 'ok';
        const want = expected(route, c, org);
        // whatever the caller, a server error is never an acceptable answer
        if (res.statusCode >= 500) failures.push(`${route.method} ${route.url} as ${c.name}: ${res.statusCode}`);
        if (got !== want) {
          failures.push(
            `${route.method} ${route.url} (${route.role}) as ${c.name}: ${res.statusCode} ${code}, want ${want}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
    // every route × every caller, each request real (a train or a PDF among them): minutes on a busy machine
  }, 300_000);

  it('roles are read on every request: a role change or a removal takes effect at once', async () => {
    const { user } = await x.auth.createUser({
      email: 'changing@example.com',
      name: 'changing',
      password: TEST_PASSWORD,
      member: { orgId: DEFAULT_ORG_ID, role: 'viewer' },
    });
    const headers = bearer(await x.auth.access.sign(user.id));
    const key = { 'x-api-key': (await x.auth.createApiKey(user.id, DEFAULT_ORG_ID, 'k', null)).key };
    const upload = (h: Record<string, string>) =>
      x.app.inject({
        method: 'POST',
        url: '/api/tasks/ingest',
        headers: { ...h, 'content-type': 'application/json' },
        payload: '{}',
      });
    expect((await upload(headers)).statusCode).toBe(403);
    await x.auth.setMemberRole(DEFAULT_ORG_ID, user.id, 'analyst');
    expect((await upload(headers)).statusCode).not.toBe(403);
    expect((await upload(key)).statusCode).not.toBe(403);
    await x.auth.removeMember(DEFAULT_ORG_ID, user.id);
    const named = await x.app.inject({ method: 'GET', url: '/api/orgs/default/rollup/summary', headers });
    expect(named.statusCode).toBe(404);
    // no organisation left for /api/... either
    expect((await x.app.inject({ method: 'GET', url: '/api/rollup/summary', headers })).statusCode).toBe(404);
    // a removed member's API keys there are revoked outright
    expect((await x.app.inject({ method: 'GET', url: '/api/rollup/summary', headers: key })).statusCode).toBe(401);
  });

  it('a route that declares no role stops the app from starting', async () => {
    const app = await buildApp({
      config: x.config,
      db: x.t.db,
      queue: x.queue,
      cache: {
        getOrCompute: async <T>(_org: number, _key: string, compute: () => Promise<T>) => ({
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
