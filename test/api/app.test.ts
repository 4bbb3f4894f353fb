// The app as a whole: health and readiness, the problem-details error shape (404, bad bodies, an internal
// error with the database gone), the OpenAPI document and its two viewers, and the declared roles.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/analytics/cache.js';
import { buildApp } from '../../src/api/app.js';
import { ROLES, RouteWithoutRoleError, type Role } from '../../src/api/roles.js';
import { InProcessQueue } from '../../src/jobs/in-process-queue.js';
import { migrationStatus } from '../../src/store/migrate.js';
import { availableEngines } from '../support/db.js';
import {
  expectNoLeak,
  expectProblem,
  getJson,
  postUpload,
  registeredRoutes,
  startApi,
  type TestApi,
} from './helpers.js';

/** Documentation assets, not API operations: Swagger UI's files and the ReDoc page and bundle. */
const isDocsAsset = (url: string): boolean =>
  url === '/docs' || url.startsWith('/docs/') || url === '/redoc' || url.startsWith('/redoc/');
/**
 * Served by the app but not operations of its API: the dashboard's pages, assets and icon, the queue dashboard
 * (Bull Board, under /admin/) and the CORS preflight.
 */
const isNotAnOperation = (r: { method: string; url: string }): boolean =>
  r.url === '/' ||
  r.url === '/*' ||
  r.url.startsWith('/assets/') ||
  r.url.startsWith('/favicon.') ||
  r.url === '/admin' ||
  r.url.startsWith('/admin/') ||
  r.method === 'OPTIONS';
/** The OpenAPI document itself (also served at /docs/json) is not an operation of the API it describes. */
const SPEC_URL = '/openapi.json';

interface OpenApiOperation {
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema?: Record<string, unknown> }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown> }> }>;
}
interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags?: { name: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: Record<string, Record<string, unknown>>;
}

const toOpenApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');

/** Every "$ref" in the document, to check that each resolves. */
function refsOf(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) refsOf(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refsOf(x, out);
    }
  }
  return out;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let cur: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

describe.each(availableEngines())('the app on %s', (engine) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(engine);
  });
  afterAll(async () => {
    await api?.close();
  });

  describe('health', () => {
    it('GET /health answers while the process runs', async () => {
      expect(await getJson(api, '/health')).toEqual({ status: 'ok' });
      const head = await api.inject({ method: 'HEAD', url: '/health' });
      expect(head.statusCode).toBe(200);
    });

    it('GET /ready answers with the database and its current schema version', async () => {
      const status = await migrationStatus(api.db);
      expect(await getJson(api, '/ready')).toEqual({
        status: 'ready',
        database: engine,
        schemaVersion: status.latest,
      });
    });
  });

  describe('errors are problem details', () => {
    it.each([
      ['GET', '/nope.txt'],
      ['GET', '/api/nope'],
      ['GET', '/api/reports/1/records'],
      ['DELETE', '/api/reports'],
      ['POST', '/health'],
    ])('%s %s → 404 problem JSON', async (method, url) => {
      const r = await api.inject({ method: method as 'GET', url });
      const body = expectProblem(r, 404, 'not_found');
      expect(body).toEqual({
        type: expect.stringMatching(/^https:\/\//),
        title: 'Not Found',
        status: 404,
        detail: expect.stringContaining(url),
        code: 'not_found',
      });
    });

    it('a body that is not JSON → 400, a JSON body over the limit → 413, neither leaks internals', async () => {
      const bad = await api.inject({
        method: 'POST',
        url: '/api/ingest/trigger',
        payload: '{"not json',
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(bad, 400);
      const big = await api.inject({
        method: 'POST',
        url: '/api/ingest/trigger',
        payload: JSON.stringify({ x: 'y'.repeat(2 * 1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(big, 413);
    });

    it('a validation error names each field', async () => {
      const body = expectProblem(await api.inject('/api/reports?limit=0'), 400, 'validation_failed');
      expect(body.errors).toEqual([{ field: 'limit', message: expect.any(String) }]);
      expect(body.detail).toContain('limit');
    });
  });

  describe('OpenAPI', () => {
    let spec: OpenApiDoc;
    let routes: { method: string; url: string }[];
    beforeAll(async () => {
      spec = await getJson<OpenApiDoc>(api, SPEC_URL);
      routes = registeredRoutes(api.app).filter((r) => r.method !== 'HEAD'); // HEAD comes with every GET
    });

    it('is an OpenAPI 3.1 document with an info block and resolvable references', () => {
      expect(spec.openapi).toMatch(/^3\.1\.\d+$/);
      expect(spec.info.title.length).toBeGreaterThan(0);
      expect(spec.info.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(Object.keys(spec.paths).length).toBeGreaterThan(10);
      for (const ref of refsOf(spec)) expect(resolvePointer(spec, ref), ref).toBeDefined();
      for (const [p, item] of Object.entries(spec.paths)) {
        expect(p.startsWith('/')).toBe(true);
        for (const [method, op] of Object.entries(item)) {
          expect(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']).toContain(method);
          expect(op.tags?.length, `${method} ${p}: tagged`).toBeGreaterThan(0);
          // every {param} of the path is a required path parameter
          for (const [, name] of p.matchAll(/\{(\w+)\}/g)) {
            expect(
              op.parameters?.some((x) => x.in === 'path' && x.name === name && x.required === true),
              `${method} ${p}: path parameter ${name}`,
            ).toBe(true);
          }
          for (const prm of op.parameters ?? []) {
            expect(['query', 'header', 'path', 'cookie']).toContain(prm.in);
            expect(prm.name.length).toBeGreaterThan(0);
            expect(typeof prm.schema, `${method} ${p} ${prm.name}`).toBe('object');
          }
          expect(Object.keys(op.responses).length).toBeGreaterThan(0);
          for (const [code, res] of Object.entries(op.responses)) {
            expect(code).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
            expect(typeof res.description, `${method} ${p} ${code}: description`).toBe('string');
          }
        }
      }
    });

    it('documents every route of the app (but the documentation assets) with a response schema', () => {
      const documented = routes.filter((r) => !isDocsAsset(r.url) && r.url !== SPEC_URL && !isNotAnOperation(r));
      expect(documented.length).toBeGreaterThan(15);
      for (const r of documented) {
        const op = spec.paths[toOpenApiPath(r.url)]?.[r.method.toLowerCase()];
        expect(op, `${r.method} ${r.url} is in the spec`).toBeDefined();
        expect(op!.summary, `${r.method} ${r.url}: summary`).toBeTruthy();
        const ok = Object.entries(op!.responses).filter(([code]) => /^2\d\d$/.test(code));
        expect(ok.length, `${r.method} ${r.url}: a 2xx response`).toBeGreaterThan(0);
        for (const [code, res] of ok.filter(([c]) => c !== '204')) {
          const schema = Object.values(res.content ?? {})[0]?.schema;
          expect(schema, `${r.method} ${r.url} ${code}: response schema`).toBeDefined();
        }
      }
      // and nothing in the spec that the app does not serve
      const served = new Set(documented.map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.url)}`));
      for (const [p, item] of Object.entries(spec.paths)) {
        for (const method of Object.keys(item)) expect(served.has(`${method} ${p}`), `${method} ${p}`).toBe(true);
      }
    });

    it('declares the query parameters of every filtered and paginated route, and path parameters', () => {
      const params = (p: string, m = 'get') =>
        new Set((spec.paths[p]?.[m]?.parameters ?? []).filter((x) => x.in === 'query').map((x) => x.name));
      const filters = ['domain', 'from', 'to', 'org', 'source_ip', 'disposition', 'dmarc'];
      for (const p of [
        '/api/rollup/summary',
        '/api/rollup/timeline',
        '/api/rollup/sources',
        '/api/rollup/alignment',
        '/api/rollup/trends',
        '/api/domains',
        '/api/reports',
        '/api/records',
        '/api/stats/summary',
        '/api/stats/by-date',
        '/api/stats/by-domain',
        '/api/stats/by-source-ip',
      ]) {
        for (const f of filters) expect(params(p).has(f), `${p} ${f}`).toBe(true);
      }
      for (const p of ['/api/domains', '/api/reports', '/api/records', '/api/rollup/sources', '/api/files']) {
        expect(params(p).has('limit'), `${p} limit`).toBe(true);
        expect(params(p).has('cursor'), `${p} cursor`).toBe(true);
      }
      expect(params('/api/files').has('status')).toBe(true);
      expect(params('/api/rollup/timeline').has('interval')).toBe(true);
      for (const p of ['/api/reports/{id}', '/api/files/{id}']) {
        const id = spec.paths[p]!.get!.parameters!.find((x) => x.in === 'path' && x.name === 'id');
        expect(id?.schema?.type, p).toBe('integer');
      }
      // a date filter says what it is
      const from = spec.paths['/api/rollup/summary']!.get!.parameters!.find((x) => x.name === 'from')!;
      expect(from.schema?.pattern).toBeDefined();
    });

    it('describes the upload as multipart/form-data with repeated `files`', () => {
      const op = spec.paths['/api/upload']!.post!;
      const body = op.requestBody?.content['multipart/form-data']?.schema as
        { properties?: Record<string, { type?: string; maxItems?: number }> } | undefined;
      expect(body?.properties?.files?.type).toBe('array');
      expect(body?.properties?.files?.maxItems).toBe(api.config.server.maxUploadFiles);
      for (const code of ['200', '400', '413', '415']) expect(op.responses[code], code).toBeDefined();
    });

    it('the problem shape is documented on the error answers', () => {
      const problem = spec.paths['/api/reports']!.get!.responses['400']!;
      const schema = Object.values(problem.content ?? {})[0]?.schema as { required?: string[] } | undefined;
      expect(schema?.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
    });

    it('/docs (Swagger UI) and /redoc (ReDoc) answer HTML, with their scripts served locally', async () => {
      const docs = await api.inject('/docs');
      const page = docs.statusCode === 302 ? await api.inject(String(docs.headers.location)) : docs;
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toMatch(/swagger/i);
      for (const [, src] of page.body.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)) {
        expect(src, 'no CDN').not.toMatch(/^(https?:)?\/\//);
      }
      expect((await getJson<OpenApiDoc>(api, '/docs/json')).paths).toEqual(spec.paths);

      const redoc = await api.inject('/redoc');
      expect(redoc.statusCode).toBe(200);
      expect(redoc.headers['content-type']).toMatch(/^text\/html/);
      expect(redoc.body).toContain(`spec-url="${SPEC_URL}"`);
      const scripts = [...redoc.body.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]!);
      expect(scripts).toEqual(['/redoc/redoc.standalone.js']);
      const bundle = await api.inject(scripts[0]!);
      expect(bundle.statusCode).toBe(200);
      expect(bundle.headers['content-type']).toMatch(/javascript/);
      expect(bundle.rawPayload.byteLength).toBeGreaterThan(100_000);
      expect(bundle.body).toMatch(/redoc/i);
    });
  });

  describe('roles', () => {
    /** An app over the test's database that has not been started yet, to add routes and hooks to. */
    async function unstarted(): Promise<FastifyInstance> {
      return buildApp({ config: api.config, db: api.db, queue: new InProcessQueue(), cache: new MemoryCache(0) });
    }

    it('every route of the app declares a known role', async () => {
      const app = await unstarted();
      const seen = new Map<string, Role | undefined>();
      // keyed by the route the request was sent for (Fastify answers /docs/ from its /docs route)
      app.addHook('onRequest', async (req) => {
        seen.set(String(req.headers['x-route']), (req.routeOptions.config as { role?: Role }).role);
      });
      await app.ready();
      try {
        const routes = registeredRoutes(app).filter((r) => r.method !== 'HEAD');
        for (const r of routes) {
          const url = r.url.replace(/:\w+/g, '1').replace(/\*$/, 'index.html');
          await app.inject({ method: r.method as 'GET', url, headers: { 'x-route': `${r.method} ${r.url}` } });
          const role = seen.get(`${r.method} ${r.url}`);
          expect(role, `${r.method} ${r.url}`).toBeDefined();
          expect(ROLES).toContain(role);
        }
        expect(seen.get('GET /health')).toBe('public');
        expect(seen.get('GET /ready')).toBe('public');
        expect(seen.get('GET /api/rollup/summary')).not.toBe('public');
        expect(seen.get('POST /api/upload')).not.toBe('public');
      } finally {
        await app.close();
      }
    });

    it.each([
      ['without a role', {}],
      ['with an unknown role', { role: 'superuser' }],
    ])('a route %s stops the app from starting', async (_label, config) => {
      const app = await unstarted();
      try {
        await expect(
          (async () => {
            app.get('/api/forgotten', { config: config as { role?: Role } }, () => ({ ok: true }));
            await app.ready();
          })(),
        ).rejects.toThrow(RouteWithoutRoleError);
      } finally {
        await app.close().catch(() => undefined);
      }
    });

    it('a route without a role inside a plugin stops the app from starting too', async () => {
      const app = await unstarted();
      try {
        await expect(
          (async () => {
            await app.register(async (child) => {
              child.post('/api/plugin-route', () => ({ ok: true }));
            });
            await app.ready();
          })(),
        ).rejects.toThrow(/POST \/api\/plugin-route declares no role/);
      } finally {
        await app.close().catch(() => undefined);
      }
    });

    it('a route with a role is accepted', async () => {
      const app = await unstarted();
      try {
        app.get('/api/declared', { config: { role: 'authenticated' } }, () => ({ ok: true }));
        await app.ready();
        expect(app.hasRoute({ method: 'GET', url: '/api/declared' })).toBe(true);
      } finally {
        await app.close();
      }
    });

    it('an organisation role outside the tenant routes stops the app from starting', async () => {
      const app = await unstarted();
      try {
        app.get('/api/misplaced', { config: { role: 'viewer' } }, () => ({ ok: true }));
        await expect(app.ready()).rejects.toThrow(/organisation role viewer but is not a tenant route/);
      } finally {
        await app.close().catch(() => undefined);
      }
    });
  });
});

describe.each(availableEngines())('an internal error on %s', (engine) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi(engine, {}, { ownConnection: true });
    expect((await api.inject('/api/rollup/summary')).statusCode).toBe(200);
    await api.db.close(); // the database goes away under the running app
  });
  afterAll(async () => {
    await api?.close();
  });

  it.each(['/api/rollup/summary?domain=x.example', '/api/reports', '/api/records', '/api/files/1', '/api/domains'])(
    '%s → 500 problem details without a stack trace or SQL',
    async (url) => {
      const r = await api.inject(url);
      const body = expectProblem(r, 500, 'internal_error');
      expect(body.detail).toBe('an internal error occurred; it has been logged');
      expectNoLeak(r.body);
      expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
    },
  );

  it('an upload → 500 problem details, nothing leaked', async () => {
    expectProblem(await postUpload(api, [{ name: 'a.xml', bytes: '<feedback/>' }]), 500, 'internal_error');
  });

  it('/ready → 503, /health still 200', async () => {
    expectProblem(await api.inject('/ready'), 503, 'database_unavailable');
    expect((await api.inject('/health')).statusCode).toBe(200);
  });
});
